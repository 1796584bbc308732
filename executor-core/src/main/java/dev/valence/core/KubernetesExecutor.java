package dev.valence.core;

import dev.valence.api.ErrorKind;
import dev.valence.api.Executor;
import dev.valence.api.Settings;
import dev.valence.api.TaskCall;
import dev.valence.api.TaskRun;
import dev.valence.api.TaskStatus;
import dev.valence.api.ValenceException;
import dev.valence.spi.ArtifactStore;
import dev.valence.spi.ClusterGateway;
import dev.valence.spi.CredentialProvider;
import dev.valence.spi.ImageRef;
import dev.valence.spi.JobOutcome;
import dev.valence.spi.JobRef;
import dev.valence.spi.JobSpec;
import dev.valence.spi.Plugins;
import dev.valence.spi.StoreAccess;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs each task call as a Kubernetes Job: the payload goes to the data store, the class path
 * becomes one cached image, the Job is submitted and followed, and the output (the value or the
 * task's own exception) comes back through the store. Adapters are picked through {@link Plugins}.
 */
public final class KubernetesExecutor implements Executor {
    private static final Logger LOG = LoggerFactory.getLogger(KubernetesExecutor.class);
    private static final AtomicInteger THREADS = new AtomicInteger();

    private final Settings settings;
    private final ClusterGateway gateway;
    private final ArtifactStore store;
    private final TaskImages images;
    private final String name;
    /**
     * How many tasks are started at once (input written, image ensured, Job submitted) and how many
     * outputs are read at once; the others wait in the queue, cheaply, instead of holding a thread
     * each while the API server works through a burst.
     */
    static final int AT_ONCE = 32;
    private final ThreadPoolExecutor pool = daemonPool(AT_ONCE, "valence-k8s-");
    /**
     * Deletes the Jobs and artifacts of finished tasks after their callers have their results; on
     * its own threads so that {@link #close()}, which stops {@code pool} at once, can still let the
     * clean-ups already promised finish.
     */
    private final ThreadPoolExecutor cleaner = daemonPool(2, "valence-k8s-cleanup-");
    /** How long a node that runs again waits for the Job of its earlier run to be gone. */
    private static final Duration RERUN_DELETE_WAIT = Duration.ofSeconds(60);
    /** Clean-ups promised (a result was handed over) and not done yet. */
    private final AtomicInteger cleanUpsPromised = new AtomicInteger();
    /** How long {@link #close()} waits for the clean-ups under way. */
    private static final Duration CLEAN_UP_WAIT = Duration.ofSeconds(30);
    /** Deletes the Jobs of cancelled runs, in parallel, so that a burst of cancels waits once. */
    private final ThreadPoolExecutor deleter = daemonPool(8, "valence-k8s-cancel-");
    /** How long a cancel (and {@link #close()}) waits for the Job deletes to be acknowledged. */
    static final Duration CANCEL_WAIT = Duration.ofSeconds(10);
    /** Cancels that come within this long of each other share one {@link #CANCEL_WAIT}. */
    private static final Duration CANCEL_BURST = Duration.ofSeconds(1);
    private long cancelWindowStart;
    private long cancelWindowEnd;
    /** Cancelled runs whose Job delete is not acknowledged yet. */
    private final Set<RunHandle<?>> cancelling = ConcurrentHashMap.newKeySet();
    /**
     * Reasons of a Job whose pod never ran (and may never run): Valence deletes such a Job when it
     * gives up on it, since there is no log to keep and a pod that starts later would run for nobody.
     */
    static final Set<String> NEVER_RAN = Set.of("Unschedulable", "ImagePullBackOff", "ErrImagePull", "InvalidImageName",
            "CreateContainerConfigError", "CreateContainerError", "FailedCreate");
    /** The image check or build in flight, or the last one: submits share one while it runs. */
    private CompletableFuture<ImageRef> image;
    /** Runs whose result has not arrived: a closed executor ends them (their Jobs run on). */
    private final Set<RunHandle<?>> inFlight = ConcurrentHashMap.newKeySet();

    private KubernetesExecutor(Settings settings, Plugins plugins, List<Path> classpath) {
        this.settings = settings;
        this.store = plugins.artifactStore(settings.dataStore()).create(settings);
        this.gateway = plugins.clusterGateway(settings).create(settings);
        List<CredentialProvider> creds = plugins.credentialProviders().stream().map(f -> f.create(settings)).toList();
        this.images = new TaskImages(settings, plugins.imageBuilder(settings.registry()).create(settings), creds, classpath);
        this.name = "k8s" + settings.k8sContext().filter(c -> !c.isEmpty()).map(c -> ":" + c).orElse("");
        LOG.debug("executor {} ready: namespace {}, store {}, registry {}", name, gateway.namespace(), store.location(),
                settings.registry());
    }

    /** An executor for settings already built, with the given adapters; the class path of this JVM. */
    public static KubernetesExecutor create(Settings settings, Plugins plugins) {
        return new KubernetesExecutor(settings, plugins, TaskImages.currentClasspath());
    }

    /**
     * This JVM's class path as the task image takes it (a launcher jar's manifest {@code Class-Path}
     * expanded): the default of {@link Builder#classpath}, for callers that add to it.
     */
    public static List<Path> currentClasspath() {
        return TaskImages.currentClasspath();
    }

    /** Starts a builder: defaults, then the config file, the environment, and what you set. */
    public static Builder builder() {
        return new Builder();
    }

    /** The effective settings. */
    public Settings settings() {
        return settings;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public <R> TaskRun<R> submit(TaskCall call) {
        if (pool.isShutdown()) {
            throw new ValenceException(ErrorKind.CONFIG, "executor " + name + " is closed; tasks cannot be submitted to it");
        }
        RunHandle<R> run = new RunHandle<>(call);
        String jobName = JobNames.jobName(call.dispatchId(), call.nodeId());
        run.jobName(jobName);
        byte[] payload = PayloadCodec.encodeInput(call.taskName(), call.body(), call.args());
        inFlight.add(run);
        run.afterCancel(() -> awaitUndone(List.of(run)));
        run.result().whenComplete((v, e) -> {
            inFlight.remove(run);
            if (run.result().isCancelled()) {
                cancelling.add(run);
                run.undone().whenComplete((x, y) -> cancelling.remove(run));
            }
        });
        pool.execute(() -> {
            try {
                start(run, jobName, payload);
            } catch (Throwable t) {
                run.fail(t);
                if (run.result().isCancelled()) {
                    run.undone().completeExceptionally(t);
                }
            }
        });
        return run;
    }

    /**
     * The image reference a Job of this executor would name when an earlier run already built the
     * image of this class path (recorded under {@code cache_dir}); empty when it would be built
     * first. Builds nothing and asks no registry.
     */
    public Optional<String> builtImage() {
        return images.recorded().map(this::jobReference);
    }

    /** An image loaded into a daemon or from a tar has no registry digest: a Job names it by its tag there. */
    private String jobReference(ImageRef ref) {
        return settings.registry().equals("docker") || settings.registry().equals("tar") ? ref.tagged() : ref.jobReference();
    }

    /** The Job that a call would run as, as YAML, for an image reference. */
    public String render(TaskCall call, String imageReference) {
        return gateway.render(jobSpec(call, JobNames.jobName(call.dispatchId(), call.nodeId()), imageReference));
    }

    private <R> void start(RunHandle<R> run, String jobName, byte[] payload) {
        TaskCall call = run.call();
        String prefix = prefix(call);
        if (run.isDone()) {
            // cancelled while it waited for a thread: nothing written, nothing submitted by this run
            if (run.result().isCancelled()) {
                abandon(run, jobName, prefix);
            }
            return;
        }
        if (call.rerun()) {
            forgetEarlierRun(call, jobName, prefix);
        }
        if (store.exists(prefix + "output")) {
            LOG.info("task '{}' ({}/{}) already has an output from an earlier run; using it", call.taskName(),
                    call.dispatchId(), call.nodeId());
            JobRef earlier = new JobRef(jobName, gateway.namespace(), true);
            finish(run, earlier, JobOutcome.succeeded(""));
            return;
        }
        boolean wroteInput = false;
        if (!store.exists(prefix + "input")) {
            store.put(prefix + "input", payload);
            wroteInput = true;
        }
        ImageRef ref;
        try {
            ref = image();
        } catch (RuntimeException e) {
            // no Job was submitted: the input written just now serves nothing (one from an earlier run stays)
            if (wroteInput && !settings.keepArtifacts()) {
                deleteQuietly(prefix, call);
            }
            throw e;
        }
        if (run.isDone()) {
            if (run.result().isCancelled()) {
                abandon(run, jobName, prefix);
            }
            return;
        }
        String reference = jobReference(ref);
        JobRef job = gateway.submit(jobSpec(call, jobName, reference));
        LOG.info(job.adopted() ? "task '{}': re-attached to Job {} in namespace {}" : "task '{}': Job {} submitted in namespace {}",
                call.taskName(), job.name(), job.namespace());
        run.onCancel(() -> undo(run, job, prefix));
        run.running();
        settings.timeout().ifPresent(timeout -> {
            Duration after = timeout.plus(timeoutGrace(timeout));
            CompletableFuture.delayedExecutor(after.toMillis(), TimeUnit.MILLISECONDS, deleter)
                    .execute(() -> timedOut(run, job, timeout, after));
        });
        gateway.follow(job, pod -> LOG.info("task '{}': pod {} started{} ({})", call.taskName(), pod.podName(),
                pod.node().map(n -> " on node " + n).orElse(""), job.name())).whenCompleteAsync((outcome, error) -> {
            if (error != null) {
                Throwable cause = Causes.unwrap(error);
                // a PERMISSION error stays one: the fix is a Role, not a retry
                ErrorKind kind = cause instanceof ValenceException v ? v.kind() : ErrorKind.CLUSTER;
                run.fail(new ValenceException(kind, "lost track of Job " + job + ": " + cause.getMessage(), cause));
            } else {
                finish(run, job, outcome);
            }
        }, pool);
    }

    @SuppressWarnings("unchecked")
    private <R> void finish(RunHandle<R> run, JobRef job, JobOutcome outcome) {
        if (run.isDone()) {
            return;
        }
        TaskCall call = run.call();
        String key = prefix(call) + "output";
        String where = store.describe(key);
        String place = "Job " + job.name() + " (namespace " + job.namespace()
                + outcome.pod().map(p -> ", pod " + p).orElse("") + ")";
        try {
            if (outcome.succeeded() || store.exists(key)) {
                PayloadCodec.Output out;
                try (InputStream in = store.get(key)) {
                    out = PayloadCodec.decodeOutput(in, "output of task '" + call.taskName() + "' at " + where,
                            Thread.currentThread().getContextClassLoader());
                }
                Duration took = run.startedAt().map(s -> Duration.between(s, Instant.now())).orElse(Duration.ZERO);
                if (out.ok()) {
                    LOG.info("task '{}' finished in {} s ({})", call.taskName(), took.toMillis() / 1000.0, job.name());
                    // promised before the caller has its value (an executor closed right after still does
                    // it), done after: the caller goes on, deleting the Job is not its wait
                    cleanUpsPromised.incrementAndGet();
                    run.complete((R) out.value());
                    cleanUpLater(job, call, CleanUp.SUCCEEDED);
                } else {
                    Throwable error = out.error();
                    error.addSuppressed(new ValenceException(ErrorKind.TASK_FAILED,
                            "task '" + call.taskName() + "' threw in " + place));
                    LOG.info("task '{}' threw {} ({})", call.taskName(), error.getClass().getName(), job.name());
                    cleanUpsPromised.incrementAndGet();
                    run.fail(error);
                    cleanUpLater(job, call, CleanUp.ARTIFACTS);
                }
                return;
            }
            String message = "task '" + call.taskName() + "' failed in " + place + ": " + outcome.reason()
                    + (outcome.message().isEmpty() ? "" : ": " + outcome.message())
                    + (outcome.reason().equals("FailedCreate") ? refusedFix(outcome.message(), job) : "")
                    + (outcome.logTail().isBlank() ? "" : "\nlast log lines:\n" + outcome.logTail());
            boolean neverRan = NEVER_RAN.contains(outcome.reason());
            LOG.info("task '{}' failed: {} ({}{})", call.taskName(), outcome.reason(), job.name(),
                    neverRan ? ", deleted: its pod never ran" : "");
            cleanUpsPromised.incrementAndGet();
            run.fail(new ValenceException(kindOf(outcome.reason()), message));
            cleanUpLater(job, call, neverRan ? CleanUp.JOB : CleanUp.ARTIFACTS);
        } catch (ValenceException e) {
            run.fail(e.kind() == ErrorKind.STORE && outcome.succeeded()
                    ? new ValenceException(ErrorKind.STORE, "task '" + call.taskName() + "' succeeded in " + place
                            + " but its output cannot be read: " + e.getMessage(), e)
                    : e);
        } catch (Exception e) {
            run.fail(new ValenceException(ErrorKind.STORE, "reading output of task '" + call.taskName() + "' at "
                    + where + ": " + e, e));
        }
    }

    /**
     * A node that ran before and failed is started afresh: the Job of that run (kept
     * after a failure) is deleted and waited for, so that the new Job does not adopt it, and its
     * artifacts are removed, so that its output is not taken for the new run's.
     */
    private void forgetEarlierRun(TaskCall call, String jobName, String prefix) {
        JobRef earlier = new JobRef(jobName, gateway.namespace(), true);
        if (gateway.cancel(earlier)) {
            LOG.info("task '{}' ({}/{}) runs again: deleted Job {} of its earlier run", call.taskName(),
                    call.dispatchId(), call.nodeId(), jobName);
            Map<String, String> labels = nodeLabels(call);
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
        store.deletePrefix(prefix);
    }

    /**
     * Cancelled before its Job was submitted (while the image was checked or built): removes a Job
     * an earlier run of the same call may have left, and the artifacts unless they are kept.
     */
    private void abandon(RunHandle<?> run, String jobName, String prefix) {
        TaskCall call = run.call();
        LOG.info("task '{}' cancelled before its Job was submitted", call.taskName());
        try {
            gateway.cancel(new JobRef(jobName, gateway.namespace(), false));
        } catch (RuntimeException e) {
            LOG.warn("could not delete Job {} of cancelled task '{}': {}", jobName, call.taskName(), e.getMessage());
            run.undone().completeExceptionally(e);
        } finally {
            if (!settings.keepArtifacts()) {
                deleteQuietly(prefix, call);
            }
            run.undone().complete(null);
        }
    }

    /** A cancelled run's Job (and artifacts) deleted on the deleter's threads; {@code run.undone()} tells when. */
    private void undo(RunHandle<?> run, JobRef job, String prefix) {
        TaskCall call = run.call();
        LOG.info("task '{}' cancelled: deleting Job {}", call.taskName(), job.name());
        Runnable delete = () -> {
            try {
                gateway.cancel(job);
                if (!settings.keepArtifacts()) {
                    store.deletePrefix(prefix);
                }
                run.undone().complete(null);
            } catch (RuntimeException e) {
                run.undone().completeExceptionally(e);
            }
        };
        try {
            deleter.execute(delete);
        } catch (java.util.concurrent.RejectedExecutionException closed) {
            delete.run();
        }
    }

    /**
     * Waits until the Job deletes of these cancelled runs are acknowledged, at most
     * {@link #CANCEL_WAIT} (shared by cancels that come together), and says which it could not confirm.
     */
    private void awaitUndone(Collection<RunHandle<?>> runs) {
        long end = cancelDeadline();
        for (RunHandle<?> r : runs) {
            String job = r.jobName().orElse("");
            try {
                r.undone().get(Math.max(0, end - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                LOG.warn("task '{}' was cancelled but the delete of its Job {} (namespace {}) was not acknowledged "
                        + "within {} s: it may still run; delete it with 'valence jobs cancel {}'", r.call().taskName(),
                        job, gateway.namespace(), CANCEL_WAIT.toSeconds(), job);
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

    /** The end of the current cancel wait: cancels within {@link #CANCEL_BURST} of the first share it. */
    private synchronized long cancelDeadline() {
        long now = System.nanoTime();
        if (cancelWindowEnd == 0 || now - cancelWindowStart > CANCEL_BURST.toNanos()) {
            cancelWindowStart = now;
            cancelWindowEnd = now + CANCEL_WAIT.toNanos();
        }
        return cancelWindowEnd;
    }

    /**
     * How long after {@code timeout} the client gives up on a Job the control plane has not ended:
     * a tenth of the timeout, at least 1 s and at most 30 s, plus {@code poll_freq} (the follow's
     * own delay in seeing {@code DeadlineExceeded}).
     */
    Duration timeoutGrace(Duration timeout) {
        Duration tenth = timeout.dividedBy(10);
        Duration bounded = tenth.compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1)
                : tenth.compareTo(Duration.ofSeconds(30)) > 0 ? Duration.ofSeconds(30) : tenth;
        return bounded.plus(settings.pollFreq());
    }

    /** The client-side backstop of {@code timeout}: the Job still runs, so it is deleted and the run fails TIMEOUT. */
    private void timedOut(RunHandle<?> run, JobRef job, Duration timeout, Duration after) {
        if (run.isDone()) {
            return;
        }
        TaskCall call = run.call();
        LOG.info("task '{}' passed its timeout of {} s and its Job {} is still not ended: deleting it", call.taskName(),
                timeout.toMillis() / 1000.0, job.name());
        cleanUpsPromised.incrementAndGet();
        run.fail(new ValenceException(ErrorKind.TIMEOUT, "task '" + call.taskName() + "' ran longer than its timeout of "
                + timeout.toMillis() / 1000.0 + " s: Job " + job.name() + " (namespace " + job.namespace()
                + ") had not ended " + after.toMillis() / 1000.0 + " s after it was submitted, so Valence deleted it "
                + "(the control plane did not enforce activeDeadlineSeconds in time); raise timeout if the task needs longer"));
        cleanUpLater(job, call, CleanUp.JOB);
    }

    private void deleteQuietly(String prefix, TaskCall call) {
        try {
            store.deletePrefix(prefix);
        } catch (RuntimeException e) {
            LOG.warn("could not delete the artifacts of task '{}' at {}: {}", call.taskName(), store.describe(prefix),
                    e.getMessage());
        }
    }

    /** Runs a clean-up promised with {@code cleanUpsPromised} on the cleaner's threads. */
    private void cleanUpLater(JobRef job, TaskCall call, CleanUp what) {
        Runnable cleanUp = () -> {
            try {
                cleanUp(job, call, what);
            } finally {
                cleanUpsPromised.decrementAndGet();
            }
        };
        try {
            cleaner.execute(cleanUp);
        } catch (java.util.concurrent.RejectedExecutionException closed) {
            cleanUp.run();
        }
    }

    /** What a finished run leaves to delete. */
    enum CleanUp {
        /** The Job and the artifacts, unless {@code keep_artifacts}. */
        SUCCEEDED,
        /** The artifacts unless kept; the Job of a failed run stays for 'kubectl logs' until its ttl. */
        ARTIFACTS,
        /** A Job Valence gave up on (never ran, or past its timeout): always deleted; the artifacts unless kept. */
        JOB
    }

    private void cleanUp(JobRef job, TaskCall call, CleanUp what) {
        try {
            if (what == CleanUp.JOB || (what == CleanUp.SUCCEEDED && !settings.keepArtifacts())) {
                gateway.cancel(job);
            }
            if (!settings.keepArtifacts()) {
                store.deletePrefix(prefix(call));
            }
        } catch (RuntimeException e) {
            LOG.warn("could not clean up after task '{}' ({}): {}", call.taskName(), job.name(), e.getMessage());
        }
    }

    /** What to do about a pod the API server refused, from the Job controller's {@code FailedCreate} message. */
    String refusedFix(String message, JobRef job) {
        String ns = job.namespace();
        if (message.contains("PodSecurity")) {
            return message.contains("hostPath") && settings.dataStoreScheme().equals("file")
                    ? "; namespace " + ns + " enforces a Pod Security level that forbids the hostPath volume of a local "
                            + "data_store: use an s3:// or azblob:// data_store there, or a namespace whose "
                            + "pod-security.kubernetes.io/enforce label is 'privileged'"
                    : "; namespace " + ns + " enforces a Pod Security level this pod does not meet: see the rules "
                            + "named above, or use a namespace whose pod-security.kubernetes.io/enforce label allows it";
        }
        if (message.contains("serviceaccount") || message.contains("service account")) {
            return "; create the service account in namespace " + ns + " or set service_account to one that exists "
                    + "('kubectl -n " + ns + " get serviceaccounts')";
        }
        if (message.contains("exceeded quota")) {
            return "; the namespace's ResourceQuota is used up: lower vcpu/memory, wait for other pods to end, or raise "
                    + "the quota ('kubectl -n " + ns + " describe resourcequota')";
        }
        return "; see 'kubectl -n " + ns + " describe job " + job.name() + "'";
    }

    private static ErrorKind kindOf(String reason) {
        return switch (reason) {
            case "DeadlineExceeded" -> ErrorKind.TIMEOUT;
            case "Deleted" -> ErrorKind.CANCELLED;
            default -> ErrorKind.POD_FAILED;
        };
    }

    /**
     * The image for this class path. A submit that comes while a check or build runs shares it;
     * a later one checks again (one cheap registry request), so an image deleted from the registry
     * since, or a push that failed, is built and pushed again rather than pulled in vain.
     */
    /**
     * The image, ensured once for all the submits that ask while it is being ensured: the first
     * asks in its own thread, the others wait for its answer (not in a task of {@code pool}, which
     * the waiting starts could fill).
     */
    private ImageRef image() {
        CompletableFuture<ImageRef> current;
        boolean mine = false;
        synchronized (this) {
            if (image == null || image.isDone()) {
                image = new CompletableFuture<>();
                mine = true;
            }
            current = image;
        }
        if (mine) {
            try {
                current.complete(images.ensure());
            } catch (Throwable t) {
                current.completeExceptionally(t);
            }
        }
        return current.join();
    }

    /** At most {@code threads} daemon threads taking work from an unbounded queue; idle ones end after 30 s. */
    private static ThreadPoolExecutor daemonPool(int threads, String namePrefix) {
        ThreadPoolExecutor p = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, namePrefix + THREADS.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        p.allowCoreThreadTimeOut(true);
        return p;
    }

    /** The labels that say which dispatch and node a Job runs. */
    private static Map<String, String> nodeLabels(TaskCall call) {
        return Map.of(ClusterGateway.DISPATCH_LABEL, JobNames.labelValue(call.dispatchId()),
                ClusterGateway.NODE_LABEL, JobNames.labelValue(call.nodeId()));
    }

    JobSpec jobSpec(TaskCall call, String jobName, String imageReference) {
        StoreAccess access = store.podAccess(prefix(call));
        Map<String, String> env = new LinkedHashMap<>(settings.env());
        env.putAll(access.env());
        env.put(Launcher.DISPATCH_ENV, call.dispatchId());
        env.put(Launcher.NODE_ENV, call.nodeId());
        env.put(Settings.ENV_PREFIX + "MAX_OUTPUT_BYTES", Long.toString(settings.maxOutputBytes()));
        Map<String, String> labels = new LinkedHashMap<>(settings.labels());
        labels.put(ClusterGateway.MANAGED_BY, "valence");
        labels.putAll(nodeLabels(call));
        labels.put("valence.dev/task", JobNames.labelValue(call.taskName()));
        JobSpec.Builder b = JobSpec.builder()
                .name(jobName)
                .image(imageReference)
                .env(env)
                .labels(labels)
                .vcpu(settings.vcpu())
                .memory(settings.memory())
                .memoryLimit(settings.memoryLimit())
                .runAsUser(settings.runAsUser())
                .runAsGroup(settings.runAsGroup())
                .automountServiceAccountToken(settings.automountServiceAccountToken())
                .gpus(settings.gpus())
                .nodeSelector(settings.nodeSelector())
                .tolerations(settings.tolerations())
                .imagePullSecrets(settings.imagePullSecrets())
                .envFromSecrets(settings.envFromSecrets())
                .backoffLimit(settings.retries())
                .storeAccess(access);
        settings.vcpuLimit().ifPresent(b::vcpuLimit);
        settings.fsGroup().ifPresent(b::fsGroup);
        settings.serviceAccount().ifPresent(b::serviceAccount);
        settings.timeout().ifPresent(b::activeDeadline);
        settings.ttlAfterFinished().ifPresent(b::ttlAfterFinished);
        return b.build();
    }

    private static String prefix(TaskCall call) {
        return call.dispatchId() + "/" + call.nodeId() + "/";
    }

    /**
     * Closes the connections. Runs still waiting for a result end with a {@code CANCELLED} error
     * that names their Job, which keeps running: submitting the same call (same dispatch and node
     * ids) to a new executor re-attaches to it.
     */
    @Override
    public void close() {
        // cancels under way (a shutdown hook's, say) first: their deletes are acknowledged or named
        awaitUndone(List.copyOf(cancelling));
        pool.shutdownNow();
        for (RunHandle<?> run : List.copyOf(inFlight)) {
            TaskCall call = run.call();
            String job = run.jobName().orElse("");
            String what = run.status() == TaskStatus.RUNNING
                    ? "its Job " + job + " (namespace " + gateway.namespace() + ") goes on: submit the same call (dispatch "
                            + call.dispatchId() + ", node " + call.nodeId() + ") to a new executor to re-attach to it, "
                            + "or delete it with 'valence jobs cancel " + job + "'"
                    : "it was not submitted yet: submit it again";
            run.fail(new ValenceException(ErrorKind.CANCELLED, "executor " + name + " was closed before task '"
                    + call.taskName() + "' finished; " + what));
        }
        awaitCleanUps();
        deleter.shutdown();
        gateway.close();
        store.close();
    }

    /** Lets the clean-ups of finished tasks end (bounded), so a closing executor leaves no finished Job behind. */
    private void awaitCleanUps() {
        long deadline = System.nanoTime() + CLEAN_UP_WAIT.toNanos();
        try {
            // every clean-up promised, queued or not yet (its task's thread is between the result and the queue)
            while (cleanUpsPromised.get() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            cleaner.shutdown();
            if (!cleaner.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                int left = cleaner.shutdownNow().size();
                LOG.warn("executor {} closed with clean-ups still under way after {} s ({} not started): their Jobs stay "
                        + "until ttl_after_finished; 'valence jobs' lists them", name, CLEAN_UP_WAIT.toSeconds(), left);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            cleaner.shutdownNow();
        }
    }

    @Override
    public String toString() {
        return "KubernetesExecutor[" + name + ", namespace " + gateway.namespace() + "]";
    }

    /** Builds a {@link KubernetesExecutor}: builder values beat environment beats file beats defaults. */
    public static final class Builder {
        private final Map<String, Object> values = new LinkedHashMap<>();
        private Path configFile;
        private Map<String, String> environment = System.getenv();
        private Path home = Path.of(System.getProperty("user.home"));
        private Plugins plugins;
        private List<Path> classpath;
        private Consumer<Settings.Builder> more = b -> { };

        private Builder() {
        }

        /** Any setting by its key, e.g. {@code set("k8s_context", "minikube")}. */
        public Builder set(String key, Object value) {
            values.put(key, value);
            return this;
        }

        /** Typed access to every setting. */
        public Builder settings(Consumer<Settings.Builder> change) {
            this.more = more.andThen(change);
            return this;
        }

        /** The TOML file to read instead of {@code VALENCE_CONFIG} or the default one. */
        public Builder configFile(Path file) {
            this.configFile = file;
            return this;
        }

        /** The environment to read {@code VALENCE_K8S_*} from (default: the process's). */
        public Builder environment(Map<String, String> env) {
            this.environment = Map.copyOf(env);
            return this;
        }

        /** The home directory for defaults (default: {@code user.home}). */
        public Builder userHome(Path home) {
            this.home = Objects.requireNonNull(home);
            return this;
        }

        /** The adapters to use (default: found with ServiceLoader on the context class loader). */
        public Builder plugins(Plugins plugins) {
            this.plugins = plugins;
            return this;
        }

        /** The class path to put in the image (default: this JVM's). */
        public Builder classpath(List<Path> classpath) {
            this.classpath = List.copyOf(classpath);
            return this;
        }

        public Builder k8sConfigFile(Path v) { return set("k8s_config_file", v.toString()); }
        public Builder k8sContext(String v) { return set("k8s_context", v); }
        public Builder namespace(String v) { return set("namespace", v); }
        public Builder registry(String v) { return set("registry", v); }
        public Builder imageRepo(String v) { return set("image_repo", v); }
        public Builder baseImage(String v) { return set("base_image", v); }
        public Builder dataStore(String v) { return set("data_store", v); }
        public Builder vcpu(String v) { return set("vcpu", v); }
        public Builder memory(String v) { return set("memory", v); }
        public Builder cacheDir(Path v) { return set("cache_dir", v.toString()); }
        public Builder pollFreq(Duration v) { return set("poll_freq", v); }
        public Builder clusterClient(String v) { return set("cluster_client", v); }

        /** The settings these layers give, validated. */
        public Settings buildSettings() {
            Plugins p = plugins();
            Settings.Builder b = SettingsLoader.layers(configFile, environment, home, p);
            values.forEach(b::set);
            more.accept(b);
            return b.build();
        }

        /** Validates the settings and connects the adapters. */
        public KubernetesExecutor build() {
            return new KubernetesExecutor(buildSettings(), plugins(),
                    classpath != null ? classpath : TaskImages.currentClasspath());
        }

        private Plugins plugins() {
            if (plugins == null) {
                plugins = Plugins.load(Thread.currentThread().getContextClassLoader());
            }
            return plugins;
        }
    }
}
