package dev.valence.official;

import com.google.gson.JsonObject;
import dev.valence.api.ErrorKind;
import dev.valence.api.ValenceException;
import dev.valence.official.ApiCalls.Op;
import dev.valence.spi.ClusterGateway;
import dev.valence.spi.ClusterVersion;
import dev.valence.spi.JobInfo;
import dev.valence.spi.JobListener;
import dev.valence.spi.JobOutcome;
import dev.valence.spi.JobRef;
import dev.valence.spi.JobSpec;
import dev.valence.spi.PodInfo;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.apis.AuthorizationV1Api;
import io.kubernetes.client.openapi.apis.BatchV1Api;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1ContainerState;
import io.kubernetes.client.openapi.models.V1ContainerStatus;
import io.kubernetes.client.openapi.models.V1Job;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodStatus;
import io.kubernetes.client.openapi.models.V1JobCondition;
import io.kubernetes.client.openapi.models.V1JobList;
import io.kubernetes.client.openapi.models.V1Namespace;
import io.kubernetes.client.openapi.models.V1ResourceAttributes;
import io.kubernetes.client.openapi.models.V1SelfSubjectAccessReview;
import io.kubernetes.client.openapi.models.V1SelfSubjectAccessReviewSpec;
import io.kubernetes.client.openapi.models.V1JobStatus;
import io.kubernetes.client.util.Yaml;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link ClusterGateway} on the official Kubernetes Java client (client-java). Jobs are followed by
 * one shared {@link JobWatch} per namespace (a watch of Jobs and one of pods, with a list every
 * {@code poll_freq} as resync); the gateway owns the scheduler of their resyncs and reconnections.
 */
final class OfficialGateway implements ClusterGateway {
    private static final Logger LOG = LoggerFactory.getLogger(OfficialGateway.class);

    private final ClusterConnection connection;
    private final ApiCalls calls;
    private final BatchV1Api batch;
    private final CoreV1Api core;
    private final AuthorizationV1Api authorization;
    private final ClusterReads reads;
    private final Duration pollFreq;
    private final Duration unschedulableGrace;
    private final Clock clock;
    private final ScheduledExecutorService scheduler;
    private final Map<String, JobWatch> watches = new ConcurrentHashMap<>();
    private volatile boolean closed;
    /** Refuses a task no node can hold; absent unless {@code check_node_capacity}. */
    private volatile java.util.Optional<NodeCapacity> capacity = java.util.Optional.empty();

    OfficialGateway(ClusterConnection connection, Duration pollFreq, Duration unschedulableGrace, Clock clock) {
        this.connection = connection;
        this.calls = new ApiCalls(connection.server(), connection.origin());
        ApiClient client = connection.client();
        this.batch = new BatchV1Api(client);
        this.core = new CoreV1Api(client);
        this.authorization = new AuthorizationV1Api(client);
        this.reads = new ClusterReads(batch, core, calls);
        this.pollFreq = pollFreq;
        this.unschedulableGrace = unschedulableGrace;
        this.clock = clock;
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "valence-official-follow");
            t.setDaemon(true);
            return t;
        });
    }

    /** Checks, before each submit, that some node can hold the task's requests. */
    OfficialGateway checkingNodeCapacity() {
        this.capacity = java.util.Optional.of(new NodeCapacity(core, calls));
        return this;
    }

    @Override
    public String namespace() {
        return connection.namespace();
    }

    @Override
    public JobRef submit(JobSpec spec) {
        ensureOpen();
        capacity.ifPresent(c -> c.check(spec));
        String ns = namespace();
        V1Job manifest = JobManifest.build(spec, ns);
        Op create = Op.of("create", "jobs.batch", ns, spec.name());
        ApiCalls.Call<V1Job> post = () -> LenientJson.send(batch.createNamespacedJob(ns, manifest).buildCall(null), V1Job.class);
        Optional<V1Job> created;
        Optional<V1Job> existing = Optional.empty();
        try {
            created = calls.runUnless(create, post, 409);
        } catch (ValenceException e) {
            if (!ApiCalls.unclear(e)) {
                throw e;
            }
            // the server may have made the Job before the answer was lost: one read tells
            try {
                existing = reads.job(ns, spec.name());
            } catch (ValenceException readFailed) {
                e.addSuppressed(readFailed);
                throw e;
            }
            LOG.debug("create of Job {}/{} got no definite answer ({}); the Job {}", ns, spec.name(), e.getMessage(),
                    existing.isPresent() ? "exists" : "does not exist: creating it again");
            created = existing.isPresent() ? Optional.empty() : calls.runUnless(create, post, 409);
        }
        if (created.isPresent()) {
            LOG.debug("created Job {}/{} ({})", ns, spec.name(), spec.image());
            return new JobRef(spec.name(), ns, false);
        }
        V1Job job = existing.isPresent() ? existing.get() : reads.job(ns, spec.name()).orElseThrow(() -> new ValenceException(
                ErrorKind.CLUSTER, "Job " + ns + "/" + spec.name() + " already existed on " + connection.server()
                        + " but vanished when read; submit again"));
        Map<String, String> theirs = job.getMetadata().getLabels() == null ? Map.of() : job.getMetadata().getLabels();
        Map<String, String> ours = JobManifest.labels(spec);
        boolean same = JobManifest.MANAGED_BY_VALUE.equals(theirs.get(MANAGED_BY))
                && Objects.equals(ours.get(DISPATCH_LABEL), theirs.get(DISPATCH_LABEL))
                && Objects.equals(ours.get(NODE_LABEL), theirs.get(NODE_LABEL));
        if (!same) {
            throw new ValenceException(ErrorKind.CLUSTER, "Job " + ns + "/" + spec.name() + " already exists on "
                    + connection.server() + " and is not this task's (its labels: " + new TreeMap<>(theirs)
                    + "; expected " + MANAGED_BY + "=" + JobManifest.MANAGED_BY_VALUE + ", " + DISPATCH_LABEL + "="
                    + ours.get(DISPATCH_LABEL) + ", " + NODE_LABEL + "=" + ours.get(NODE_LABEL) + "); delete it with "
                    + "'kubectl delete job -n " + ns + " " + spec.name() + "' or use another namespace");
        }
        LOG.debug("adopted existing Job {}/{}", ns, spec.name());
        return new JobRef(spec.name(), ns, true);
    }

    @Override
    public CompletableFuture<JobOutcome> follow(JobRef job, JobListener listener) {
        ensureOpen();
        Objects.requireNonNull(listener, "listener");
        return watches.computeIfAbsent(job.namespace(), ns -> new JobWatch(ns, reads, scheduler, pollFreq,
                unschedulableGrace, clock)).follow(job.name(), listener);
    }

    @Override
    public boolean cancel(JobRef job) {
        ensureOpen();
        boolean deleted = calls.runUnless(Op.of("delete", "jobs.batch", job.namespace(), job.name()),
                () -> LenientJson.<String>send(batch.deleteNamespacedJob(job.name(), job.namespace())
                        .propagationPolicy("Background").buildCall(null), String.class),
                404).isPresent();
        if (deleted) {
            LOG.debug("deleted Job {} and its pods", job);
        }
        return deleted;
    }

    @Override
    public String logs(JobRef job, int tailLines) {
        ensureOpen();
        if (tailLines <= 0) {
            throw ValenceException.config("tailLines", tailLines, "expected 1 or more lines");
        }
        return reads.job(job.namespace(), job.name())
                .flatMap(j -> reads.podsOf(j).stream().findFirst())
                .map(p -> reads.logTail(job.namespace(), p.getMetadata().getName(), tailLines))
                .orElse("");
    }

    @Override
    public List<PodInfo> pods(JobRef job) {
        ensureOpen();
        return reads.job(job.namespace(), job.name()).map(j -> reads.podsOf(j).stream().map(OfficialGateway::podInfo)
                .toList()).orElse(List.of());
    }

    /** A pod as the port shows it: phase, node, start, the task container's state, restarts, completion index. */
    static PodInfo podInfo(V1Pod pod) {
        PodInfo.Builder b = PodInfo.builder().name(pod.getMetadata().getName());
        if (pod.getSpec() != null) {
            b.nodeName(pod.getSpec().getNodeName());
        }
        String index = Optional.ofNullable(pod.getMetadata().getAnnotations()).map(a -> a.get(COMPLETION_INDEX))
                .orElseGet(() -> Optional.ofNullable(pod.getMetadata().getLabels()).map(l -> l.get(COMPLETION_INDEX))
                        .orElse(null));
        if (index != null && index.matches("\\d{1,9}")) {
            b.completionIndex(Integer.parseInt(index));
        }
        V1PodStatus status = pod.getStatus();
        if (status == null) {
            return b.build();
        }
        b.phase(status.getPhase()).reason(status.getReason()).message(status.getMessage());
        if (status.getStartTime() != null) {
            b.startedAt(status.getStartTime().toInstant());
        }
        Optional<V1ContainerStatus> task = Optional.ofNullable(status.getContainerStatuses())
                .flatMap(cs -> cs.stream().filter(c -> JobManifest.CONTAINER.equals(c.getName())).findFirst()
                        .or(() -> cs.stream().findFirst()));
        task.ifPresent(c -> {
            b.restarts(c.getRestartCount() == null ? 0 : c.getRestartCount());
            V1ContainerState st = c.getState();
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

    @Override
    public String podLogs(String namespace, String pod, int tailLines) {
        ensureOpen();
        if (tailLines <= 0) {
            throw ValenceException.config("tailLines", tailLines, "expected 1 or more lines");
        }
        return reads.logTail(namespace, pod, tailLines);
    }

    @Override
    public List<JobInfo> list(Map<String, String> labels) {
        ensureOpen();
        String selector = labels.isEmpty() ? JobManifest.managedSelector()
                : new TreeMap<>(labels).entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining(","));
        return reads.jobs(namespace(), selector).stream().map(OfficialGateway::info).toList();
    }

    /** Env names whose values {@link #render} masks, as {@code Settings} masks secret-looking keys. */
    private static final Pattern SECRET_ENV = Pattern.compile(
            "(?i).*(password|passwd|secret|token|credential|private_key|access_key|api_key|account_key).*");

    @Override
    public String render(JobSpec spec) {
        V1Job job = JobManifest.build(spec, namespace());
        job.getSpec().getTemplate().getSpec().getContainers().forEach(c -> c.getEnv().forEach(e -> {
            if (SECRET_ENV.matcher(e.getName()).matches() && e.getValue() != null && !e.getValue().isEmpty()) {
                e.setValue("****");
            }
        }));
        return Yaml.dump(job);
    }

    @Override
    public void check() {
        ensureOpen();
        JsonObject version = version();
        String ns = namespace();
        try {
            if (calls.runUnless(Op.of("get", "namespaces", "", ns),
                    () -> LenientJson.send(core.readNamespace(ns).buildCall(null), V1Namespace.class), 404).isEmpty()) {
                throw new ValenceException(ErrorKind.CONFIG, "namespace '" + ns + "' does not exist on " + connection.server()
                        + " (" + connection.origin() + "); create it with 'kubectl create namespace " + ns
                        + "' or set namespace to an existing one");
            }
        } catch (ValenceException e) {
            if (e.kind() != ErrorKind.PERMISSION) {
                throw e;
            }
            // a namespaced Role (infra/rbac.yaml) may not read the Namespace object: the list below decides
            LOG.debug("cannot read namespace {}, checking Jobs there instead: {}", ns, e.getMessage());
        }
        // the list a follow needs, so a Role lacking it is found now rather than on the first task
        calls.run(Op.of("list", "jobs.batch", ns),
                () -> LenientJson.send(batch.listNamespacedJob(ns).limit(1).buildCall(null), V1JobList.class));
        LOG.info("Kubernetes {} at {} answers; namespace {} is usable ({})",
                version.has("gitVersion") ? version.get("gitVersion").getAsString() : "(unknown version)",
                connection.server(), ns, connection.origin());
    }

    @Override
    public boolean allowed(String verb, String group, String resource, String subresource) {
        ensureOpen();
        V1SelfSubjectAccessReview review = new V1SelfSubjectAccessReview()
                .apiVersion("authorization.k8s.io/v1").kind("SelfSubjectAccessReview")
                .spec(new V1SelfSubjectAccessReviewSpec().resourceAttributes(new V1ResourceAttributes()
                        .namespace(namespace()).verb(verb).group(group).resource(resource)
                        .subresource(subresource.isEmpty() ? null : subresource)));
        V1SelfSubjectAccessReview answer = calls.run(Op.of("create", "selfsubjectaccessreviews.authorization.k8s.io", ""),
                () -> LenientJson.send(authorization.createSelfSubjectAccessReview(review).buildCall(null),
                        V1SelfSubjectAccessReview.class));
        return answer != null && answer.getStatus() != null && Boolean.TRUE.equals(answer.getStatus().getAllowed());
    }

    @Override
    public java.util.Set<String> missing(dev.valence.api.ClusterFileRef.Kind kind, java.util.Collection<String> names) {
        ensureOpen();
        java.util.Set<String> missing = new java.util.TreeSet<>();
        for (String name : new java.util.TreeSet<>(names)) {
            boolean secret = kind == dev.valence.api.ClusterFileRef.Kind.SECRET;
            boolean found = calls.runUnless(Op.of("get", secret ? "secrets" : "configmaps", namespace(), name),
                    () -> LenientJson.<String>send((secret ? core.readNamespacedSecret(name, namespace()).buildCall(null)
                            : core.readNamespacedConfigMap(name, namespace()).buildCall(null)), String.class),
                    404).isPresent();
            if (!found) {
                missing.add(name);
            }
        }
        return missing;
    }

    static JobInfo info(V1Job job) {
        var meta = job.getMetadata();
        Instant created = meta.getCreationTimestamp() == null ? Instant.EPOCH : meta.getCreationTimestamp().toInstant();
        return new JobInfo(meta.getName(), meta.getNamespace(), meta.getLabels() == null ? Map.of() : meta.getLabels(),
                phase(job), created, progress(job));
    }

    /** An Indexed Job's progress from its status counts. */
    private static Optional<JobInfo.Progress> progress(V1Job job) {
        if (job.getSpec() == null || !"Indexed".equals(job.getSpec().getCompletionMode())
                || job.getSpec().getCompletions() == null) {
            return Optional.empty();
        }
        V1JobStatus s = job.getStatus();
        return Optional.of(new JobInfo.Progress(job.getSpec().getCompletions(),
                s == null || s.getSucceeded() == null ? 0 : s.getSucceeded(),
                s == null || s.getFailed() == null ? 0 : s.getFailed(),
                s == null || s.getActive() == null ? 0 : s.getActive()));
    }

    /** {@code GET /version}, read leniently (a server may add fields). */
    private JsonObject version() {
        ApiClient client = connection.client();
        return calls.run(Op.of("get", "/version", ""), () -> LenientJson.send(client.buildCall(
                client.getBasePath(), "/version", "GET", List.of(), List.of(), null,
                new HashMap<>(Map.of("Accept", "application/json")), new HashMap<>(), new HashMap<>(),
                new String[] {"BearerToken"}, null), JsonObject.class));
    }

    @Override
    public Optional<ClusterVersion> serverVersion() {
        ensureOpen();
        JsonObject version = version();
        return ClusterVersion.parse(version.has("major") ? version.get("major").getAsString() : "",
                version.has("minor") ? version.get("minor").getAsString() : "");
    }

    private static JobInfo.Phase phase(V1Job job) {
        V1JobStatus status = job.getStatus();
        // one pod's success is the Job's only when it has one completion (an Indexed Job has N)
        int completions = job.getSpec() == null || job.getSpec().getCompletions() == null ? 1
                : job.getSpec().getCompletions();
        if (status == null) {
            return JobInfo.Phase.PENDING;
        }
        List<V1JobCondition> conditions = status.getConditions() == null ? List.of() : status.getConditions();
        if (conditions.stream().anyMatch(c -> "True".equals(c.getStatus())
                && ("Complete".equals(c.getType()) || "SuccessCriteriaMet".equals(c.getType())))
                || (status.getSucceeded() != null && status.getSucceeded() >= completions)) {
            return JobInfo.Phase.SUCCEEDED;
        }
        if (conditions.stream().anyMatch(c -> "True".equals(c.getStatus())
                && ("Failed".equals(c.getType()) || "FailureTarget".equals(c.getType())))) {
            return JobInfo.Phase.FAILED;
        }
        return status.getActive() != null && status.getActive() > 0 ? JobInfo.Phase.RUNNING : JobInfo.Phase.PENDING;
    }

    private void ensureOpen() {
        if (closed) {
            throw new ValenceException(ErrorKind.INTERNAL, "this ClusterGateway is closed");
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        watches.values().forEach(JobWatch::close);
        scheduler.shutdownNow();
        connection.close();
    }

    @Override
    public String toString() {
        return "OfficialGateway[" + connection + "]";
    }
}
