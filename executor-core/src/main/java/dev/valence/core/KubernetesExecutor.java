package dev.valence.core;

import dev.valence.api.ErrorKind;
import dev.valence.api.MapResult;
import dev.valence.api.Executor;
import dev.valence.api.SettingKey;
import dev.valence.api.Settings;
import dev.valence.api.Toleration;
import dev.valence.api.TaskCall;
import dev.valence.api.TaskRun;
import dev.valence.api.TaskStatus;
import dev.valence.api.ValenceException;
import dev.valence.core.plugin.PluginClassLoader;
import dev.valence.core.plugin.PluginFolder;
import dev.valence.spi.ArtifactStore;
import dev.valence.spi.ClusterGateway;
import dev.valence.spi.CredentialProvider;
import dev.valence.spi.ImageRef;
import dev.valence.spi.JobOutcome;
import dev.valence.spi.JobListener;
import dev.valence.spi.JobRef;
import dev.valence.spi.JobSpec;
import dev.valence.spi.Plugins;
import dev.valence.spi.PodStarted;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
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

    private final Settings settings;
    private final ClusterGateway gateway;
    private final ArtifactStore store;
    private final TaskImages images;
    private final String name;
    private final TaskJobs jobs;
    private final TaskCleanUps cleanUps;
    private final TaskCancels cancels;
    /**
     * How many tasks are started at once (input written, image ensured, Job submitted) and how many
     * outputs are read at once; the others wait in the queue, cheaply, instead of holding a thread
     * each while the API server works through a burst.
     */
    static final int AT_ONCE = 32;
    private final ThreadPoolExecutor pool = DaemonPools.of(AT_ONCE, "valence-k8s-");
    /** How long a cancel (and {@link #close()}) waits for the Job deletes to be acknowledged. */
    static final Duration CANCEL_WAIT = TaskCancels.WAIT;
    /** The image check or build in flight, or the last one: submits share one while it runs. */
    private CompletableFuture<ImageRef> image;
    /** Runs whose result has not arrived: a closed executor ends them (their Jobs run on). */
    private final Set<RunHandle<?>> inFlight = ConcurrentHashMap.newKeySet();
    /** Threads for a map's many small store reads and writes (items in, results out), apart from {@code pool}. */
    static final int MAP_IO = 16;
    private final ThreadPoolExecutor ioPool = DaemonPools.of(MAP_IO, "valence-k8s-io-");
    private final MapRuns mapRuns;
    private final CallCache cache;

    private KubernetesExecutor(Settings settings, Plugins plugins, List<Path> classpath, boolean dryRun) {
        this.settings = settings;
        var storeFactory = plugins.artifactStore(settings.dataStore());
        // a dry run (render) connects to no store: its Jobs need only the store's location and pod access
        this.store = dryRun ? storeFactory.describe(settings) : storeFactory.create(settings);
        this.gateway = plugins.clusterGateway(settings).create(settings);
        List<CredentialProvider> creds = plugins.credentialProviders().stream().map(f -> f.create(settings)).toList();
        // a store from the plugins folder goes into the image as a plugin of its own, not on the class path
        Optional<PluginFolder.Plugin> storePlugin = storeFactory.getClass().getClassLoader() instanceof PluginClassLoader p
                ? Optional.of(new PluginFolder.Plugin(p.pluginName(), p.jars())) : Optional.empty();
        this.images = new TaskImages(settings, plugins.imageBuilder(settings.registry()).create(settings), creds,
                TaskClassPath.keep(classpath, storePlugin.isPresent() ? storePlugin.get().jars().stream().findFirst()
                        : jarOf(storeFactory.getClass())), storePlugin);
        // a named executor is called by its name (progress lines, records); else k8s[:context]
        this.name = settings.executorName()
                .orElseGet(() -> "k8s" + settings.k8sContext().filter(c -> !c.isEmpty()).map(c -> ":" + c).orElse(""));
        this.jobs = new TaskJobs(settings, store, podEnvKeys(storeFactory));
        this.cleanUps = new TaskCleanUps(gateway, store, settings.keepArtifacts(), name);
        this.cancels = new TaskCancels(gateway, store, settings.keepArtifacts(), cleanUps);
        this.mapRuns = new MapRuns(settings, gateway, store, jobs, new MapJobs(store, ioPool), cleanUps, cancels, pool,
                () -> jobReference(image()), this::armTimeout);
        this.cache = new CallCache(Optional.of(new CacheEntries(store)), settings.cache(), settings.cacheTtl(),
                images::cacheParts, name);
        LOG.debug("executor {} ready: namespace {}, store {}, registry {}", name, gateway.namespace(), store.location(),
                settings.registry());
    }

    /** The store's {@code podEnvKeys()}; one that is a secret is the plugin's error, named with what to do. */
    private static Set<String> podEnvKeys(dev.valence.spi.ArtifactStoreFactory store) {
        for (String key : store.podEnvKeys()) {
            if (store.sensitiveKeys().contains(key)) {
                throw new ValenceException(ErrorKind.PLUGIN, "store '" + store.name() + "' (" + Plugins.origin(store)
                        + ") declares the secret key '" + key + "' in podEnvKeys(): a secret never goes into a Job's env"
                        + " as a value; the store should name a Secret holding it (StoreAccess.Builder.envFromSecret)");
            }
        }
        return store.podEnvKeys();
    }

    /** The jar a class was loaded from, when it was loaded from a jar. */
    private static Optional<Path> jarOf(Class<?> type) {
        try {
            var source = type.getProtectionDomain().getCodeSource();
            Path p = source == null ? null : Path.of(source.getLocation().toURI()).toAbsolutePath().normalize();
            return p != null && java.nio.file.Files.isRegularFile(p) ? Optional.of(p) : Optional.empty();
        } catch (java.net.URISyntaxException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** An executor for settings already built, with the given adapters; the class path of this JVM. */
    public static KubernetesExecutor create(Settings settings, Plugins plugins) {
        return new KubernetesExecutor(settings, plugins, TaskImages.currentClasspath(), false);
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
        return cache.submit(call, this::run);
    }

    /** Runs a call as a Job (an Indexed Job for a map): what {@link #submit} does when the cache has no output. */
    private <R> TaskRun<R> run(TaskCall call) {
        if (call.map()) {
            @SuppressWarnings("unchecked")
            TaskRun<R> map = (TaskRun<R>) submitMap(call);
            return map;
        }
        RunHandle<R> run = new RunHandle<>(call);
        String jobName = TaskJobs.jobName(call);
        run.jobName(jobName);
        byte[] payload = PayloadCodec.encodeInput(call.taskName(), call.body(), call.args());
        inFlight.add(run);
        cancels.track(run);
        run.result().whenComplete((v, e) -> inFlight.remove(run));
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
     * A map call as one Indexed Job: an empty list completes at once without a Job; else the elements go
     * to the store (in parallel), and the Job runs one pod per element still without a value.
     */
    private <R> TaskRun<MapResult<R>> submitMap(TaskCall call) {
        RunHandle<MapResult<R>> run = new RunHandle<>(call);
        if (call.elements().isEmpty()) {
            LOG.info("map of task '{}' over an empty list: nothing to run ({}/{})", call.taskName(), call.dispatchId(),
                    call.nodeId());
            run.running();
            run.complete(MapResult.of(List.of()));
            return run;
        }
        String jobName = TaskJobs.jobName(call);
        run.jobName(jobName);
        inFlight.add(run);
        cancels.track(run);
        run.result().whenComplete((v, e) -> inFlight.remove(run));
        pool.execute(() -> {
            try {
                mapRuns.start(run, jobName);
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

    /** The Job that a call would run as, as YAML, for an image reference (a map's Indexed Job for a map call). */
    public String render(TaskCall call, String imageReference) {
        return gateway.render(jobSpec(call, TaskJobs.jobName(call), imageReference));
    }

    /** The Job spec of a call (for tests); a map call's is its Indexed Job over all its elements. */
    JobSpec jobSpec(TaskCall call, String jobName, String imageReference) {
        if (call.map()) {
            return jobs.mapSpec(call, jobName, imageReference, Math.max(1, call.elements().size()), false,
                    mapRuns.perIndexRetries());
        }
        return jobs.spec(call, jobName, imageReference);
    }

    /** Writes the input, ensures the image, submits the Job and follows it; on the pool's threads. */
    private <R> void start(RunHandle<R> run, String jobName, byte[] payload) {
        TaskCall call = run.call();
        String prefix = TaskJobs.prefix(call);
        if (cancels.endedBeforeSubmit(run, jobName, prefix)) {
            return;
        }
        if (call.rerun()) {
            cleanUps.forgetEarlierRun(call, jobName);
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
        ImageRef ref = cleanUps.imageOrForgetInput(this::image, wroteInput, prefix, call);
        if (cancels.endedBeforeSubmit(run, jobName, prefix)) {
            return;
        }
        JobRef job = gateway.submit(jobs.spec(call, jobName, jobReference(ref)));
        LOG.info(job.adopted() ? "task '{}': re-attached to Job {} in namespace {}" : "task '{}': Job {} submitted in namespace {}",
                call.taskName(), job.name(), job.namespace());
        run.onCancel(() -> cancels.undo(run, job, prefix));
        run.running();
        armTimeout(run, job);
        gateway.follow(job, new JobListener() {
            @Override
            public void podStarted(PodStarted pod) {
                LOG.info("task '{}': pod {} started{} ({})", call.taskName(), pod.podName(),
                        pod.node().map(n -> " on node " + n).orElse(""), job.name());
            }

            @Override
            public void podSucceeded(String podName) {
                pool.execute(() -> finishEarly(run, job, podName));
            }
        }).whenCompleteAsync((outcome, error) -> {
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

    /**
     * The earliest sure sign of success: the pod exited 0 and its output is in the store (the launcher
     * writes it whole before it exits). The result is handed over without waiting for the Job's
     * {@code Complete}, which the Job controller writes seconds later; without the output (a pod that
     * exited 0 but wrote nothing) the Job's own outcome decides, as before.
     */
    private <R> void finishEarly(RunHandle<R> run, JobRef job, String podName) {
        if (run.isDone()) {
            return;
        }
        String key = TaskJobs.prefix(run.call()) + "output";
        try {
            if (!store.exists(key)) {
                LOG.debug("pod {} of Job {} exited 0 but {} is not in the store; waiting for the Job's outcome", podName,
                        job.name(), key);
                return;
            }
        } catch (RuntimeException e) {
            LOG.debug("cannot check {} after pod {} exited 0; waiting for the Job's outcome", key, podName, e);
            return;
        }
        LOG.debug("pod {} of Job {} exited 0 and its output is in the store: finishing before the Job's Complete",
                podName, job.name());
        finish(run, job, JobOutcome.succeeded(podName));
    }

    /** Hands over the output (the value or the task's own exception), or the Job's failure; then cleans up. */
    private <R> void finish(RunHandle<R> run, JobRef job, JobOutcome outcome) {
        // the early sign and the Job's outcome may both arrive: the first one finishes the run
        synchronized (run) {
            if (run.isDone()) {
                return;
            }
            finishNow(run, job, outcome);
        }
    }

    @SuppressWarnings("unchecked")
    private <R> void finishNow(RunHandle<R> run, JobRef job, JobOutcome outcome) {
        TaskCall call = run.call();
        String key = TaskJobs.prefix(call) + "output";
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
                    cleanUps.promise();
                    run.complete((R) out.value());
                    cleanUps.later(job, call, TaskCleanUps.What.SUCCEEDED);
                } else {
                    Throwable error = out.error();
                    error.addSuppressed(new ValenceException(ErrorKind.TASK_FAILED,
                            "task '" + call.taskName() + "' threw in " + place));
                    LOG.info("task '{}' threw {} ({})", call.taskName(), error.getClass().getName(), job.name());
                    cleanUps.promise();
                    run.fail(error);
                    cleanUps.later(job, call, TaskCleanUps.What.ARTIFACTS);
                }
                return;
            }
            boolean neverRan = TaskFailures.neverRan(outcome);
            LOG.info("task '{}' failed: {} ({}{})", call.taskName(), outcome.reason(), job.name(),
                    neverRan ? ", deleted: its pod never ran" : "");
            cleanUps.promise();
            run.fail(TaskFailures.error(call, place, outcome, job, settings));
            cleanUps.later(job, call, neverRan ? TaskCleanUps.What.JOB : TaskCleanUps.What.ARTIFACTS);
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

    /** Arms the client-side backstop of the call's {@code timeout}, if it has one, for its submitted Job. */
    private void armTimeout(RunHandle<?> run, JobRef job) {
        jobs.settingsFor(run.call()).timeout().ifPresent(timeout -> {
            Duration after = timeout.plus(timeoutGrace(timeout));
            CompletableFuture.delayedExecutor(after.toMillis(), TimeUnit.MILLISECONDS, cancels.executor())
                    .execute(() -> timedOut(run, job, timeout, after));
        });
    }

    /** The client-side backstop of {@code timeout}: the Job still runs, so it is deleted and the run fails TIMEOUT. */
    private void timedOut(RunHandle<?> run, JobRef job, Duration timeout, Duration after) {
        if (run.isDone()) {
            return;
        }
        TaskCall call = run.call();
        LOG.info("task '{}' passed its timeout of {} s and its Job {} is still not ended: deleting it", call.taskName(),
                timeout.toMillis() / 1000.0, job.name());
        cleanUps.promise();
        run.fail(new ValenceException(ErrorKind.TIMEOUT, "task '" + call.taskName() + "' ran longer than its timeout of "
                + timeout.toMillis() / 1000.0 + " s: Job " + job.name() + " (namespace " + job.namespace()
                + ") had not ended " + after.toMillis() / 1000.0 + " s after it was submitted, so Valence deleted it "
                + "(the control plane did not enforce activeDeadlineSeconds in time); raise timeout if the task needs longer"));
        cleanUps.later(job, call, TaskCleanUps.What.JOB);
    }

    /**
     * Starts making sure the task image is in the registry (hash, cache, one registry check, a build
     * and push when needed) in the background, so that it overlaps the caller's other start-up work
     * (the CLI's cluster check); the first submit then waits for this one instead of starting its own.
     */
    public CompletableFuture<Void> prepareImage() {
        return CompletableFuture.runAsync(this::image, r -> {
            Thread t = new Thread(r, "valence-image-prepare");
            t.setDaemon(true); // a CLI that falls back to local execution does not wait for it at exit
            t.start();
        });
    }

    /**
     * The image, ensured once for all the submits that ask while it is being ensured: the first
     * asks in its own thread, the others wait for its answer (not in a task of {@code pool}, which
     * the waiting starts could fill). A later submit checks again (one cheap registry request), so
     * an image deleted from the registry since, or a push that failed, is built and pushed again.
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

    /**
     * Closes the connections, once the deletes of cancels under way (a shutdown hook's, say) are
     * acknowledged (bounded) and the clean-ups of finished tasks are done (bounded). Runs still
     * waiting for a result end with a {@code CANCELLED} error that names their Job, which keeps
     * running: submitting the same call (same dispatch and node ids) to a new executor re-attaches to it.
     */
    @Override
    public void close() {
        cancels.awaitUnderWay();
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
        ioPool.shutdownNow();
        cleanUps.close();
        cancels.close();
        gateway.close();
        store.close();
    }

    @Override
    public String toString() {
        return "KubernetesExecutor[" + name + ", namespace " + gateway.namespace() + "]";
    }

    /** Builds a {@link KubernetesExecutor}: builder values beat environment beats file beats defaults. */
    public static final class Builder {
        private Path configFile;
        private String executorName;
        private Map<String, String> environment = System.getenv();
        private Path home = Path.of(System.getProperty("user.home"));
        private Plugins plugins;
        private List<Path> classpath;
        private boolean dryRun;
        private Consumer<Settings.Builder> changes = b -> { };

        private Builder() {
        }

        /** Any setting by its key, e.g. {@code set("k8s_context", "minikube")}. */
        public Builder set(String key, Object value) {
            return change(b -> b.set(key, value));
        }

        /** A plugin's key by the typed constant it publishes, e.g. {@code set(S3StoreFactory.ENDPOINT, "http://...")}. */
        public <T> Builder set(SettingKey<T> key, T value) {
            return change(b -> b.set(key, value));
        }

        /** Typed access to every setting. */
        public Builder settings(Consumer<Settings.Builder> change) {
            return change(change);
        }

        /**
         * The named executor: its {@code [executors.k8s.<name>]} section over the file's
         * {@code [executors.k8s]} and its {@code VALENCE_K8S_<NAME>__<KEY>} variables over the
         * {@code VALENCE_K8S_<KEY>} ones (builder > env named > env > file named > file > defaults).
         */
        public Builder named(String name) {
            this.executorName = Settings.checkedName(name);
            return this;
        }

        private Builder change(Consumer<Settings.Builder> change) {
            this.changes = changes.andThen(change);
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

        /**
         * An executor for dry runs ({@code valence render}): the store is described, not opened
         * ({@link dev.valence.spi.ArtifactStoreFactory#describe}), so a store that is down does not matter;
         * its Jobs render as a run would submit them. Submitting to it fails at the store.
         */
        public Builder dryRun(boolean v) {
            this.dryRun = v;
            return this;
        }

        /** The class path to put in the image (default: this JVM's). */
        public Builder classpath(List<Path> classpath) {
            this.classpath = List.copyOf(classpath);
            return this;
        }

        /** {@code base_image}. */
        public Builder baseImage(String v) {
            return change(b -> b.baseImage(v));
        }

        /** {@code k8s_config_file}. */
        public Builder k8sConfigFile(Path v) {
            return change(b -> b.k8sConfigFile(v));
        }

        /** {@code k8s_context}. */
        public Builder k8sContext(String v) {
            return change(b -> b.k8sContext(v));
        }

        /** {@code namespace}. */
        public Builder namespace(String v) {
            return change(b -> b.namespace(v));
        }

        /** {@code registry}. */
        public Builder registry(String v) {
            return change(b -> b.registry(v));
        }

        /** {@code image_repo}. */
        public Builder imageRepo(String v) {
            return change(b -> b.imageRepo(v));
        }

        /** {@code registry_credentials_file}. */
        public Builder registryCredentialsFile(Path v) {
            return change(b -> b.registryCredentialsFile(v));
        }

        /** {@code region}. */
        public Builder region(String v) {
            return change(b -> b.region(v));
        }

        /** {@code data_store}. */
        public Builder dataStore(String v) {
            return change(b -> b.dataStore(v));
        }

        /** {@code data_store_mount}. */
        public Builder dataStoreMount(String v) {
            return change(b -> b.dataStoreMount(v));
        }

        /** {@code vcpu}. */
        public Builder vcpu(String v) {
            return change(b -> b.vcpu(v));
        }

        /** {@code memory}. */
        public Builder memory(String v) {
            return change(b -> b.memory(v));
        }

        /** {@code cache_dir}. */
        public Builder cacheDir(Path v) {
            return change(b -> b.cacheDir(v));
        }

        /** {@code poll_freq}. */
        public Builder pollFreq(Duration v) {
            return change(b -> b.pollFreq(v));
        }

        /** {@code cluster_client}. */
        public Builder clusterClient(String v) {
            return change(b -> b.clusterClient(v));
        }

        /** {@code gpus}. */
        public Builder gpus(int v) {
            return change(b -> b.gpus(v));
        }

        /** {@code node_selector}. */
        public Builder nodeSelector(Map<String, String> v) {
            return change(b -> b.nodeSelector(v));
        }

        /** {@code tolerations}. */
        public Builder tolerations(List<Toleration> v) {
            return change(b -> b.tolerations(v));
        }

        /** {@code service_account}. */
        public Builder serviceAccount(String v) {
            return change(b -> b.serviceAccount(v));
        }

        /** {@code image_pull_secrets}. */
        public Builder imagePullSecrets(List<String> v) {
            return change(b -> b.imagePullSecrets(v));
        }

        /** {@code env_from_secrets}. */
        public Builder envFromSecrets(List<String> v) {
            return change(b -> b.envFromSecrets(v));
        }

        /** {@code ca_bundle}: {@code secret:<name>/<key>} or {@code configmap:<name>/<key>}, the CA bundle pods trust. */
        public Builder caBundle(String v) {
            return change(b -> b.caBundle(v));
        }

        /** {@code ca_bundle_file}: a local PEM file of CAs the client's store trusts. */
        public Builder caBundleFile(Path v) {
            return change(b -> b.caBundleFile(v));
        }

        /** {@code env}. */
        public Builder env(Map<String, String> v) {
            return change(b -> b.env(v));
        }

        /** {@code timeout}. */
        public Builder timeout(Duration v) {
            return change(b -> b.timeout(v));
        }

        /** {@code retries}. */
        public Builder retries(int v) {
            return change(b -> b.retries(v));
        }

        /** {@code ttl_after_finished}. */
        public Builder ttlAfterFinished(Duration v) {
            return change(b -> b.ttlAfterFinished(v));
        }

        /** {@code cache}: memoize every task's calls. */
        public Builder cache(boolean v) {
            return change(b -> b.cache(v));
        }

        /** {@code cache_ttl}: how long a cached output is reused. */
        public Builder cacheTtl(Duration v) {
            return change(b -> b.cacheTtl(v));
        }

        /** {@code keep_artifacts}. */
        public Builder keepArtifacts(boolean v) {
            return change(b -> b.keepArtifacts(v));
        }

        /** {@code labels}. */
        public Builder labels(Map<String, String> v) {
            return change(b -> b.labels(v));
        }

        /** {@code run_as_user}. */
        public Builder runAsUser(int v) {
            return change(b -> b.runAsUser(v));
        }

        /** {@code run_as_group}. */
        public Builder runAsGroup(int v) {
            return change(b -> b.runAsGroup(v));
        }

        /** {@code fs_group}. */
        public Builder fsGroup(int v) {
            return change(b -> b.fsGroup(v));
        }

        /** {@code unschedulable_grace}. */
        public Builder unschedulableGrace(Duration v) {
            return change(b -> b.unschedulableGrace(v));
        }

        /** {@code max_output_bytes}. */
        public Builder maxOutputBytes(long v) {
            return change(b -> b.maxOutputBytes(v));
        }

        /** {@code vcpu_limit}. */
        public Builder vcpuLimit(String v) {
            return change(b -> b.vcpuLimit(v));
        }

        /** {@code memory_limit}. */
        public Builder memoryLimit(String v) {
            return change(b -> b.memoryLimit(v));
        }

        /** {@code automount_service_account_token}. */
        public Builder automountServiceAccountToken(boolean v) {
            return change(b -> b.automountServiceAccountToken(v));
        }

        /** {@code check_node_capacity}. */
        public Builder checkNodeCapacity(boolean v) {
            return change(b -> b.checkNodeCapacity(v));
        }

        /** The settings these layers give, validated. */
        public Settings buildSettings() {
            Plugins p = plugins();
            Settings.Builder b = SettingsLoader.layers(configFile, environment, home, p, executorName);
            changes.accept(b);
            return b.build();
        }

        /** Validates the settings and connects the adapters. */
        public KubernetesExecutor build() {
            return new KubernetesExecutor(buildSettings(), plugins(),
                    classpath != null ? classpath : TaskImages.currentClasspath(), dryRun);
        }

        private Plugins plugins() {
            if (plugins == null) {
                plugins = Plugins.load(Thread.currentThread().getContextClassLoader());
            }
            return plugins;
        }
    }
}
