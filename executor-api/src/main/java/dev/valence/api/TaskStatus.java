package dev.valence.api;

/**
 * Where a task (or a workflow node) is in its life. {@code CACHED}: the call's output came from the
 * call cache (or from an identical call running at the same time) — no Job, no pod; it counts as
 * completed everywhere ({@link #succeeded()}).
 */
public enum TaskStatus {
    NEW, RUNNING, COMPLETED, FAILED, CANCELLED, CACHED;

    /** True once the status can no longer change. */
    public boolean isFinal() {
        return this == COMPLETED || this == FAILED || this == CANCELLED || this == CACHED;
    }

    /** True when the call has its value: it ran and completed, or its output came from the cache. */
    public boolean succeeded() {
        return this == COMPLETED || this == CACHED;
    }
}
