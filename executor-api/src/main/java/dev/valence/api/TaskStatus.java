package dev.valence.api;

/** Where a task (or a workflow node) is in its life. */
public enum TaskStatus {
    NEW, RUNNING, COMPLETED, FAILED, CANCELLED;

    /** True once the status can no longer change. */
    public boolean isFinal() {
        return this == COMPLETED || this == FAILED || this == CANCELLED;
    }
}
