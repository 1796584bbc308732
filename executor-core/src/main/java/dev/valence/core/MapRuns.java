package dev.valence.core;

import dev.valence.api.ElementResult;
import dev.valence.api.ErrorKind;
import dev.valence.api.MapResult;
import dev.valence.api.Settings;
import dev.valence.api.TaskCall;
import dev.valence.api.ValenceException;
import dev.valence.spi.ArtifactStore;
import dev.valence.spi.ClusterGateway;
import dev.valence.spi.ClusterVersion;
import dev.valence.spi.JobListener;
import dev.valence.spi.JobOutcome;
import dev.valence.spi.JobRef;
import dev.valence.spi.PodStarted;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The map calls of a {@link KubernetesExecutor}: each is one Indexed Job over the elements still without a
 * value, followed per index (per-index retries on the server from 1.33, counted here before), finished
 * when every element's value or exception is in the store.
 */
final class MapRuns {
    private static final Logger LOG = LoggerFactory.getLogger(MapRuns.class);
    /** Lines of a failed element's own pod log in its error, as for one task. */
    static final int TAIL_LINES = 20;
    /** How many failed elements get their pod's log tail read (the others name their pod): bounds a finish's reads. */
    static final int TAILS_READ = 100;

    /** The last pod of an element that failed, and why (its container's reason and exit code, when the gateway says). */
    record FailedPod(String podName, String reason) {
    }

    private final Settings settings;
    private final ClusterGateway gateway;
    private final ArtifactStore store;
    private final TaskJobs jobs;
    private final MapJobs maps;
    private final TaskCleanUps cleanUps;
    private final TaskCancels cancels;
    private final Executor pool;
    /** The image reference the Job names, ensured (built and pushed when needed). */
    private final Supplier<String> imageReference;
    /** Arms the client-side backstop of a call's timeout for its submitted Job. */
    private final BiConsumer<RunHandle<?>, JobRef> timeouts;
    /** The server's version, asked once by the first map (per-index retries need 1.33). */
    private volatile Optional<Optional<ClusterVersion>> serverVersion = Optional.empty();

    MapRuns(Settings settings, ClusterGateway gateway, ArtifactStore store, TaskJobs jobs, MapJobs maps,
            TaskCleanUps cleanUps, TaskCancels cancels, Executor pool, Supplier<String> imageReference,
            BiConsumer<RunHandle<?>, JobRef> timeouts) {
        this.settings = settings;
        this.gateway = gateway;
        this.store = store;
        this.jobs = jobs;
        this.maps = maps;
        this.cleanUps = cleanUps;
        this.cancels = cancels;
        this.pool = pool;
        this.imageReference = imageReference;
        this.timeouts = timeouts;
    }

    /** Whether this server retries each index on its own ({@code backoffLimitPerIndex}, Kubernetes 1.33+). */
    boolean perIndexRetries() {
        return serverVersion().filter(ClusterVersion::hasBackoffLimitPerIndex).isPresent();
    }

    /** The server's version, asked once; empty when it does not say or cannot be asked. */
    private Optional<ClusterVersion> serverVersion() {
        Optional<Optional<ClusterVersion>> known = serverVersion;
        if (known.isEmpty()) {
            Optional<ClusterVersion> v;
            try {
                v = gateway.serverVersion();
            } catch (RuntimeException e) {
                LOG.debug("cannot read the server's version; maps use Job-wide retries: {}", e.getMessage());
                v = Optional.empty();
            }
            LOG.debug("Kubernetes {}: maps use {} retries", v.map(Object::toString).orElse("(version unknown)"),
                    v.filter(ClusterVersion::hasBackoffLimitPerIndex).isPresent() ? "per-index" : "Job-wide");
            known = Optional.of(v);
            serverVersion = known;
        }
        return known.get();
    }

    /** Writes the elements, ensures the image, submits the Indexed Job (or re-attaches) and follows it. */
    <R> void start(RunHandle<MapResult<R>> run, String jobName) {
        TaskCall call = run.call();
        String prefix = TaskJobs.prefix(call);
        int n = call.elements().size();
        if (cancels.endedBeforeSubmit(run, jobName, prefix)) {
            return;
        }
        if (call.rerun()) {
            // the failed elements run again, the ones with a value do not: the earlier Job goes, the values stay
            cleanUps.forgetEarlierJob(call, jobName);
            maps.forgetErrors(prefix);
        }
        BitSet done = maps.succeeded(prefix, n);
        if (done.cardinality() == n) {
            LOG.info("map of task '{}' ({}/{}): all {} elements have a value from an earlier run; using them",
                    call.taskName(), call.dispatchId(), call.nodeId(), n);
            finish(run, new JobRef(jobName, gateway.namespace(), true), JobOutcome.succeeded(""), Map.of());
            return;
        }
        boolean wroteInput = false;
        if (!store.exists(prefix + "input")) {
            maps.writeInputs(call, prefix);
            wroteInput = true;
        }
        String image = cleanUps.imageOrForgetInput(imageReference, wroteInput, prefix, call);
        if (cancels.endedBeforeSubmit(run, jobName, prefix)) {
            return;
        }
        List<Integer> todo = new ArrayList<>(n - done.cardinality());
        for (int i = done.nextClearBit(0); i < n; i = done.nextClearBit(i + 1)) {
            todo.add(i);
        }
        // some elements have values and no Job of this node runs (a rerun, or its Job is gone): a Job for the rest
        boolean someIndexes = !done.isEmpty() && (call.rerun()
                || gateway.list(TaskJobs.nodeLabels(call)).stream().noneMatch(j -> j.name().equals(jobName)));
        if (someIndexes) {
            maps.writeIndexes(prefix, todo);
        }
        boolean perIndex = perIndexRetries();
        JobRef job = gateway.submit(jobs.mapSpec(call, jobName, image, someIndexes ? todo.size() : n,
                someIndexes, perIndex));
        LOG.info(job.adopted() ? "map of task '{}': re-attached to Indexed Job {} ({} elements) in namespace {}"
                : "map of task '{}': Indexed Job {} of {} elements submitted in namespace {}", call.taskName(), job.name(),
                someIndexes ? todo.size() + " of " + n : n, job.namespace());
        run.onCancel(() -> cancels.undo(run, job, prefix));
        run.running();
        timeouts.accept(run, job);
        int pods = someIndexes ? todo.size() : n;
        int retries = jobs.settingsFor(call).retries();
        Map<Integer, Integer> failuresOf = new ConcurrentHashMap<>();
        // per element (not per completion index: a resumed map's index k runs element todo[k]), its last failed pod
        Map<Integer, FailedPod> failedPods = new ConcurrentHashMap<>();
        List<Integer> elementOf = someIndexes ? List.copyOf(todo) : null;
        AtomicInteger exitedZero = new AtomicInteger();
        gateway.follow(job, new JobListener() {
            @Override
            public void podStarted(PodStarted pod) {
                LOG.debug("map of task '{}': pod {} started ({})", call.taskName(), pod.podName(), job.name());
            }

            @Override
            public void podFailed(String podName, OptionalInt completionIndex, String reason) {
                if (completionIndex.isEmpty()) {
                    return;
                }
                int index = completionIndex.getAsInt();
                if (index >= 0 && index < pods) {
                    failedPods.put(elementOf == null ? index : elementOf.get(index), new FailedPod(podName, reason));
                }
                if (perIndex) {
                    return;
                }
                int failures = failuresOf.merge(index, 1, Integer::sum);
                LOG.debug("map of task '{}': pod {} of completion index {} failed ({} of {} allowed)", call.taskName(),
                        podName, index, failures, retries + 1);
                if (failures > retries) {
                    pool.execute(() -> stop(run, job, podName, index, failures, retries, failedPods));
                }
            }

            @Override
            public void podSucceeded(String podName) {
                // every pod exited 0: each wrote its element's value or exception, so the results are all there
                // seconds before the Job controller writes Complete (a pod that died is replaced, and counts then)
                int exited = exitedZero.incrementAndGet();
                LOG.debug("map of task '{}': pod {} exited 0 ({} of {})", call.taskName(), podName, exited, pods);
                if (exited >= pods) {
                    pool.execute(() -> finishEarly(run, job, n, failedPods));
                }
            }
        }).whenCompleteAsync((outcome, error) -> {
                    if (error != null) {
                        Throwable cause = Causes.unwrap(error);
                        ErrorKind kind = cause instanceof ValenceException v ? v.kind() : ErrorKind.CLUSTER;
                        run.fail(new ValenceException(kind, "lost track of Job " + job + ": " + cause.getMessage(), cause));
                    } else {
                        finish(run, job, outcome, failedPods);
                    }
                }, pool);
    }

    /**
     * Before 1.33 (no {@code backoffLimitPerIndex}): one index's pods failed more than {@code retries} times, so the
     * map ends as the server would end that index — its elements without an output fail with this reason and the
     * pod's log tail — and the Job is deleted (its other pods too: the server would not stop them one by one).
     */
    private <R> void stop(RunHandle<MapResult<R>> run, JobRef job, String podName, int index, int failures,
            int retries, Map<Integer, FailedPod> failedPods) {
        if (run.isDone()) {
            return;
        }
        LOG.info("map of task '{}': the pods of completion index {} failed {} times, more than retries ({}): "
                + "stopping Indexed Job {}", run.call().taskName(), index, failures, retries, job.name());
        finish(run, job, JobOutcome.failed("BackoffLimitPerIndexExceeded", "the pods of completion index " + index
                + " failed " + failures + " times, more than retries (" + retries + "), last pod " + podName
                + "; Valence stopped the Job (this server has no backoffLimitPerIndex, Kubernetes 1.33+)", podName, ""),
                failedPods);
        cancels.executor().execute(() -> {
            try {
                gateway.cancel(job);
            } catch (RuntimeException e) {
                LOG.warn("could not delete Indexed Job {} after an index ran out of retries: {}", job.name(), e.getMessage());
            }
        });
    }

    /** Finishes a map before its Job's {@code Complete} when every element's value or exception is in the store. */
    private <R> void finishEarly(RunHandle<MapResult<R>> run, JobRef job, int n, Map<Integer, FailedPod> failedPods) {
        if (run.isDone()) {
            return;
        }
        String prefix = TaskJobs.prefix(run.call());
        try {
            if (maps.written(prefix, n) < n) {
                return;
            }
        } catch (RuntimeException e) {
            LOG.debug("cannot count the outputs of map {}; waiting for the Job's outcome", job.name(), e);
            return;
        }
        LOG.debug("every pod of Indexed Job {} exited 0 and every element's output is in the store: finishing before "
                + "the Job's Complete", job.name());
        finish(run, job, JobOutcome.succeeded(""), failedPods);
    }

    /**
     * Reads every element's value or exception (an element without either failed with its pod: that pod's
     * reason and log tail, else the Job's reason), then completes with the {@link MapResult}, or fails when
     * fewer than {@code minSuccessRatio} succeeded. A failed map's Job and values stay, so a resume runs only the
     * failed elements.
     */
    private <R> void finish(RunHandle<MapResult<R>> run, JobRef job, JobOutcome outcome,
            Map<Integer, FailedPod> failedPods) {
        synchronized (run) {
            if (run.isDone()) {
                return;
            }
            TaskCall call = run.call();
            String prefix = TaskJobs.prefix(call);
            String place = "Indexed Job " + job.name() + " (namespace " + job.namespace() + ")";
            int n = call.elements().size();
            try {
                // the Job's reason without its log tail when the gateway told failed pods: that tail is of one pod,
                // and each element whose pod failed gets its own pod's (a gateway that tells none keeps the Job's)
                JobOutcome jobOutcome = outcome.succeeded() || failedPods.isEmpty() ? outcome
                        : JobOutcome.failed(outcome.reason(), outcome.message(), outcome.podName(), "");
                ValenceException jobFailure = outcome.succeeded() ? null
                        : TaskFailures.error(call, place, jobOutcome, job, settings);
                BitSet withTail = new BitSet(n);
                failedPods.keySet().stream().sorted().limit(TAILS_READ).forEach(withTail::set);
                List<ElementResult<R>> elements = maps.read(call, prefix, n, i -> elementFailure(call, job, place, i,
                        failedPods.get(i), withTail.get(i), jobFailure));
                MapResult<R> result;
                try {
                    result = MapElements.verdict(call, elements, ", " + place);
                } catch (ValenceException e) {
                    LOG.info("map of task '{}' failed: {} of {} elements succeeded ({})", call.taskName(),
                            MapResult.of(elements).succeededCount(), n, job.name());
                    // neither Job nor values are deleted: a resume runs the failed elements only
                    run.fail(e);
                    return;
                }
                LOG.info("map of task '{}' finished: {} of {} elements succeeded ({})", call.taskName(),
                        result.succeededCount(), n, job.name());
                cleanUps.promise();
                run.complete(result);
                cleanUps.later(job, call, TaskCleanUps.What.SUCCEEDED);
            } catch (RuntimeException e) {
                run.fail(e);
            }
        }
    }

    /**
     * The error of element {@code i}, which wrote no output: its last pod's failure (reason, exit code and that
     * pod's own log tail), and the Job's reason when the Job failed; without a failed pod, the Job's reason alone.
     */
    private Throwable elementFailure(TaskCall call, JobRef job, String place, int i, FailedPod pod, boolean readTail,
            ValenceException jobFailure) {
        String what = "element " + i + " of the map of task '" + call.taskName() + "'";
        if (pod == null) {
            return jobFailure != null
                    ? new ValenceException(jobFailure.kind(), "element " + i + ": " + jobFailure.getMessage())
                    : new ValenceException(ErrorKind.POD_FAILED, what + " wrote no output although " + place
                            + " completed");
        }
        String tail = "";
        if (readTail) {
            try {
                tail = gateway.podLogs(job.namespace(), pod.podName(), TAIL_LINES);
            } catch (RuntimeException e) {
                LOG.debug("no log for pod {} of element {}: {}", pod.podName(), i, e.getMessage());
            }
        }
        String message = what + " failed: its pod " + pod.podName() + " of " + place + " failed"
                + (pod.reason().isEmpty() ? "" : " (" + pod.reason() + ")")
                + (jobFailure == null ? "" : "; " + jobFailure.getMessage())
                + (tail.isBlank() ? (readTail ? "" : "; see 'kubectl -n " + job.namespace() + " logs " + pod.podName() + "'")
                        : "\nlast log lines of pod " + pod.podName() + ":\n" + tail);
        return new ValenceException(jobFailure != null ? jobFailure.kind() : ErrorKind.POD_FAILED, message);
    }
}
