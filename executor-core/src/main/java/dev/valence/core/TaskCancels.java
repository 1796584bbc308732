package dev.valence.core;

import dev.valence.api.TaskCall;
import dev.valence.spi.ArtifactStore;
import dev.valence.spi.ClusterGateway;
import dev.valence.spi.JobRef;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cancels: a cancelled run's Job and artifacts are deleted on threads of their own (a dispatch's
 * cancels in parallel), and {@code TaskRun.cancel()} returns once the deletes are acknowledged, at
 * most {@link #WAIT} (cancels within {@link #BURST} of each other share one wait), naming what it
 * could not delete. {@link #awaitUnderWay()} lets {@code close()} wait for cancels made elsewhere (a
 * shutdown hook's) the same way.
 */
final class TaskCancels {
    private static final Logger LOG = LoggerFactory.getLogger(TaskCancels.class);
    /** How long a cancel (and {@code close()}) waits for the Job deletes to be acknowledged. */
    static final Duration WAIT = Duration.ofSeconds(10);
    /** Cancels that come within this long of each other share one {@link #WAIT}. */
    private static final Duration BURST = Duration.ofSeconds(1);

    private final ClusterGateway gateway;
    private final ArtifactStore store;
    private final boolean keepArtifacts;
    private final TaskCleanUps cleanUps;
    private final ThreadPoolExecutor deleter = DaemonPools.of(8, "valence-k8s-cancel-");
    /** Cancelled runs whose Job delete is not acknowledged yet. */
    private final Set<RunHandle<?>> cancelling = ConcurrentHashMap.newKeySet();
    private long windowStart;
    private long windowEnd;

    TaskCancels(ClusterGateway gateway, ArtifactStore store, boolean keepArtifacts, TaskCleanUps cleanUps) {
        this.gateway = gateway;
        this.store = store;
        this.keepArtifacts = keepArtifacts;
        this.cleanUps = cleanUps;
    }

    /** Makes the run's {@code cancel()} wait for its undoing, and counts it as under way while it lasts. */
    void track(RunHandle<?> run) {
        run.afterCancel(() -> await(List.of(run)));
        run.result().whenComplete((v, e) -> {
            if (run.result().isCancelled()) {
                cancelling.add(run);
                run.undone().whenComplete((x, y) -> cancelling.remove(run));
            }
        });
    }

    /** The deleter's threads, also for the timeout backstop's timers. */
    Executor executor() {
        return deleter;
    }

    /**
     * Whether the run ended before its Job was submitted (cancelled while it waited for a thread or for the
     * image, or closed): then there is nothing to submit, and a cancelled run is {@linkplain #abandon abandoned}.
     */
    boolean endedBeforeSubmit(RunHandle<?> run, String jobName, String prefix) {
        if (!run.isDone()) {
            return false;
        }
        if (run.result().isCancelled()) {
            abandon(run, jobName, prefix);
        }
        return true;
    }

    /**
     * Cancelled before its Job was submitted (while it waited, or the image was checked or built):
     * removes a Job an earlier run of the same call may have left, and the artifacts unless they are kept.
     */
    void abandon(RunHandle<?> run, String jobName, String prefix) {
        TaskCall call = run.call();
        LOG.info("task '{}' cancelled before its Job was submitted", call.taskName());
        try {
            gateway.cancel(new JobRef(jobName, gateway.namespace(), false));
        } catch (RuntimeException e) {
            LOG.warn("could not delete Job {} of cancelled task '{}': {}", jobName, call.taskName(), e.getMessage());
            run.undone().completeExceptionally(e);
        } finally {
            if (!keepArtifacts) {
                cleanUps.deleteQuietly(prefix, call);
            }
            run.undone().complete(null);
        }
    }

    /** Deletes a cancelled run's Job (and artifacts) on the deleter's threads; {@code run.undone()} tells when. */
    void undo(RunHandle<?> run, JobRef job, String prefix) {
        LOG.info("task '{}' cancelled: deleting Job {}", run.call().taskName(), job.name());
        Runnable delete = () -> {
            try {
                gateway.cancel(job);
                if (!keepArtifacts) {
                    store.deletePrefix(prefix);
                }
                run.undone().complete(null);
            } catch (RuntimeException e) {
                run.undone().completeExceptionally(e);
            }
        };
        try {
            deleter.execute(delete);
        } catch (RejectedExecutionException closed) {
            delete.run();
        }
    }

    /** Waits for the cancels under way, made in any thread. */
    void awaitUnderWay() {
        await(List.copyOf(cancelling));
    }

    /** Waits until the Job deletes of these cancelled runs are acknowledged (bounded) and says which were not. */
    private void await(Collection<RunHandle<?>> runs) {
        long end = deadline();
        for (RunHandle<?> r : runs) {
            String job = r.jobName().orElse("");
            try {
                r.undone().get(Math.max(0, end - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                LOG.warn("task '{}' was cancelled but the delete of its Job {} (namespace {}) was not acknowledged "
                        + "within {} s: it may still run; delete it with 'valence jobs cancel {}'", r.call().taskName(),
                        job, gateway.namespace(), WAIT.toSeconds(), job);
            } catch (ExecutionException e) {
                LOG.warn("task '{}' was cancelled but its Job {} (namespace {}) could not be deleted: {}; delete it "
                        + "with 'valence jobs cancel {}'", r.call().taskName(), job, gateway.namespace(),
                        Causes.unwrap(e).getMessage(), job);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** The end of the current wait: cancels within {@link #BURST} of the first share it. */
    private synchronized long deadline() {
        long now = System.nanoTime();
        if (windowEnd == 0 || now - windowStart > BURST.toNanos()) {
            windowStart = now;
            windowEnd = now + WAIT.toNanos();
        }
        return windowEnd;
    }

    /** Stops the deleter once its work is done. */
    void close() {
        deleter.shutdown();
    }
}
