package dev.valence.api;

/** A task taking 1 argument(s), with a typed {@code submit}. */
public final class Task1<A, R> extends Task<R> {
    Task1(String name, TaskBody body, Executor executor) {
        super(name, 1, body, executor);
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
}
