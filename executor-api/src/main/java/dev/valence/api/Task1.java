package dev.valence.api;

import java.util.List;
import java.util.function.UnaryOperator;

/** A task taking 1 argument(s), with a typed {@code submit} and {@code call}. */
public final class Task1<A, R> extends Task<R> {
    Task1(String name, TaskBody body, Executor executor) {
        super(name, 1, body, executor);
    }

    private Task1(Task1<A, R> from, TaskOptions options, List<Node<?>> after) {
        super(from, options, after);
    }

    /** Submits the task on its executor and returns at once with a handle. */
    public TaskRun<R> submit(A a) {
        return submitArgs(new Object[] {a});
    }

    /**
     * Inside a workflow definition: records a call of this task on these nodes and returns the
     * node of its result. Outside one it is an error; use {@code submit} with plain values.
     */
    public Node<R> call(Node<A> a) {
        return callNodes(new Node<?>[] {a});
    }

    /**
     * Runs the task once per element of {@code elements}, outside a workflow, and returns at once: on
     * Kubernetes one Indexed Job for all of them. The result holds each element's value (or error) in
     * input order; options: {@code with(o -> o.parallelism(..).minSuccessRatio(..).retries(..))}.
     */
    public TaskRun<MapResult<R>> map(List<? extends A> elements) {
        return submitMap(elements);
    }

    /**
     * Inside a workflow definition: records a map of this task over a list-valued node (one node, one
     * Indexed Job on Kubernetes); its value is the list of results in input order, a {@link MapResult}.
     */
    public Node<List<R>> map(Node<? extends List<? extends A>> elements) {
        return mapNode(elements);
    }

    /**
     * This task with some of its executor's settings overridden for its calls
     * ({@code task.with(o -> o.vcpu("2").memory("4Gi"))}); values are checked here, naming the task.
     */
    public Task1<A, R> with(UnaryOperator<TaskOptions.Builder> change) {
        return new Task1<>(this, changedOptions(change), afterNodes());
    }

    /**
     * This task, whose next calls in a workflow wait for these nodes to finish without taking their
     * values (Covalent's {@code ct.wait}): {@code task.after(cleanup).call(x)}.
     */
    public Task1<A, R> after(Node<?>... nodes) {
        return new Task1<>(this, options(), addedAfter(nodes));
    }
}
