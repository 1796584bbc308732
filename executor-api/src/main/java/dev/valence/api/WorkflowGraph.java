package dev.valence.api;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The graph a workflow function records: task calls in the order they were made (so every input
 * comes from an earlier step, and a cycle cannot be written), their inputs, and the output. A
 * sub-workflow is one step of its own whose nodes are nested under it ({@code sub/child} ids, the
 * {@code parent} of each); it completes with its output once all of its nodes have finished.
 */
public final class WorkflowGraph {

    /** Where a step's argument comes from. */
    public sealed interface Input permits FromStep, Constant, Gathered {
    }

    /** The result of an earlier step. */
    public record FromStep(String nodeId) implements Input {
    }

    /** A constant value. */
    public record Constant(Object value) implements Input {
    }

    /** A list made of several inputs, in order ({@link Node#gather}). */
    public record Gathered(List<Input> items) implements Input {
        public Gathered {
            items = List.copyOf(items);
        }
    }

    /**
     * One step: a task call, or a sub-workflow ({@code workflow} set, {@code task} empty, its single input
     * the sub-workflow's output); its inputs in argument order, the nodes it waits for without taking
     * their values ({@code after}), and the sub-workflow it is nested in ({@code parent}).
     */
    public record Step(String nodeId, Optional<Task<?>> task, Optional<String> workflow, List<Input> inputs,
                       List<String> after, Optional<String> parent, boolean map) {
        public Step {
            Objects.requireNonNull(nodeId, "nodeId");
            if (task.isPresent() == workflow.isPresent()) {
                throw new ValenceException(ErrorKind.INTERNAL, "step '" + nodeId + "' must be a task or a workflow");
            }
            inputs = List.copyOf(inputs);
            after = List.copyOf(after);
            if (map && (task.isEmpty() || inputs.size() != 1)) {
                throw new ValenceException(ErrorKind.INTERNAL, "map step '" + nodeId + "' must be a task of one input");
            }
        }

        /** A task call or sub-workflow, not a map. */
        public Step(String nodeId, Optional<Task<?>> task, Optional<String> workflow, List<Input> inputs,
                List<String> after, Optional<String> parent) {
            this(nodeId, task, workflow, inputs, after, parent, false);
        }

        /** A task call at the top level of the graph, without ordering-only dependencies. */
        public Step(String nodeId, Task<?> task, List<Input> inputs) {
            this(nodeId, Optional.of(task), Optional.empty(), inputs, List.of(), Optional.empty());
        }

        /** The task's name, or the sub-workflow's. */
        public String name() {
            return task.map(Task::name).orElseGet(workflow::orElseThrow);
        }

        /** True for a sub-workflow's own step. */
        public boolean isWorkflow() {
            return workflow.isPresent();
        }

        /** Node ids this step waits for: the steps its inputs come from, then its {@code after} nodes. */
        public List<String> dependencies() {
            Set<String> out = new LinkedHashSet<>();
            inputs.forEach(i -> collect(i, out));
            out.addAll(after);
            return List.copyOf(out);
        }

        private static void collect(Input in, Set<String> out) {
            if (in instanceof FromStep f) {
                out.add(f.nodeId());
            } else if (in instanceof Gathered g) {
                g.items().forEach(i -> collect(i, out));
            }
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
        Set<String> outDeps = new LinkedHashSet<>();
        Step.collect(output, outDeps);
        for (String dep : outDeps) {
            if (!seen.containsKey(dep)) {
                throw new ValenceException(ErrorKind.WORKFLOW, "workflow '" + workflowName + "' returns a handle from "
                        + "another workflow ('" + dep + "')");
            }
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

    /** The workflow's result: a step's output, a constant, or a gather of those. */
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

        /** A workflow being recorded: the top one, or a sub-workflow (with its step id). */
        private record Scope(String id, Workflow<?> workflow, List<String> children) {
        }

        private final String workflowName;
        private final List<Step> steps = new ArrayList<>();
        private final Map<String, Integer> counts = new LinkedHashMap<>();
        private final Deque<Scope> scopes = new ArrayDeque<>();

        Recorder(Workflow<?> workflow) {
            this.workflowName = workflow.name();
            scopes.push(new Scope("", workflow, new ArrayList<>()));
        }

        static Optional<Recorder> current() {
            return Optional.ofNullable(CURRENT.get());
        }

        <R> WorkflowGraph record(java.util.function.Supplier<Node<R>> body) {
            if (CURRENT.get() != null) {
                throw new ValenceException(ErrorKind.WORKFLOW, "workflow '" + workflowName
                        + "' was recorded inside another workflow's definition; call it there with .call(...) "
                        + "as a sub-workflow instead");
            }
            CURRENT.set(this);
            try {
                Node<R> out = body.get();
                if (out == null) {
                    throw new ValenceException(ErrorKind.WORKFLOW, "workflow '" + workflowName + "' returned null; "
                            + "return the node of its last task (or Node.of(value))");
                }
                return new WorkflowGraph(workflowName, steps, input(out, "the result of workflow '" + workflowName + "'"));
            } finally {
                CURRENT.remove();
            }
        }

        <R> Node<R> add(Task<R> task, Node<?>[] args) {
            if (args.length != task.arity()) {
                throw new ValenceException(ErrorKind.WORKFLOW, "task '" + task.name() + "' takes " + task.arity()
                        + " argument(s) but was given " + args.length);
            }
            List<Input> inputs = new ArrayList<>();
            for (Node<?> a : args) {
                if (a == null) {
                    throw new ValenceException(ErrorKind.WORKFLOW, "an argument of task '" + task.name()
                            + "' is null; use Node.of(null) for a null constant");
                }
                inputs.add(input(a, "task '" + task.name() + "'"));
            }
            List<String> after = new ArrayList<>();
            for (Node<?> n : task.afterNodes()) {
                after.addAll(orderIds(n, task.name()));
            }
            String id = nextId(task.name());
            steps.add(new Step(id, Optional.of(task), Optional.empty(), inputs, after, parent()));
            scopes.peek().children().add(id);
            return Node.ofStep(id, this, workflowName);
        }

        <R> Node<R> addMap(Task<?> task, Node<?> elements) {
            if (task.arity() != 1) {
                throw new ValenceException(ErrorKind.WORKFLOW, "task '" + task.name() + "' takes " + task.arity()
                        + " arguments; map takes a task of one argument (pass a record for several)");
            }
            if (elements == null) {
                throw new ValenceException(ErrorKind.WORKFLOW, "task '" + task.name() + "' was mapped over null; "
                        + "pass a list-valued node");
            }
            Input input = input(elements, "map of task '" + task.name() + "'");
            if (input instanceof Constant c && !(c.value() instanceof List<?>)) {
                throw new ValenceException(ErrorKind.WORKFLOW, "task '" + task.name() + "' was mapped over a constant "
                        + "that is not a list (" + (c.value() == null ? "null" : c.value().getClass().getName()) + ")");
            }
            List<String> after = new ArrayList<>();
            for (Node<?> n : task.afterNodes()) {
                after.addAll(orderIds(n, task.name()));
            }
            String id = nextId(task.name());
            steps.add(new Step(id, Optional.of(task), Optional.empty(), List.of(input), after, parent(), true));
            scopes.peek().children().add(id);
            return Node.ofStep(id, this, workflowName);
        }

        <R> Node<R> addWorkflow(Workflow<R> sub, Node<?>[] args) {
            if (args.length != sub.arity()) {
                throw new ValenceException(ErrorKind.WORKFLOW, "workflow '" + sub.name() + "' takes " + sub.arity()
                        + " argument(s) but was given " + args.length);
            }
            List<String> chain = new ArrayList<>();
            scopes.descendingIterator().forEachRemaining(s -> chain.add(s.workflow().name()));
            boolean recursive = scopes.stream().anyMatch(s -> s.workflow() == sub || s.workflow().name().equals(sub.name()));
            if (recursive) {
                chain.add(sub.name());
                throw new ValenceException(ErrorKind.WORKFLOW, "workflow '" + sub.name() + "' calls itself as a "
                        + "sub-workflow (" + String.join(" -> ", chain) + "): a graph is recorded before it runs, so the "
                        + "recursion would not end; unroll it, or give the inner workflow another name");
            }
            for (Node<?> a : args) {
                if (a == null) {
                    throw new ValenceException(ErrorKind.WORKFLOW, "an argument of workflow '" + sub.name()
                            + "' is null; use Node.of(null) for a null constant");
                }
                input(a, "workflow '" + sub.name() + "'");
            }
            String id = nextId(sub.name());
            Optional<String> parent = parent();
            Scope scope = new Scope(id, sub, new ArrayList<>());
            scopes.push(scope);
            Node<R> out;
            try {
                out = sub.define(Arrays.asList(args));
            } finally {
                scopes.pop();
            }
            if (out == null) {
                throw new ValenceException(ErrorKind.WORKFLOW, "workflow '" + sub.name() + "' returned null; "
                        + "return the node of its last task (or Node.of(value))");
            }
            Input result = input(out, "the result of workflow '" + sub.name() + "'");
            steps.add(new Step(id, Optional.empty(), Optional.of(sub.name()), List.of(result), scope.children(), parent));
            scopes.peek().children().add(id);
            return Node.ofStep(id, this, workflowName);
        }

        private Optional<String> parent() {
            String id = scopes.peek().id();
            return id.isEmpty() ? Optional.empty() : Optional.of(id);
        }

        private String nextId(String name) {
            String prefix = scopes.peek().id();
            int n = counts.merge(prefix + "/" + name, 1, Integer::sum);
            String local = n == 1 ? name : name + "-" + n;
            return prefix.isEmpty() ? local : prefix + "/" + local;
        }

        private List<String> orderIds(Node<?> n, String taskName) {
            if (n.isConstant()) {
                throw new ValenceException(ErrorKind.WORKFLOW, "task '" + taskName + "': after(" + n + ") names a "
                        + "constant, which nothing waits for; pass nodes that task calls returned");
            }
            Set<String> ids = new LinkedHashSet<>();
            Step.collect(input(n, "after(...) of task '" + taskName + "'"), ids);
            return List.copyOf(ids);
        }

        private Input input(Node<?> node, String user) {
            if (node.isGather()) {
                return new Gathered(node.gathered().stream().map(n -> input(n, user)).toList());
            }
            if (node.isConstant()) {
                return new Constant(node.constant());
            }
            if (node.owner() != this) {
                throw new ValenceException(ErrorKind.WORKFLOW, "node '" + node.id().orElseThrow() + "' of workflow '"
                        + node.ownerName() + "' was passed to " + user + " while recording workflow '" + workflowName
                        + "': a node is usable only in the workflow that made it; pass a value with Node.of(...), "
                        + "or call that workflow here as a sub-workflow");
            }
            return new FromStep(node.id().orElseThrow());
        }

        @Override
        public String toString() {
            return "Recorder[" + workflowName + ", " + steps.stream().map(Step::nodeId).collect(Collectors.joining(","))
                    + "]";
        }
    }
}
