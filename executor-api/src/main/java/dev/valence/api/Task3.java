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
}
