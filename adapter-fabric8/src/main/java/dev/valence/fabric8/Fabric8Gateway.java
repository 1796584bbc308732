package dev.valence.fabric8;

import dev.valence.api.ErrorKind;
import dev.valence.api.Settings;
import dev.valence.api.ValenceException;
import dev.valence.spi.ClusterGateway;
import dev.valence.spi.JobInfo;
import dev.valence.spi.JobListener;
import dev.valence.spi.JobOutcome;
import dev.valence.spi.JobRef;
import dev.valence.spi.JobSpec;
import dev.valence.spi.PodInfo;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.ContainerState;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.StatusDetails;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.okhttp.OkHttpClientFactory;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@link ClusterGateway} on the fabric8 client: Jobs in one namespace, followed by one shared informer. */
final class Fabric8Gateway implements ClusterGateway {
    private static final Logger LOG = LoggerFactory.getLogger(Fabric8Gateway.class);
    private static final AtomicInteger SEQ = new AtomicInteger();

    private final KubeconfigLoader.Connection connection;
    private final Settings settings;
    private final FirstContact firstContact;
    private final ApiErrors errors;
    private final ScheduledExecutorService scheduler;
    /** The client and what follows Jobs through it: built on first use, after the API server accepted a connection. */
    private volatile Connected connected;
    private boolean closed;
    /**
     * Writes (create, delete) in flight at once: thousands of submits at once would otherwise all
     * wait on the API server together and run into the request timeout (first seen with the Vert.x
     * client, whose pool fabric8's maxConcurrentRequests did not bound; kept for the JDK client).
     */
    private final Semaphore writes = new Semaphore(MAX_WRITES);
    static final int MAX_WRITES = 32;

    private Fabric8Gateway(KubeconfigLoader.Connection connection, Settings settings) {
        this.connection = connection;
        this.settings = settings;
        // a refused connection fails at once until the server has answered (FirstContact), not after the retries
        this.firstContact = new FirstContact(connection);
        this.errors = new ApiErrors(connection);
        int n = SEQ.incrementAndGet();
        this.scheduler = Executors.newScheduledThreadPool(2, r -> {
            Thread t = new Thread(r, "valence-fabric8-" + n);
            t.setDaemon(true);
            return t;
        });
    }

    /** The client, its Job tracker and node capacity check. */
    private record Connected(KubernetesClient client, JobTracker tracker, java.util.Optional<NodeCapacity> capacity) {
    }

    /**
     * Builds the client on first use, once the API server accepts a connection: a refused one is said
     * before any of fabric8's HTTP and TLS machinery is built (half of a refused command's time).
     */
    private Connected connected() {
        Connected c = connected;
        if (c != null) {
            return c;
        }
        synchronized (this) {
            if (connected == null) {
                if (closed) {
                    throw new IllegalStateException("this gateway is closed: " + this);
                }
                firstContact.probe(java.net.URI.create(connection.server()));
                // fabric8's OkHttp client (not Vert.x, whichever is on the class path): no event loop to outlive at
                // exit, and no thread left in native code that holds the JVM's exit (the JDK client's selector did)
                KubernetesClient client = new KubernetesClientBuilder().withConfig(connection.config())
                        .withHttpClientFactory(new Http11ClientFactory())
                        .withHttpClientBuilderConsumer(b -> b.addOrReplaceInterceptor("valence-first-contact",
                                firstContact))
                        .build();
                JobTracker tracker = new JobTracker(client, connection.namespace(), settings.pollFreq(),
                        settings.unschedulableGrace(), scheduler, errors, this::podLogTail);
                connected = new Connected(client, tracker, settings.checkNodeCapacity()
                        ? java.util.Optional.of(new NodeCapacity(client)) : java.util.Optional.empty());
            }
            return connected;
        }
    }

    private KubernetesClient client() {
        return connected().client();
    }

    /** Whether the client has been built (for a test that a refusal builds none). */
    boolean clientBuilt() {
        return connected != null;
    }

    /** Reads the kubeconfig (or in-cluster config) the settings name; talks to the cluster only when used. */
    static Fabric8Gateway connect(Settings settings) {
        KubeconfigLoader.Connection c = KubeconfigLoader.load(settings);
        LOG.debug("fabric8 gateway on {} ({}), namespace {}", c.server(), c.describe(), c.namespace());
        return new Fabric8Gateway(c, settings);
    }

    @Override
    public String namespace() {
        return connection.namespace();
    }

    @Override
    public JobRef submit(JobSpec spec) {
        connected().capacity().ifPresent(c -> c.check(spec));
        writes.acquireUninterruptibly();
        try {
            return create(spec, true);
        } finally {
            writes.release();
        }
    }

    /**
     * Creates the Job; a 409 adopts the existing one. A create that failed without a definite
     * answer (no answer in time, the connection lost, 5xx after the client's retries) may have
     * created the Job all the same: with {@code resolve}, one read tells, and the Job is adopted
     * or created again, so it is neither left behind nor reported as failed.
     */
    private JobRef create(JobSpec spec, boolean resolve) {
        Job job = JobManifest.build(spec, namespace());
        try {
            client().batch().v1().jobs().inNamespace(namespace()).resource(job).create();
            LOG.debug("created Job {}/{}", namespace(), spec.name());
            return new JobRef(spec.name(), namespace(), false);
        } catch (RuntimeException e) {
            int code = e instanceof KubernetesClientException k ? k.getCode() : 0;
            if (code == 409) {
                return adopt(spec);
            }
            if (resolve && !(ApiErrors.unwrap(e) instanceof ValenceException) && (code <= 0 || code >= 500)) {
                return resolve(spec, e);
            }
            throw errors.map(e, "create", "jobs", spec.name());
        }
    }

    private JobRef resolve(JobSpec spec, RuntimeException failed) {
        Job existing;
        try {
            existing = client().batch().v1().jobs().inNamespace(namespace()).withName(spec.name()).get();
        } catch (RuntimeException e) {
            ValenceException error = errors.map(failed, "create", "jobs", spec.name());
            error.addSuppressed(e);
            throw error;
        }
        LOG.debug("create of Job {}/{} got no definite answer ({}); the Job {}", namespace(), spec.name(),
                failed.getMessage(), existing == null ? "does not exist: creating it again" : "exists");
        return existing == null ? create(spec, false) : adopt(spec, existing);
    }

    private JobRef adopt(JobSpec spec) {
        Job existing;
        try {
            existing = client().batch().v1().jobs().inNamespace(namespace()).withName(spec.name()).get();
        } catch (RuntimeException e) {
            throw errors.map(e, "get", "jobs", spec.name());
        }
        if (existing == null) {
            return create(spec, true);
        }
        return adopt(spec, existing);
    }

    private JobRef adopt(JobSpec spec, Job existing) {
        Map<String, String> have = existing.getMetadata().getLabels() == null ? Map.of() : existing.getMetadata().getLabels();
        Map<String, String> want = JobManifest.labels(spec);
        boolean ours = JobManifest.MANAGED_BY_VALUE.equals(have.get(MANAGED_BY))
                && Objects.equals(have.get(DISPATCH_LABEL), want.get(DISPATCH_LABEL))
                && Objects.equals(have.get(NODE_LABEL), want.get(NODE_LABEL));
        if (!ours) {
            throw new ValenceException(ErrorKind.CLUSTER, "a Job named '" + spec.name() + "' already exists in namespace '"
                    + namespace() + "' and is not this task's (its labels: " + have + "; expected " + MANAGED_BY + "=valence, "
                    + DISPATCH_LABEL + "=" + want.get(DISPATCH_LABEL) + ", " + NODE_LABEL + "=" + want.get(NODE_LABEL)
                    + "); delete it ('kubectl -n " + namespace() + " delete job " + spec.name() + "') or use another namespace");
        }
        LOG.debug("re-attached to existing Job {}/{}", namespace(), spec.name());
        return new JobRef(spec.name(), namespace(), true);
    }

    @Override
    public CompletableFuture<JobOutcome> follow(JobRef job, JobListener listener) {
        requireOurNamespace(job);
        return connected().tracker().follow(job.name(), Objects.requireNonNull(listener, "listener"));
    }

    @Override
    public boolean cancel(JobRef job) {
        requireOurNamespace(job);
        List<StatusDetails> deleted;
        writes.acquireUninterruptibly();
        try {
            deleted = client().batch().v1().jobs().inNamespace(namespace()).withName(job.name())
                    .withPropagationPolicy(DeletionPropagation.BACKGROUND).delete();
        } catch (RuntimeException e) {
            throw errors.map(e, "delete", "jobs", job.name());
        } finally {
            writes.release();
        }
        connected().tracker().cancelled(job.name());
        return !deleted.isEmpty();
    }

    @Override
    public String logs(JobRef job, int tailLines) {
        return podsOf(job).stream().max(Comparator.comparing(p -> String.valueOf(p.getMetadata().getCreationTimestamp())))
                .map(p -> podLogTail(p.getMetadata().getName(), tailLines)).orElse("");
    }

    @Override
    public List<PodInfo> pods(JobRef job) {
        return podsOf(job).stream().sorted(Comparator.comparing((Pod p) -> String.valueOf(p.getMetadata().getCreationTimestamp()))
                .thenComparing(p -> p.getMetadata().getName()).reversed()).map(Fabric8Gateway::podInfo).toList();
    }

    /** The Job's pods (the controller's {@code job-name} label). */
    private List<Pod> podsOf(JobRef job) {
        requireOurNamespace(job);
        try {
            return client().pods().inNamespace(namespace()).withLabel("job-name", job.name()).list().getItems();
        } catch (RuntimeException e) {
            throw errors.map(e, "list", "pods", "");
        }
    }

    /** A pod as the port shows it: phase, node, start, the task container's state, restarts, completion index. */
    static PodInfo podInfo(Pod pod) {
        PodInfo.Builder b = PodInfo.builder().name(pod.getMetadata().getName());
        if (pod.getSpec() != null) {
            b.nodeName(pod.getSpec().getNodeName());
        }
        String index = java.util.Optional.ofNullable(pod.getMetadata().getAnnotations())
                .map(a -> a.get(COMPLETION_INDEX)).orElseGet(() -> java.util.Optional.ofNullable(pod.getMetadata().getLabels())
                        .map(l -> l.get(COMPLETION_INDEX)).orElse(null));
        if (index != null && index.matches("\\d{1,9}")) {
            b.completionIndex(Integer.parseInt(index));
        }
        PodStatus status = pod.getStatus();
        if (status == null) {
            return b.build();
        }
        b.phase(status.getPhase()).reason(status.getReason()).message(status.getMessage());
        if (status.getStartTime() != null) {
            b.startedAt(parseTime(status.getStartTime()));
        }
        java.util.Optional<ContainerStatus> task = java.util.Optional.ofNullable(status.getContainerStatuses())
                .flatMap(cs -> cs.stream().filter(c -> JobManifest.CONTAINER.equals(c.getName())).findFirst()
                        .or(() -> cs.stream().findFirst()));
        task.ifPresent(c -> {
            b.restarts(c.getRestartCount() == null ? 0 : c.getRestartCount());
            ContainerState st = c.getState();
            if (st == null) {
                return;
            }
            if (st.getTerminated() != null) {
                b.containerState(PodInfo.ContainerState.TERMINATED).exitCode(st.getTerminated().getExitCode());
                if (st.getTerminated().getReason() != null) {
                    b.reason(st.getTerminated().getReason()).message(st.getTerminated().getMessage());
                }
            } else if (st.getWaiting() != null) {
                b.containerState(PodInfo.ContainerState.WAITING);
                if (st.getWaiting().getReason() != null) {
                    b.reason(st.getWaiting().getReason()).message(st.getWaiting().getMessage());
                }
            } else if (st.getRunning() != null) {
                b.containerState(PodInfo.ContainerState.RUNNING);
            }
        });
        return b.build();
    }

    private static final String COMPLETION_INDEX = "batch.kubernetes.io/job-completion-index";

    private static Instant parseTime(String s) {
        try {
            return java.time.OffsetDateTime.parse(s).toInstant();
        } catch (java.time.format.DateTimeParseException e) {
            return null;
        }
    }

    @Override
    public String podLogs(String namespace, String pod, int tailLines) {
        if (tailLines <= 0) {
            throw ValenceException.config("tailLines", tailLines, "expected 1 or more lines");
        }
        if (!namespace().equals(namespace)) {
            throw ValenceException.config("namespace", namespace, "this gateway serves namespace " + namespace());
        }
        return podLogTail(pod, tailLines);
    }

    /** The tail of a pod's log; empty when the container has not started or the log is gone. */
    String podLogTail(String pod, int tailLines) {
        try {
            String log = client().pods().inNamespace(namespace()).withName(pod).inContainer(JobManifest.CONTAINER)
                    .tailingLines(tailLines).getLog();
            return log == null ? "" : log;
        } catch (KubernetesClientException e) {
            if (e.getCode() == 400 || e.getCode() == 404) {
                return "";
            }
            throw errors.map(e, "get", "pods/log", pod);
        } catch (RuntimeException e) {
            throw errors.map(e, "get", "pods/log", pod);
        }
    }

    @Override
    public List<JobInfo> list(Map<String, String> labels) {
        try {
            return client().batch().v1().jobs().inNamespace(namespace()).withLabels(labels).list().getItems().stream()
                    .map(this::info).toList();
        } catch (RuntimeException e) {
            throw errors.map(e, "list", "jobs", "");
        }
    }

    private JobInfo info(Job j) {
        String created = j.getMetadata().getCreationTimestamp();
        return new JobInfo(j.getMetadata().getName(), namespace(),
                j.getMetadata().getLabels() == null ? Map.of() : j.getMetadata().getLabels(), phase(j.getStatus()),
                created == null ? Instant.EPOCH : Instant.parse(created), progress(j));
    }

    /** An Indexed Job's progress from its status counts. */
    private static java.util.Optional<JobInfo.Progress> progress(Job j) {
        if (j.getSpec() == null || !"Indexed".equals(j.getSpec().getCompletionMode()) || j.getSpec().getCompletions() == null) {
            return java.util.Optional.empty();
        }
        JobStatus s = j.getStatus();
        return java.util.Optional.of(new JobInfo.Progress(j.getSpec().getCompletions(),
                s == null || s.getSucceeded() == null ? 0 : s.getSucceeded(),
                s == null || s.getFailed() == null ? 0 : s.getFailed(),
                s == null || s.getActive() == null ? 0 : s.getActive()));
    }

    @Override
    public java.util.Optional<dev.valence.spi.ClusterVersion> serverVersion() {
        try {
            var v = client().getKubernetesVersion();
            return v == null ? java.util.Optional.empty() : dev.valence.spi.ClusterVersion.parse(v.getMajor(), v.getMinor());
        } catch (RuntimeException e) {
            throw errors.map(e, "get", "the server version", "");
        }
    }

    private static JobInfo.Phase phase(JobStatus s) {
        if (s == null) {
            return JobInfo.Phase.PENDING;
        }
        if (s.getConditions().stream().anyMatch(c -> "Complete".equals(c.getType()) && "True".equals(c.getStatus()))) {
            return JobInfo.Phase.SUCCEEDED;
        }
        if (s.getConditions().stream().anyMatch(c -> "Failed".equals(c.getType()) && "True".equals(c.getStatus()))) {
            return JobInfo.Phase.FAILED;
        }
        return s.getActive() != null && s.getActive() > 0 ? JobInfo.Phase.RUNNING : JobInfo.Phase.PENDING;
    }

    /** Env names whose values {@link #render} masks, as Settings masks secret-looking keys. */
    private static final java.util.regex.Pattern SECRET_ENV = java.util.regex.Pattern.compile(
            "(?i).*(password|passwd|secret|token|credential|private_key|access_key|api_key|account_key).*");

    @Override
    public String render(JobSpec spec) {
        Job job = JobManifest.build(spec, namespace());
        job.getSpec().getTemplate().getSpec().getContainers().forEach(c -> c.getEnv().forEach(e -> {
            if (SECRET_ENV.matcher(e.getName()).matches() && e.getValue() != null && !e.getValue().isEmpty()) {
                e.setValue("****");
            }
        }));
        return Serialization.asYaml(job);
    }

    @Override
    public void check() {
        try {
            client().getKubernetesVersion();
        } catch (RuntimeException e) {
            throw errors.map(e, "get", "the server version", "");
        }
        Object ns;
        try {
            ns = client().namespaces().withName(namespace()).get();
        } catch (RuntimeException e) {
            ValenceException mapped = errors.map(e, "get", "namespaces", namespace());
            if (mapped.kind() != ErrorKind.PERMISSION) {
                throw mapped;
            }
            // a namespaced Role (infra/rbac.yaml) cannot read Namespace objects: check what it can do instead
            try {
                client().batch().v1().jobs().inNamespace(namespace())
                        .list(new io.fabric8.kubernetes.api.model.ListOptionsBuilder().withLimit(1L).build());
                return;
            } catch (RuntimeException listing) {
                throw errors.map(listing, "list", "jobs", namespace());
            }
        }
        if (ns == null) {
            throw new ValenceException(ErrorKind.CONFIG, "namespace '" + namespace() + "' not found on "
                    + connection.server() + " (" + connection.describe() + "); create it ('kubectl create namespace "
                    + namespace() + "') or set namespace");
        }
    }

    @Override
    public boolean allowed(String verb, String group, String resource, String subresource) {
        var review = new io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReviewBuilder()
                .withNewSpec().withNewResourceAttributes()
                .withNamespace(namespace()).withVerb(verb).withGroup(group).withResource(resource)
                .withSubresource(subresource.isEmpty() ? null : subresource)
                .endResourceAttributes().endSpec().build();
        try {
            var answer = client().authorization().v1().selfSubjectAccessReview().create(review);
            return answer.getStatus() != null && Boolean.TRUE.equals(answer.getStatus().getAllowed());
        } catch (RuntimeException e) {
            throw errors.map(e, "create", "selfsubjectaccessreviews", "");
        }
    }

    @Override
    public java.util.Set<String> missing(dev.valence.api.ClusterFileRef.Kind kind, java.util.Collection<String> names) {
        java.util.Set<String> missing = new java.util.TreeSet<>();
        for (String name : new java.util.TreeSet<>(names)) {
            String resource = kind == dev.valence.api.ClusterFileRef.Kind.SECRET ? "secrets" : "configmaps";
            try {
                Object found = kind == dev.valence.api.ClusterFileRef.Kind.SECRET
                        ? client().secrets().inNamespace(namespace()).withName(name).get()
                        : client().configMaps().inNamespace(namespace()).withName(name).get();
                if (found == null) {
                    missing.add(name);
                }
            } catch (RuntimeException e) {
                throw errors.map(e, "get", resource, name);
            }
        }
        return missing;
    }

    private void requireOurNamespace(JobRef job) {
        if (!job.namespace().equals(namespace())) {
            throw new ValenceException(ErrorKind.CONFIG, "Job " + job + " is in namespace '" + job.namespace()
                    + "' but this gateway works in '" + namespace() + "'; open a gateway with namespace=" + job.namespace());
        }
    }

    /**
     * fabric8's OkHttp client speaking HTTP/1.1 only: HTTP/2 would multiplex over TLS, a path the test
     * beds (fault proxy, soak) do not exercise; one protocol for what is tested and what runs. Chosen
     * over the JDK's client, whose selector thread waits in native code and so holds every exit of the
     * JVM for 0.3 s (the JVM waits for threads in native before it ends), see docs/design-notes.md.
     */
    static final class Http11ClientFactory extends OkHttpClientFactory {
        @Override
        protected boolean shouldDisableHttp2() {
            return true;
        }
    }

    /** The HTTP client under fabric8 (for a test of which one it is). */
    io.fabric8.kubernetes.client.http.HttpClient httpClient() {
        return client().adapt(io.fabric8.kubernetes.client.impl.BaseClient.class).getHttpClient();
    }

    @Override
    public void close() {
        Connected c;
        synchronized (this) {
            closed = true;
            c = connected;
        }
        if (c != null) {
            c.tracker().close();
        }
        scheduler.shutdownNow();
        try {
            scheduler.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (c != null) {
            c.client().close();
        }
    }

    @Override
    public String toString() {
        return "Fabric8Gateway[" + connection.server() + ", " + connection.describe() + ", namespace=" + namespace() + "]";
    }
}
