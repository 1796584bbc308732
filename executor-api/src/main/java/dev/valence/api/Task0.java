package dev.valence.api;

/** A task taking 0 argument(s), with a typed {@code submit}. */
public final class Task0<R> extends Task<R> {
    Task0(String name, TaskBody body, Executor executor) {
        super(name, 0, body, executor);
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
}
