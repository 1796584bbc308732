package dev.valence.api;

import java.util.List;
import java.util.function.UnaryOperator;

/** A task taking 0 argument(s), with a typed {@code submit} and {@code call}. */
public final class Task0<R> extends Task<R> {
    Task0(String name, TaskBody body, Executor executor) {
        super(name, 0, body, executor);
    }

    private Task0(Task0<R> from, TaskOptions options, List<Node<?>> after) {
        super(from, options, after);
    }

    /** Submits the task on its executor and returns at once with a handle. */
    public TaskRun<R> submit() {
        return submitArgs(new Object[] {});
    }

    /**
     * Inside a workflow definition: records a call of this task on these nodes and returns the
     * node of its result. Outside one it is an error; use {@code submit} with plain values.
     */
    public Node<R> call() {
        return callNodes(new Node<?>[] {});
    }

    /**
     * This task with some of its executor's settings overridden for its calls
     * ({@code task.with(o -> o.vcpu("2").memory("4Gi"))}); values are checked here, naming the task.
     */
    public Task0<R> with(UnaryOperator<TaskOptions.Builder> change) {
        return new Task0<>(this, changedOptions(change), afterNodes());
    }

    /**
     * This task, whose next calls in a workflow wait for these nodes to finish without taking their
     * values (Covalent's {@code ct.wait}): {@code task.after(cleanup).call(x)}.
     */
    public Task0<R> after(Node<?>... nodes) {
        return new Task0<>(this, options(), addedAfter(nodes));
    }
}
