package dev.valence.api;

/** A task taking 2 argument(s), with a typed {@code submit}. */
public final class Task2<A, B, R> extends Task<R> {
    Task2(String name, TaskBody body, Executor executor) {
        super(name, 2, body, executor);
    }

    /** Submits the task on its executor and returns at once with a handle. */
    public TaskRun<R> submit(A a, B b) {
        return submitArgs(new Object[] {a, b});
    }

    /**
     * Inside a workflow definition: records a call of this task on these nodes and returns the
     * node of its result. Outside one it is an error; use {@code submit} with plain values.
     */
    public Node<R> call(Node<A> a, Node<B> b) {
        return callNodes(new Node<?>[] {a, b});
    }
}
