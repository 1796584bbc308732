package dev.valence.core;

import dev.valence.api.ErrorKind;
import dev.valence.api.TaskCall;
import dev.valence.api.ValenceException;
import dev.valence.spi.ArtifactStore;
import dev.valence.spi.ClusterGateway;
import dev.valence.spi.JobRef;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What finished runs leave behind (their Jobs, their artifacts), deleted on two threads of its own
 * after the callers have their results; {@link #close()} lets the clean-ups already promised end
 * (bounded), so a closing executor leaves no finished Job behind. Also forgets an earlier run of a
 * node that runs again.
 */
final class TaskCleanUps {
    private static final Logger LOG = LoggerFactory.getLogger(TaskCleanUps.class);
    /** How long {@link #close()} waits for the clean-ups under way. */
    private static final Duration WAIT = Duration.ofSeconds(30);
    /** How long a node that runs again waits for the Job of its earlier run to be gone. */
    private static final Duration RERUN_DELETE_WAIT = Duration.ofSeconds(60);

    /** What a finished run leaves to delete. */
    enum What {
        /** The Job and the artifacts, unless {@code keep_artifacts}. */
        SUCCEEDED,
        /** The artifacts unless kept; the Job of a failed run stays for 'kubectl logs' until its ttl. */
        ARTIFACTS,
        /** A Job Valence gave up on (never ran, or past its timeout): always deleted; the artifacts unless kept. */
        JOB
    }

    private final ClusterGateway gateway;
    private final ArtifactStore store;
    private final boolean keepArtifacts;
    private final String executor;
    private final ThreadPoolExecutor cleaner = DaemonPools.of(2, "valence-k8s-cleanup-");
    /** Clean-ups promised (a result was handed over) and not done yet. */
    private final AtomicInteger promised = new AtomicInteger();

    TaskCleanUps(ClusterGateway gateway, ArtifactStore store, boolean keepArtifacts, String executor) {
        this.gateway = gateway;
        this.store = store;
        this.keepArtifacts = keepArtifacts;
        this.executor = executor;
    }

    /** Promises a clean-up, before the caller has its result: an executor closed right after still does it. */
    void promise() {
        promised.incrementAndGet();
    }

    /** Runs a promised clean-up on the cleaner's threads (in this one once closed). */
    void later(JobRef job, TaskCall call, What what) {
        Runnable cleanUp = () -> {
            try {
                cleanUp(job, call, what);
            } finally {
                promised.decrementAndGet();
            }
        };
        try {
            cleaner.execute(cleanUp);
        } catch (RejectedExecutionException closed) {
            cleanUp.run();
        }
    }

    private void cleanUp(JobRef job, TaskCall call, What what) {
        try {
            if (what == What.JOB || (what == What.SUCCEEDED && !keepArtifacts)) {
                gateway.cancel(job);
            }
            if (!keepArtifacts) {
                store.deletePrefix(TaskJobs.prefix(call));
            }
        } catch (RuntimeException e) {
            LOG.warn("could not clean up after task '{}' ({}): {}", call.taskName(), job.name(), e.getMessage());
        }
    }

    /**
     * The image a Job is about to name, from {@code image}; when that fails no Job will be submitted, so input
     * written just now by this run ({@code wroteInput}) serves nothing and goes (one from an earlier run stays).
     */
    <T> T imageOrForgetInput(java.util.function.Supplier<T> image, boolean wroteInput, String prefix, TaskCall call) {
        try {
            return image.get();
        } catch (RuntimeException e) {
            if (wroteInput && !keepArtifacts) {
                deleteQuietly(prefix, call);
            }
            throw e;
        }
    }

    /** Deletes a call's artifacts, saying so at WARN when it cannot. */
    void deleteQuietly(String prefix, TaskCall call) {
        try {
            store.deletePrefix(prefix);
        } catch (RuntimeException e) {
            LOG.warn("could not delete the artifacts of task '{}' at {}: {}", call.taskName(), store.describe(prefix),
                    e.getMessage());
        }
    }

    /**
     * A node that ran before and failed is started afresh: the Job of that run (kept
     * after a failure) is deleted and waited for, so that the new Job does not adopt it, and its
     * artifacts are removed, so that its output is not taken for the new run's.
     */
    void forgetEarlierRun(TaskCall call, String jobName) {
        forgetEarlierJob(call, jobName);
        store.deletePrefix(TaskJobs.prefix(call));
    }

    /** The Job part of {@link #forgetEarlierRun}: deletes the earlier run's Job and waits until it is gone; keeps the artifacts. */
    void forgetEarlierJob(TaskCall call, String jobName) {
        JobRef earlier = new JobRef(jobName, gateway.namespace(), true);
        if (gateway.cancel(earlier)) {
            LOG.info("task '{}' ({}/{}) runs again: deleted Job {} of its earlier run", call.taskName(),
                    call.dispatchId(), call.nodeId(), jobName);
            Map<String, String> labels = TaskJobs.nodeLabels(call);
            long deadline = System.nanoTime() + RERUN_DELETE_WAIT.toNanos();
            while (gateway.list(labels).stream().anyMatch(j -> j.name().equals(jobName))) {
                if (System.nanoTime() > deadline) {
                    throw new ValenceException(ErrorKind.CLUSTER, "task '" + call.taskName() + "' cannot run again: Job "
                            + jobName + " of its earlier run (namespace " + gateway.namespace() + ") is still there "
                            + RERUN_DELETE_WAIT.toSeconds() + " s after it was deleted; check its finalizers "
                            + "('kubectl -n " + gateway.namespace() + " get job " + jobName + " -o yaml')");
                }
                try {
                    Thread.sleep(200);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new ValenceException(ErrorKind.CANCELLED, "interrupted while Job " + jobName + " was deleted", e);
                }
            }
        }
    }

    /** Lets the promised clean-ups end (at most {@link #WAIT}), then stops the cleaner. */
    void close() {
        long deadline = System.nanoTime() + WAIT.toNanos();
        try {
            // every clean-up promised, queued or not yet (its task's thread is between the result and the queue)
            while (promised.get() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            cleaner.shutdown();
            if (!cleaner.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                int left = cleaner.shutdownNow().size();
                LOG.warn("executor {} closed with clean-ups still under way after {} s ({} not started): their Jobs stay "
                        + "until ttl_after_finished; 'valence jobs' lists them", executor, WAIT.toSeconds(), left);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            cleaner.shutdownNow();
        }
    }
}
