package dev.valence.api;

import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/** A handle on a submitted task call: its future result, status, and a way to cancel it. */
public interface TaskRun<R> {
    /** The call this run executes. */
    TaskCall call();

    /** Completes with the task's value, or exceptionally with the task's own exception or a {@link ValenceException}. */
    CompletableFuture<R> result();

    /** Where the run is now. */
    TaskStatus status();

    /** Where it runs: the Kubernetes Job name, or empty for in-process runs. */
    Optional<String> jobName();

    /** When it started running, if it has. */
    Optional<Instant> startedAt();

    /** When it finished, if it has. */
    Optional<Instant> finishedAt();

    /**
     * Cancels the run (deletes its Job, if any) and returns once the delete is acknowledged, or
     * after a bounded wait that names what it could not delete; true if this call cancelled it.
     */
    boolean cancel();

    /**
     * Waits for the value. The task's own unchecked exception is rethrown as is (its stack trace is
     * the remote one); a checked one is wrapped in a {@link ValenceException} of kind TASK_FAILED.
     */
    default R await() {
        try {
            return result().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ValenceException(ErrorKind.CANCELLED, "interrupted while waiting for task '" + call().taskName() + "'", e);
        } catch (CancellationException e) {
            throw new ValenceException(ErrorKind.CANCELLED, "task '" + call().taskName() + "' was cancelled", e);
        } catch (ExecutionException | CompletionException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw new ValenceException(ErrorKind.TASK_FAILED,
                    "task '" + call().taskName() + "' threw " + cause, cause);
        }
    }
}
