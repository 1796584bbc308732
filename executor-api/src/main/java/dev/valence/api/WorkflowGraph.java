package dev.valence.api;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The graph a workflow function records: task calls in the order they were made (so every input
 * comes from an earlier step, and a cycle cannot be written), their inputs, and the output.
 */
public final class WorkflowGraph {

    /** Where a step's argument comes from. */
    public sealed interface Input permits FromStep, Constant {
    }

    /** The result of an earlier step. */
    public record FromStep(String nodeId) implements Input {
    }

    /** A constant value. */
    public record Constant(Object value) implements Input {
    }

    /** One task call: its node id, the task, and its inputs in argument order. */
    public record Step(String nodeId, Task<?> task, List<Input> inputs) {
        public Step {
            inputs = List.copyOf(inputs);
        }

        /** Node ids this step waits for. */
        public List<String> dependencies() {
            return inputs.stream().filter(FromStep.class::isInstance).map(i -> ((FromStep) i).nodeId()).distinct().toList();
        }
    }

    private final String workflowName;
    private final List<Step> steps;
    private final Input output;

    WorkflowGraph(String workflowName, List<Step> steps, Input output) {
        this.workflowName = workflowName;
        this.steps = List.copyOf(steps);
        this.output = Objects.requireNonNull(output);
        Map<String, Step> seen = new LinkedHashMap<>();
        for (Step s : steps) {
            for (String dep : s.dependencies()) {
                if (!seen.containsKey(dep)) {
                    throw new ValenceException(ErrorKind.WORKFLOW, "workflow '" + workflowName + "': step '" + s.nodeId()
                            + "' depends on '" + dep + "', which is not an earlier step (a cycle or a handle from another workflow)");
                }
            }
            if (seen.put(s.nodeId(), s) != null) {
                throw new ValenceException(ErrorKind.WORKFLOW, "workflow '" + workflowName + "': two steps named '"
                        + s.nodeId() + "'");
            }
        }
        if (output instanceof FromStep f && !seen.containsKey(f.nodeId())) {
            throw new ValenceException(ErrorKind.WORKFLOW, "workflow '" + workflowName + "' returns a handle from "
                    + "another workflow ('" + f.nodeId() + "')");
        }
    }

    /** The workflow's name. */
    public String workflowName() {
        return workflowName;
    }

    /** Steps in recording order (a topological order). */
    public List<Step> steps() {
        return steps;
    }

    /** The workflow's result: a step's output or a constant. */
    public Input output() {
        return output;
    }

    /** A step by node id. */
    public Optional<Step> step(String nodeId) {
        return steps.stream().filter(s -> s.nodeId().equals(nodeId)).findFirst();
    }

    /** Records the graph of a workflow function while it runs on this thread. */
    static final class Recorder {
        private static final ThreadLocal<Recorder> CURRENT = new ThreadLocal<>();

        private final String workflowName;
        private final List<Step> steps = new ArrayList<>();
        private final Map<String, Integer> counts = new LinkedHashMap<>();

        Recorder(String workflowName) {
            this.workflowName = workflowName;
        }

        static Optional<Recorder> current() {
            return Optional.ofNullable(CURRENT.get());
        }

        <R> WorkflowGraph record(java.util.function.Supplier<Node<R>> body) {
            if (CURRENT.get() != null) {
                throw new ValenceException(ErrorKind.WORKFLOW, "workflow '" + workflowName
                        + "' was started inside another workflow's definition; call its tasks directly instead");
            }
            CURRENT.set(this);
            try {
                Node<R> out = body.get();
                if (out == null) {
                    throw new ValenceException(ErrorKind.WORKFLOW, "workflow '" + workflowName + "' returned null; "
                            + "return the node of its last task (or Node.of(value))");
                }
                return new WorkflowGraph(workflowName, steps, input(out));
            } finally {
                CURRENT.remove();
            }
        }

        <R> Node<R> add(Task<R> task, Node<?>[] args) {
            int n = counts.merge(task.name(), 1, Integer::sum);
            String id = n == 1 ? task.name() : task.name() + "-" + n;
            List<Input> inputs = new ArrayList<>();
            if (args.length != task.arity()) {
                throw new ValenceException(ErrorKind.WORKFLOW, "task '" + task.name() + "' takes " + task.arity()
                        + " argument(s) but was given " + args.length);
            }
            for (Node<?> a : args) {
                if (a == null) {
                    throw new ValenceException(ErrorKind.WORKFLOW, "an argument of task '" + task.name()
                            + "' is null; use Node.of(null) for a null constant");
                }
                inputs.add(input(a));
            }
            steps.add(new Step(id, task, inputs));
            return Node.ofStep(id);
        }

        private static Input input(Node<?> node) {
            return node.isConstant() ? new Constant(node.constant()) : new FromStep(node.id().orElseThrow());
        }
    }
}
