package dev.valence.core;

import dev.valence.api.Settings;
import dev.valence.spi.ClusterGateway;
import dev.valence.spi.ClusterGatewayFactory;
import dev.valence.spi.JobInfo;
import dev.valence.spi.JobListener;
import dev.valence.spi.JobOutcome;
import dev.valence.spi.JobRef;
import dev.valence.spi.JobSpec;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * Cluster double for core tests: keeps Jobs in a map and "runs" one by calling the real launcher
 * in this JVM with the Job's env, unless a test scripts another outcome.
 */
public final class InProcessCluster implements ClusterGateway {
    /** What happens to the next Jobs. */
    public volatile Function<JobSpec, JobOutcome> behaviour = this::runLauncher;
    /** Job names in creation order. */
    public final List<String> created = new CopyOnWriteArrayList<>();
    /** Job names deleted. */
    public final List<String> deleted = new CopyOnWriteArrayList<>();
    public final Map<String, JobSpec> jobs = new ConcurrentHashMap<>();
    /** How long a delete takes, as a slow API server's would; interruptible, like a real client's wait. */
    public volatile java.time.Duration deleteTakes = java.time.Duration.ZERO;
    private final Map<String, CompletableFuture<JobOutcome>> followers = new ConcurrentHashMap<>();
    private final Map<String, List<JobListener>> listeners = new ConcurrentHashMap<>();
    /** The pod events of each Job so far, told again to a follower that comes later. */
    private final Map<String, List<java.util.function.Consumer<JobListener>>> podEvents = new java.util.HashMap<>();
    /** When set, each submit waits for it before the Job is made, as a slow create would. */
    public volatile java.util.concurrent.CountDownLatch holdSubmits;
    /** The plugins folder of the pod's file system (the image's {@code /app/plugins}), when it has one. */
    public volatile java.util.function.Supplier<java.util.Optional<java.nio.file.Path>> pluginsDir =
            java.util.Optional::empty;
    /** Released once per submit that started (before any hold). */
    public final java.util.concurrent.Semaphore submitsStarted = new java.util.concurrent.Semaphore(0);

    /** Leaves Jobs running until cancelled or {@link #finish} is called. */
    public static JobOutcome hang(JobSpec spec) {
        return null;
    }

    /**
     * A pod of a hanging Job exits 0 (after running the launcher when {@code runLauncher}): its
     * followers are told, the Job stays without an outcome (its {@code Complete} not written yet).
     */
    public void podExitedZero(String jobName, String podName, boolean runLauncher) {
        if (runLauncher) {
            runLauncher(jobs.get(jobName));
        }
        podEvent(jobName, l -> l.podSucceeded(podName));
    }

    /** A pod of a hanging Indexed Job failed: its followers are told, with its completion index. */
    public void podFailed(String jobName, String podName, int completionIndex) {
        podEvent(jobName, l -> l.podFailed(podName, java.util.OptionalInt.of(completionIndex)));
    }

    /**
     * Tells the Job's followers of a pod event and keeps it for followers that come later, as a real
     * cluster's pods stay for a later list or watch to see (a follower attached after the pod ended is told too).
     */
    private void podEvent(String jobName, java.util.function.Consumer<JobListener> event) {
        synchronized (podEvents) {
            podEvents.computeIfAbsent(jobName, n -> new java.util.ArrayList<>()).add(event);
            listeners.getOrDefault(jobName, List.of()).forEach(event);
        }
    }

    /** Completes a hanging Job by running the launcher now. */
    public void finish(String jobName) {
        followers.get(jobName).complete(runLauncher(jobs.get(jobName)));
    }

    @Override
    public String namespace() {
        return "test";
    }

    @Override
    public synchronized JobRef submit(JobSpec spec) {
        submitsStarted.release();
        java.util.concurrent.CountDownLatch hold = holdSubmits;
        if (hold != null) {
            try {
                hold.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("create of Job " + spec.name() + " interrupted", e);
            }
        }
        JobSpec existing = jobs.get(spec.name());
        if (existing != null) {
            return new JobRef(spec.name(), namespace(), true);
        }
        jobs.put(spec.name(), spec);
        created.add(spec.name());
        CompletableFuture<JobOutcome> f = new CompletableFuture<>();
        followers.put(spec.name(), f);
        JobOutcome outcome = behaviour.apply(spec);
        if (outcome != null) {
            CompletableFuture.runAsync(() -> f.complete(outcome));
        }
        return new JobRef(spec.name(), namespace(), false);
    }

    @Override
    public CompletableFuture<JobOutcome> follow(JobRef job, JobListener listener) {
        JobListener once = JobListener.oncePerPod(listener);
        synchronized (podEvents) {
            listeners.computeIfAbsent(job.name(), n -> new CopyOnWriteArrayList<>()).add(once);
            podEvents.getOrDefault(job.name(), List.of()).forEach(e -> e.accept(once));
        }
        return followers.get(job.name()).copy();
    }

    @Override
    public boolean cancel(JobRef job) {
        try {
            Thread.sleep(deleteTakes.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("delete of Job " + job.name() + " interrupted", e);
        }
        JobSpec removed = jobs.remove(job.name());
        if (removed != null) {
            deleted.add(job.name());
            followers.get(job.name()).complete(JobOutcome.failed("Deleted", "Job deleted", "", ""));
        }
        return removed != null;
    }

    @Override
    public String logs(JobRef job, int tailLines) {
        return "";
    }

    @Override
    public List<JobInfo> list(Map<String, String> labels) {
        List<JobInfo> out = new ArrayList<>();
        jobs.forEach((name, spec) -> {
            if (spec.labels().entrySet().containsAll(labels.entrySet())) {
                out.add(new JobInfo(name, namespace(), spec.labels(), JobInfo.Phase.RUNNING, Instant.now()));
            }
        });
        return out;
    }

    @Override
    public String render(JobSpec spec) {
        return "kind: Job\nmetadata:\n  name: " + spec.name() + "\n";
    }

    @Override
    public void check() {
    }

    @Override
    public void close() {
    }

    /** The version {@link #serverVersion()} reports; empty: the server does not say. */
    public volatile java.util.Optional<dev.valence.spi.ClusterVersion> version = java.util.Optional.empty();
    /** Completion indexes of Indexed Jobs whose pod dies (never runs the launcher), as an OOM-killed pod would. */
    public final java.util.Set<Integer> podsDieAt = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** Completion indexes run, per Job, in order. */
    public final Map<String, List<Integer>> indexesRun = new ConcurrentHashMap<>();

    @Override
    public java.util.Optional<dev.valence.spi.ClusterVersion> serverVersion() {
        return version;
    }

    /** Runs the real launcher in this JVM, as the pod would, and reports the exit as a Job outcome. */
    public JobOutcome runLauncher(JobSpec spec) {
        if (spec.indexed()) {
            return runIndexed(spec);
        }
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        int code;
        code = Launcher.run(spec.env(), getClass().getClassLoader(), new PrintStream(log, true, StandardCharsets.UTF_8),
                pluginsDir.get());
        String pod = spec.name() + "-pod";
        return code == 0 ? JobOutcome.succeeded(pod)
                : JobOutcome.failed("BackoffLimitExceeded", "exit code " + code, pod, log.toString(StandardCharsets.UTF_8));
    }

    /**
     * An Indexed Job as the Job controller runs it, one index after the other: each pod gets
     * {@code JOB_COMPLETION_INDEX}; a pod that dies ({@link #podsDieAt}) fails its index, and the Job fails
     * ({@code FailedIndexes} with per-index retries, else {@code BackoffLimitExceeded}) once all indexes ran.
     */
    private JobOutcome runIndexed(JobSpec spec) {
        List<Integer> ran = indexesRun.computeIfAbsent(spec.name(), n -> new CopyOnWriteArrayList<>());
        String failedPod = "";
        for (int k = 0; k < spec.completions().orElseThrow(); k++) {
            ran.add(k);
            String pod = spec.name() + "-" + k + "-pod";
            if (podsDieAt.contains(k)) {
                failedPod = pod;
                continue;
            }
            Map<String, String> env = new java.util.HashMap<>(spec.env());
            env.put("JOB_COMPLETION_INDEX", Integer.toString(k));
            ByteArrayOutputStream log = new ByteArrayOutputStream();
            if (Launcher.run(env, getClass().getClassLoader(), new PrintStream(log, true, StandardCharsets.UTF_8),
                    pluginsDir.get()) != 0) {
                failedPod = pod;
            }
        }
        return failedPod.isEmpty() ? JobOutcome.succeeded("")
                : JobOutcome.failed(spec.backoffLimitPerIndex().isPresent() ? "FailedIndexes" : "BackoffLimitExceeded",
                        "Job has failed indexes", failedPod, "killed: out of memory");
    }

    /** Factory handing out this instance. */
    public ClusterGatewayFactory factory() {
        InProcessCluster self = this;
        return new ClusterGatewayFactory() {
            @Override
            public String name() {
                return "fabric8";
            }

            @Override
            public ClusterGateway create(Settings settings) {
                return self;
            }
        };
    }
}
