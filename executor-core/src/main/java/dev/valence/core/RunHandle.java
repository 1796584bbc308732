package dev.valence.core;

import dev.valence.api.TaskCall;
import dev.valence.api.TaskRun;
import dev.valence.api.TaskStatus;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;

/** The handle every executor returns: status and times kept as the run moves. */
final class RunHandle<R> implements TaskRun<R> {
    private final TaskCall call;
    private final CompletableFuture<R> result = new CompletableFuture<>();
    private volatile TaskStatus status = TaskStatus.NEW;
    private volatile String jobName;
    private volatile Instant startedAt;
    private volatile Instant finishedAt;
    private volatile Runnable onCancel = () -> { };
    /** Completes when what a cancel has to undo (a Job, artifacts) is undone, or there was nothing. */
    private final CompletableFuture<Void> undone = new CompletableFuture<>();
    /** Runs after {@link #cancel()} cancelled the result: waits (bounded) for {@link #undone}. */
    private volatile Runnable afterCancel = () -> { };
    /** Set before the result completes when the value came from the call cache (or a shared identical run). */
    private volatile boolean cached;

    RunHandle(TaskCall call) {
        this.call = call;
        result.whenComplete((v, e) -> {
            finishedAt = Instant.now();
            if (e instanceof CancellationException) {
                status = TaskStatus.CANCELLED;
                onCancel.run();
            } else {
                status = e == null ? TaskStatus.COMPLETED : TaskStatus.FAILED;
            }
        });
    }

    void running() {
        if (!result.isDone()) {
            startedAt = startedAt == null ? Instant.now() : startedAt;
            status = TaskStatus.RUNNING;
        }
    }

    void jobName(String name) {
        this.jobName = name;
    }

    /** What a cancel must wait for: the Job's delete, acknowledged. */
    CompletableFuture<Void> undone() {
        return undone;
    }

    void afterCancel(Runnable wait) {
        this.afterCancel = wait;
    }

    void onCancel(Runnable hook) {
        this.onCancel = hook;
        if (result.isCancelled()) {
            hook.run();
        }
    }

    void complete(R value) {
        result.complete(value);
    }

    /** Completes with a value the call cache gave (no Job, no pod): the status is {@code CACHED}. */
    void completeCached(R value) {
        cached = true;
        Instant now = Instant.now();
        startedAt = startedAt == null ? now : startedAt;
        result.complete(value);
    }

    void fail(Throwable error) {
        result.completeExceptionally(error);
    }

    boolean isDone() {
        return result.isDone();
    }

    @Override
    public TaskCall call() {
        return call;
    }

    @Override
    public CompletableFuture<R> result() {
        return result;
    }

    @Override
    public TaskStatus status() {
        if (cached && result.isDone() && !result.isCompletedExceptionally()) {
            return TaskStatus.CACHED; // read before the completion callback sets the status, too
        }
        return status;
    }

    @Override
    public Optional<String> jobName() {
        return Optional.ofNullable(jobName);
    }

    @Override
    public Optional<Instant> startedAt() {
        return Optional.ofNullable(startedAt);
    }

    @Override
    public Optional<Instant> finishedAt() {
        return Optional.ofNullable(finishedAt);
    }

    @Override
    public boolean cancel() {
        boolean mine = result.cancel(true);
        if (result.isCancelled()) {
            afterCancel.run();
        }
        return mine;
    }

    @Override
    public String toString() {
        return "TaskRun[" + call.taskName() + " " + call.dispatchId() + "/" + call.nodeId() + " " + status + "]";
    }
}
