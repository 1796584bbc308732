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
}
