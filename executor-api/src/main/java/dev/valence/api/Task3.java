package dev.valence.api;

/** A task taking 3 argument(s), with a typed {@code submit}. */
public final class Task3<A, B, C, R> extends Task<R> {
    Task3(String name, TaskBody body, Executor executor) {
        super(name, 3, body, executor);
    }

    /** Submits the task on its executor and returns at once with a handle. */
    public TaskRun<R> submit(A a, B b, C c) {
        return submitArgs(new Object[] {a, b, c});
    }

    /**
     * Inside a workflow definition: records a call of this task on these nodes and returns the
     * node of its result. Outside one it is an error; use {@code submit} with plain values.
     */
    public Node<R> call(Node<A> a, Node<B> b, Node<C> c) {
        return callNodes(new Node<?>[] {a, b, c});
    }
}
