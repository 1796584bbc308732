package dev.valence.tck.cluster;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import io.fabric8.kubernetes.api.model.ContainerStateBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatus;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Test stand-in for the Kubernetes control plane and kubelet on an {@link ApiServerBed}: nothing
 * runs pods on the mock API server, so tests either script a Job's pod and its statuses by hand
 * (running, succeeded, failed with each reason), or let {@link #runJobsWith} play the Job
 * controller, admission, the scheduler and the kubelet for every Valence Job, running each pod
 * with a {@link PodRunner} (real containers with {@code dev.valence.tck.pods.RuncPodRunner}).
 * Every change goes through the API, so the gateway under test sees it the way it would see a real
 * cluster.
 */
public final class JobControllerStandIn implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(JobControllerStandIn.class);

    private final ApiServerBed bed;
    /** How often a control-plane write is sent before its failure counts (see {@code asKubeletWrites}). */
    private static final int WRITE_ATTEMPTS = 6;

    private final KubernetesClient client;
    private final List<AutoCloseable> running = new ArrayList<>();
    private final Options options;
    /** Jobs deleted (namespace/name/uid): their pods are not replaced and their statuses not written. */
    private final Set<String> gone = ConcurrentHashMap.newKeySet();
    /** Jobs whose activeDeadlineSeconds passed. */
    private final Set<String> deadlineHit = ConcurrentHashMap.newKeySet();
    /** The pod running for each Job (namespace/name). */
    private final Map<String, String> activePods = new ConcurrentHashMap<>();
    /** The pods running for each Indexed Job (namespace/name). */
    private final Map<String, Set<String>> activeIndexedPods = new ConcurrentHashMap<>();
    /** Runs the pods of Indexed Jobs, {@link Options.Builder#parallelPods} at once over all Jobs. */
    private volatile ExecutorService indexedPods;
    private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "job-controller-stand-in-timers");
        t.setDaemon(true);
        return t;
    });

    /**
     * What a pod would run: the Job's container, as the test's runner sees it, with the whole pod
     * ({@code pod}) and where to report its progress ({@code status}).
     */
    public record PodRun(String namespace, String jobName, String podName, String image, List<String> command,
                         Map<String, String> env, Map<String, String> hostPathMounts, Pod pod, PodStatusSink status) {

        /**
         * The pod's env as a process on this machine needs it: every value naming a hostPath mount's
         * path (or a path under it) names the same place under {@code nodeDir}, the directory standing
         * for the node's host path (in the tests, the store directory). A local store mounts only a
         * task's {@code <root>/<dispatch>/<node>} folder and names its root in the env: a value that
         * is an ancestor of a mount path stands for {@code nodeDir} itself.
         */
        public Map<String, String> envWithMountsAt(java.nio.file.Path nodeDir) {
            Map<String, String> mapped = new java.util.LinkedHashMap<>(env);
            hostPathMounts.forEach((hostPath, mountPath) -> mapped.replaceAll((k, v) ->
                    v.equals(mountPath) || v.startsWith(mountPath + "/") ? nodeDir + v.substring(mountPath.length())
                            : v.startsWith("/") && mountPath.startsWith(v.endsWith("/") ? v : v + "/") ? nodeDir.toString() : v));
            return mapped;
        }
    }

    /** Where a runner reports what a kubelet would report while the pod's container starts and runs. */
    public interface PodStatusSink {
        /** The container started: the pod is Running. */
        void started();

        /** The log so far (served by {@code pods/log}). */
        void log(String text);
    }

    /**
     * What the pod's run ended with: the container's exit code, its log and the container's
     * termination reason ({@code Completed}, {@code Error}, {@code OOMKilled}); or, when
     * {@code waiting}, the reason and message of a container that never started
     * ({@code ErrImagePull}, {@code CreateContainerError}, ...).
     */
    public record Result(int exitCode, String log, String reason, String message, boolean waiting) {
        /** The container exited with {@code exitCode}; reason {@code Completed} or {@code Error}. */
        public Result(int exitCode, String log) {
            this(exitCode, log, exitCode == 0 ? "Completed" : "Error", null, false);
        }

        /** The container exited with {@code exitCode}. */
        public static Result exited(int exitCode, String log) {
            return new Result(exitCode, log);
        }

        /** The container was killed by the kernel for going over its memory limit (exit 137). */
        public static Result oomKilled(String log) {
            return new Result(137, log, "OOMKilled", null, false);
        }

        /** The container could not start and the kubelet keeps it waiting with {@code reason}. */
        public static Result waiting(String reason, String message) {
            return new Result(-1, "", reason, message, true);
        }
    }

    /** Plays a pod's container (a real container with the tck's runc runner, or a process of the test's own). */
    @FunctionalInterface
    public interface PodRunner {
        /** Runs the pod's container; the exit code decides whether the Job succeeds. */
        Result run(PodRun pod) throws Exception;

        /**
         * Whether the runner calls {@link PodStatusSink#started()} itself (after pulling the image and
         * creating the container); otherwise the stand-in marks the pod Running before calling it.
         */
        default boolean reportsStart() {
            return false;
        }

        /** Stops the pod's container: its Job or the pod was deleted, or its deadline passed. */
        default void kill(String namespace, String podName) {
        }

        /** This runner, telling {@code seen} of every pod it ran and what the run ended with. */
        default PodRunner observed(java.util.function.BiConsumer<PodRun, Result> seen) {
            PodRunner self = this;
            return new PodRunner() {
                @Override
                public Result run(PodRun pod) throws Exception {
                    Result r = self.run(pod);
                    seen.accept(pod, r);
                    return r;
                }

                @Override
                public boolean reportsStart() {
                    return self.reportsStart();
                }

                @Override
                public void kill(String namespace, String podName) {
                    self.kill(namespace, podName);
                }
            };
        }
    }

    /** A stand-in writing to the bed's API server, with {@link Options#defaults()}. */
    public JobControllerStandIn(ApiServerBed bed) {
        this(bed, Options.defaults());
    }

    /** A stand-in writing to the bed's API server, playing the control plane as {@code options} say. */
    public JobControllerStandIn(ApiServerBed bed, Options options) {
        this.bed = bed;
        this.client = bed.client();
        this.options = options;
    }

    // ---- pods ----

    /**
     * Creates the Job's pod (Pending) as the Job controller would, or returns the existing one's name
     * (a pod of an earlier Job of the same name, not yet collected, is not this Job's).
     */
    public String startPod(String namespace, String jobName) {
        Job job = job(namespace, jobName);
        String uid = Objects.requireNonNullElse(job.getMetadata().getUid(), "uid-" + jobName);
        String existing = client.pods().inNamespace(namespace).withLabel("job-name", jobName).list().getItems().stream()
                .filter(p -> uid.equals(p.getMetadata().getLabels().get("controller-uid")))
                .map(p -> p.getMetadata().getName()).findFirst().orElse(null);
        if (existing != null) {
            return existing;
        }
        Pod pod = newPod(job);
        String name = pod.getMetadata().getName();
        createPod(namespace, pod);
        writePodStatus(namespace, name, new PodStatusBuilder().withPhase("Pending").build());
        writeJobStatus(namespace, jobName, new JobStatusBuilder().withActive(1).withStartTime(now()).build());
        LOG.debug("stand-in: pod {} created for job {}", name, jobName);
        return name;
    }

    /** The name of the Job's pod, or null when there is none. */
    public String podName(String namespace, String jobName) {
        return client.pods().inNamespace(namespace).withLabel("job-name", jobName).list().getItems().stream()
                .map(p -> p.getMetadata().getName()).findFirst().orElse(null);
    }

    /** Serves {@code text} as the log of the Job's pod (creating the pod if needed). */
    public void writeLog(String namespace, String jobName, String text) {
        bed.scriptLog(namespace, startPod(namespace, jobName), text);
    }

    /** The pod is scheduled and its container runs. */
    public void running(String namespace, String jobName) {
        String pod = startPod(namespace, jobName);
        writePodStatus(namespace, pod, new PodStatusBuilder().withPhase("Running").withStartTime(now())
                .withConditions(condition("PodScheduled", "True", null, null), condition("Ready", "True", null, null))
                .withContainerStatuses(container(true, new ContainerStateBuilder().withNewRunning().withStartedAt(now())
                        .endRunning().build()))
                .build());
    }

    /** The container exited 0 and the Job completed. */
    public void succeed(String namespace, String jobName) {
        String pod = startPod(namespace, jobName);
        writePodStatus(namespace, pod, terminated("Succeeded", null, null, 0, "Completed"));
        String now = now();
        writeJobStatus(namespace, jobName, new JobStatusBuilder().withSucceeded(1).withActive(0).withStartTime(now)
                .withCompletionTime(now)
                .withConditions(jobCondition("SuccessCriteriaMet", "CompletionsReached", "Reached expected number of succeeded pods"),
                        jobCondition("Complete", "CompletionsReached", "Reached expected number of succeeded pods"))
                .build());
    }

    /** The container exited with {@code exitCode} and the Job failed (backoff limit reached). */
    public void fail(String namespace, String jobName, int exitCode) {
        String pod = startPod(namespace, jobName);
        writePodStatus(namespace, pod, terminated("Failed", null, null, exitCode, "Error"));
        backoffLimitExceeded(namespace, jobName);
    }

    /** The kubelet evicted the pod (node pressure), then the Job failed. */
    public void evict(String namespace, String jobName) {
        String pod = startPod(namespace, jobName);
        writePodStatus(namespace, pod, new PodStatusBuilder().withPhase("Failed").withReason("Evicted")
                .withMessage("The node was low on resource: memory. Threshold quantity: 100Mi, available: 50Mi.")
                .withContainerStatuses(container(false, new ContainerStateBuilder().withNewTerminated().withExitCode(137)
                        .withReason("ContainerStatusUnknown").withFinishedAt(now()).endTerminated().build()))
                .build());
        backoffLimitExceeded(namespace, jobName);
    }

    /**
     * The container was killed for exceeding its memory limit. Only the pod changes: the Job is
     * left active, so a gateway that waits for the Job to fail never finishes.
     */
    public void oomKill(String namespace, String jobName) {
        String pod = startPod(namespace, jobName);
        writePodStatus(namespace, pod, terminated("Failed", null, null, 137, "OOMKilled"));
    }

    /**
     * The container cannot start: waiting with {@code reason} ({@code ImagePullBackOff},
     * {@code ErrImagePull}, {@code InvalidImageName}, {@code CreateContainerConfigError}) and the
     * kubelet's {@code message}. The Job is left active, as a real one would be for ever.
     */
    public void waiting(String namespace, String jobName, String reason, String message) {
        String pod = startPod(namespace, jobName);
        writePodStatus(namespace, pod, new PodStatusBuilder().withPhase("Pending")
                .withConditions(condition("PodScheduled", "True", null, null))
                .withContainerStatuses(container(false, new ContainerStateBuilder().withNewWaiting().withReason(reason)
                        .withMessage(message).endWaiting().build()))
                .build());
    }

    /**
     * The scheduler cannot place the pod: condition {@code PodScheduled=False}, reason
     * {@code Unschedulable}, transition time now (whole seconds, as the API serializes it); returns that time.
     */
    public Instant unschedulable(String namespace, String jobName, String message) {
        String pod = startPod(namespace, jobName);
        Instant at = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        writePodStatus(namespace, pod, new PodStatusBuilder().withPhase("Pending")
                .withConditions(new PodConditionBuilder().withType("PodScheduled").withStatus("False")
                        .withReason("Unschedulable").withMessage(message).withLastTransitionTime(at.toString()).build())
                .build());
        return at;
    }

    /** The Job ran longer than its activeDeadlineSeconds: its pod is killed and the Job failed. */
    public void deadlineExceeded(String namespace, String jobName) {
        String pod = startPod(namespace, jobName);
        writePodStatus(namespace, pod, terminated("Failed", "DeadlineExceeded", "Pod was active on the node longer than the specified deadline",
                137, "Error"));
        writeJobStatus(namespace, jobName, new JobStatusBuilder().withFailed(1).withActive(0).withStartTime(now())
                .withConditions(jobCondition("FailureTarget", "DeadlineExceeded", "Job was active longer than specified deadline"),
                        jobCondition("Failed", "DeadlineExceeded", "Job was active longer than specified deadline"))
                .build());
    }

    /**
     * An Indexed Job under way, as its controller writes it: these indexes succeeded
     * ({@code completedIndexes} as ranges), {@code failedPods} pods failed, {@code active} run.
     */
    public void indexedProgress(String namespace, String jobName, java.util.SortedSet<Integer> succeeded, int failedPods,
                                int active) {
        IndexedState state = new IndexedState();
        state.succeeded.addAll(succeeded);
        state.failedPods = failedPods;
        state.active = active;
        writeJobStatus(namespace, jobName, indexedStatus(state, now()));
    }

    /** A pod of completion index {@code index} of an Indexed Job ran and exited with {@code exitCode} (non-zero: failed); returns its name. */
    public String indexedPodExited(String namespace, String jobName, int index, int exitCode) {
        Pod pod = newPod(job(namespace, jobName), index);
        createPod(namespace, pod);
        String name = pod.getMetadata().getName();
        writePodStatus(namespace, name, terminated(exitCode == 0 ? "Succeeded" : "Failed", null, null, exitCode,
                exitCode == 0 ? "Completed" : "Error"));
        return name;
    }

    /**
     * An Indexed Job that ended: {@code Complete} when {@code failedIndexes} is empty, else {@code Failed} with
     * reason {@code FailedIndexes} (backoffLimitPerIndex spent for those indexes).
     */
    public void indexedEnded(String namespace, String jobName, java.util.SortedSet<Integer> succeeded,
                             java.util.SortedSet<Integer> failedIndexes) {
        IndexedState state = new IndexedState();
        state.succeeded.addAll(succeeded);
        state.failedIndexes.addAll(failedIndexes);
        state.failedPods = failedIndexes.size();
        JobStatus status = indexedStatus(state, now());
        status.setConditions(failedIndexes.isEmpty()
                ? List.of(jobCondition("SuccessCriteriaMet", "CompletionsReached", "Reached expected number of succeeded pods"),
                        jobCondition("Complete", "CompletionsReached", "Reached expected number of succeeded pods"))
                : List.of(jobCondition("FailureTarget", "FailedIndexes", "Job has failed indexes"),
                        jobCondition("Failed", "FailedIndexes", "Job has failed indexes")));
        writeJobStatus(namespace, jobName, status);
    }

    /** Plays the garbage collector after a Job was deleted: removes the pods it owned. */
    public void collectGarbage(String namespace, String jobName) {
        client.pods().inNamespace(namespace).withLabel("job-name", jobName).delete();
    }

    /**
     * Plays the Job controller whose pod create the API server refused (Pod Security admission, a
     * missing service account, a quota): no pod, and a Warning event {@code FailedCreate} on the Job
     * with the controller's message, {@code Error creating: <message>}.
     */
    public void failedCreate(String namespace, String jobName, String message) {
        Job job = client.batch().v1().jobs().inNamespace(namespace).withName(jobName).get();
        Objects.requireNonNull(job, "no Job " + namespace + "/" + jobName);
        client.v1().events().inNamespace(namespace).resource(new io.fabric8.kubernetes.api.model.EventBuilder()
                .withNewMetadata().withName(jobName + "." + suffix()).withNamespace(namespace).endMetadata()
                .withNewInvolvedObject().withApiVersion("batch/v1").withKind("Job").withNamespace(namespace)
                .withName(jobName).withUid(job.getMetadata().getUid()).endInvolvedObject()
                .withReason("FailedCreate").withType("Warning").withMessage("Error creating: " + message)
                .withNewSource().withComponent("job-controller").endSource()
                .withFirstTimestamp(now()).withLastTimestamp(now()).withCount(1)
                .build()).create();
    }

    // ---- automatic mode ----

    /** How the automatic mode plays the control plane: its delays and the one node it schedules on. */
    public static final class Options {
        private final Duration completionDelay;
        private final Duration imagePullBackOffAfter;
        private final Duration deadlineLateness;
        private final Duration failedCreateRetry;
        private final Duration podRetryDelay;
        private final int parallelPods;
        private final Map<String, String> nodeLabels;
        private final String nodeCpu;
        private final String nodeMemory;
        private final boolean admission;

        private Options(Builder b) {
            this.completionDelay = b.completionDelay;
            this.imagePullBackOffAfter = b.imagePullBackOffAfter;
            this.deadlineLateness = b.deadlineLateness;
            this.failedCreateRetry = b.failedCreateRetry;
            this.podRetryDelay = b.podRetryDelay;
            this.parallelPods = b.parallelPods;
            this.nodeLabels = Map.copyOf(b.nodeLabels);
            this.nodeCpu = b.nodeCpu;
            this.nodeMemory = b.nodeMemory;
            this.admission = b.admission;
        }

        /** The defaults: a modest control plane (see {@link Builder}). */
        public static Options defaults() {
            return builder().build();
        }

        /** Options, starting from the defaults. */
        public static Builder builder() {
            return new Builder();
        }

        /** Builder for {@link Options}. */
        public static final class Builder {
            private Duration completionDelay = Duration.ofSeconds(1);
            private Duration imagePullBackOffAfter = Duration.ofSeconds(1);
            private Duration deadlineLateness = Duration.ZERO;
            private Duration failedCreateRetry = Duration.ofSeconds(1);
            private Duration podRetryDelay = Duration.ofSeconds(1);
            private int parallelPods = 4;
            private final Map<String, String> nodeLabels = new LinkedHashMap<>(Map.of(
                    "kubernetes.io/hostname", NODE, "kubernetes.io/os", "linux", "kubernetes.io/arch", "amd64"));
            private String nodeCpu = String.valueOf(Runtime.getRuntime().availableProcessors());
            private String nodeMemory = machineMemory();
            private boolean admission = true;

            private Builder() {
            }

            /**
             * How long after its pod succeeded the Job gets {@code Complete} (default 1 s; a real
             * controller takes about that, more under load).
             */
            public Builder completionDelay(Duration d) {
                this.completionDelay = d;
                return this;
            }

            /** How long a pod shows {@code ErrImagePull} before {@code ImagePullBackOff} (default 1 s). */
            public Builder imagePullBackOffAfter(Duration d) {
                this.imagePullBackOffAfter = d;
                return this;
            }

            /** How late {@code activeDeadlineSeconds} is enforced (default 0; real control planes were seen ~60 s late). */
            public Builder deadlineLateness(Duration d) {
                this.deadlineLateness = d;
                return this;
            }

            /** The first wait before the controller retries a refused pod (doubling, up to a minute; default 1 s). */
            public Builder failedCreateRetry(Duration d) {
                this.failedCreateRetry = d;
                return this;
            }

            /** The wait before a failed pod of a Job with retries left is replaced (default 1 s; a real controller: 10 s, doubling). */
            public Builder podRetryDelay(Duration d) {
                this.podRetryDelay = d;
                return this;
            }

            /** How many pods run at once (default 4); more wait as created pods do on a busy node. */
            public Builder parallelPods(int n) {
                this.parallelPods = n;
                return this;
            }

            /** A label of the node (for {@code nodeSelector}). */
            public Builder nodeLabel(String key, String value) {
                this.nodeLabels.put(key, value);
                return this;
            }

            /** The node's allocatable CPU and memory as quantities (default: this machine's). */
            public Builder nodeAllocatable(String cpu, String memory) {
                this.nodeCpu = cpu;
                this.nodeMemory = memory;
                return this;
            }

            /** Whether pods are checked as the API server's admission would (default true). */
            public Builder admission(boolean on) {
                this.admission = on;
                return this;
            }

            /** The options. */
            public Options build() {
                if (parallelPods < 1) {
                    throw new IllegalArgumentException("parallelPods must be at least 1, was " + parallelPods);
                }
                return new Options(this);
            }

            private static String machineMemory() {
                if (java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                        instanceof com.sun.management.OperatingSystemMXBean os) {
                    return String.valueOf(os.getTotalMemorySize());
                }
                return "8Gi";
            }
        }
    }

    /** The name of the one node of the bed. */
    public static final String NODE = "valence-bed-node";

    /**
     * Plays the controller, the scheduler and the kubelet for every Job with
     * {@code app.kubernetes.io/managed-by=valence} created from now on in any namespace: admits the
     * Job's pod (or records {@code FailedCreate} events), schedules it on the bed's node (or leaves it
     * Pending with {@code FailedScheduling}), calls {@code runner}, serves the log, writes the pod's
     * status as a kubelet does, replaces failed pods while the backoff limit allows, and then marks
     * the Job {@code Complete} or {@code Failed} after {@link Options.Builder#completionDelay}.
     * Enforces {@code activeDeadlineSeconds}; kills the pod's container when its Job is deleted.
     * Stops on {@link #close()}.
     */
    public void runJobsWith(PodRunner runner) {
        ExecutorService pool = Executors.newFixedThreadPool(options.parallelPods, r -> {
            Thread t = new Thread(r, "job-controller-stand-in");
            t.setDaemon(true);
            return t;
        });
        ensureNode();
        Set<String> started = ConcurrentHashMap.newKeySet();
        SharedIndexInformer<Job> informer = client.batch().v1().jobs().inAnyNamespace()
                .withLabel("app.kubernetes.io/managed-by", "valence")
                .inform(new ResourceEventHandler<>() {
                    @Override
                    public void onAdd(Job job) {
                        String ns = job.getMetadata().getNamespace();
                        String name = job.getMetadata().getName();
                        if (job.getStatus() == null || job.getStatus().getConditions() == null
                                || job.getStatus().getConditions().isEmpty()) {
                            if (started.add(ns + "/" + name + "/" + job.getMetadata().getUid())) {
                                pool.submit(() -> controlJob(runner, job));
                            }
                        }
                    }

                    @Override
                    public void onUpdate(Job oldJob, Job newJob) {
                    }

                    @Override
                    public void onDelete(Job job, boolean unknownFinalState) {
                        String ns = job.getMetadata().getNamespace();
                        String name = job.getMetadata().getName();
                        gone.add(ns + "/" + name + "/" + job.getMetadata().getUid());
                        String pod = activePods.remove(ns + "/" + name);
                        if (pod != null) {
                            runner.kill(ns, pod);
                        }
                        killIndexed(runner, ns, name);
                        try {
                            collectGarbage(ns, name);
                        } catch (KubernetesClientException e) {
                            if (!(e.getCause() instanceof java.io.InterruptedIOException)) {
                                throw e;
                            }
                            LOG.debug("stand-in: closed while collecting the pods of {}", name);
                        }
                    }
                });
        indexedPods = Executors.newFixedThreadPool(options.parallelPods, r -> {
            Thread t = new Thread(r, "job-controller-stand-in-indexed");
            t.setDaemon(true);
            return t;
        });
        ExecutorService podPool = indexedPods;
        running.add(() -> {
            informer.close();
            pool.shutdownNow();
            podPool.shutdownNow();
            activePods.forEach((job, pod) -> runner.kill(job.substring(0, job.indexOf('/')), pod));
            activeIndexedPods.forEach((job, pods) -> pods.forEach(p -> runner.kill(job.substring(0, job.indexOf('/')), p)));
            pool.awaitTermination(10, TimeUnit.SECONDS);
        });
    }

    private void killIndexed(PodRunner runner, String ns, String jobName) {
        Set<String> pods = activeIndexedPods.remove(ns + "/" + jobName);
        if (pods != null) {
            pods.forEach(p -> runner.kill(ns, p));
        }
    }

    /** Where an Indexed Job stands, as its controller counts it. */
    private static final class IndexedState {
        final java.util.TreeSet<Integer> succeeded = new java.util.TreeSet<>();
        final java.util.TreeSet<Integer> failedIndexes = new java.util.TreeSet<>();
        final Map<Integer, Integer> failuresOf = new java.util.HashMap<>();
        int failedPods;
        int active;
        boolean jobFailed;
        /** Pods left waiting for ever (an image never pulled, unschedulable): the Job never ends. */
        boolean stuck;
        /** The counts changed since the status was last written. */
        boolean dirty;
    }

    /** How often an Indexed Job's status is written while its pods run: the controller batches pod events into one sync. */
    static final Duration INDEXED_STATUS_EVERY = Duration.ofMillis(100);

    /**
     * Plays the Job controller for {@code completionMode: Indexed}: one pod per index, at most
     * {@code parallelism} at once, named {@code <job>-<index>-<suffix>} with the annotation and label
     * {@code batch.kubernetes.io/job-completion-index} (the container's {@code JOB_COMPLETION_INDEX} comes from
     * it by the downward API, as the real controller injects it); {@code status.completedIndexes} as
     * compressed ranges, {@code succeeded}/{@code failed}/{@code active}; a failed pod replaced while
     * {@code backoffLimitPerIndex} (per index, then the index is in {@code failedIndexes}) or
     * {@code backoffLimit} (for the whole Job) allows; then {@code Complete}, or {@code Failed} with
     * {@code FailedIndexes} or {@code BackoffLimitExceeded}.
     */
    private void controlIndexedJob(PodRunner runner, Job job) throws InterruptedException {
        String ns = job.getMetadata().getNamespace();
        String jobName = job.getMetadata().getName();
        String key = ns + "/" + jobName + "/" + job.getMetadata().getUid();
        int n = job.getSpec().getCompletions() == null ? 1 : job.getSpec().getCompletions();
        int parallelism = job.getSpec().getParallelism() == null ? n : Math.max(1, job.getSpec().getParallelism());
        Integer perIndex = job.getSpec().getBackoffLimitPerIndex();
        int backoffLimit = Objects.requireNonNullElse(job.getSpec().getBackoffLimit(), perIndex != null ? Integer.MAX_VALUE : 6);
        Long deadline = job.getSpec().getActiveDeadlineSeconds();
        String startTime = now();
        if (deadline != null) {
            timers.schedule(() -> enforceDeadline(runner, job), TimeUnit.SECONDS.toMillis(deadline)
                    + options.deadlineLateness.toMillis(), TimeUnit.MILLISECONDS);
        }
        IndexedState state = new IndexedState();
        java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();
        writeJobStatus(ns, jobName, indexedStatus(state, startTime));
        java.util.concurrent.ScheduledFuture<?> flusher = timers.scheduleWithFixedDelay(() -> {
            JobStatus status;
            synchronized (state) {
                if (!state.dirty || gone.contains(key) || deadlineHit.contains(key)) {
                    return;
                }
                state.dirty = false;
                status = indexedStatus(state, startTime);
            }
            try {
                writeJobStatus(ns, jobName, status);
            } catch (RuntimeException e) {
                LOG.debug("stand-in: job {}/{} is gone", ns, jobName);
            }
        }, INDEXED_STATUS_EVERY.toMillis(), INDEXED_STATUS_EVERY.toMillis(), TimeUnit.MILLISECONDS);
        List<java.util.concurrent.Future<?>> workers = new ArrayList<>();
        for (int w = 0; w < Math.min(parallelism, n); w++) {
            workers.add(indexedPods.submit(() -> {
                for (int index = next.getAndIncrement(); index < n; index = next.getAndIncrement()) {
                    synchronized (state) {
                        if (state.jobFailed || state.stuck) {
                            return null;
                        }
                    }
                    if (gone.contains(key) || deadlineHit.contains(key)) {
                        return null;
                    }
                    runIndex(runner, job, index, state, perIndex, backoffLimit, startTime, key);
                }
                return null;
            }));
        }
        try {
            for (java.util.concurrent.Future<?> f : workers) {
                try {
                    f.get();
                } catch (java.util.concurrent.ExecutionException e) {
                    LOG.warn("stand-in: an index of job {}/{} failed to run", ns, jobName, e.getCause());
                }
            }
        } finally {
            flusher.cancel(false);
        }
        if (gone.contains(key) || deadlineHit.contains(key) || state.stuck) {
            return;
        }
        timers.schedule(() -> {
            if (gone.contains(key) || deadlineHit.contains(key)) {
                return;
            }
            try {
                JobStatus status;
                synchronized (state) {
                    status = indexedStatus(state, startTime);
                    if (state.jobFailed) {
                        status.setConditions(List.of(jobCondition("FailureTarget", "BackoffLimitExceeded", "Job has reached the specified backoff limit"),
                                jobCondition("Failed", "BackoffLimitExceeded", "Job has reached the specified backoff limit")));
                    } else if (!state.failedIndexes.isEmpty()) {
                        status.setConditions(List.of(jobCondition("FailureTarget", "FailedIndexes", "Job has failed indexes"),
                                jobCondition("Failed", "FailedIndexes", "Job has failed indexes")));
                    } else {
                        status.setCompletionTime(now());
                        status.setConditions(List.of(jobCondition("SuccessCriteriaMet", "CompletionsReached", "Reached expected number of succeeded pods"),
                                jobCondition("Complete", "CompletionsReached", "Reached expected number of succeeded pods")));
                    }
                }
                writeJobStatus(ns, jobName, status);
            } catch (RuntimeException e) {
                LOG.debug("stand-in: job {}/{} is gone", ns, jobName);
            }
        }, options.completionDelay.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Runs one index to success, or until its retries (or the Job's) are spent. */
    private void runIndex(PodRunner runner, Job job, int index, IndexedState state, Integer perIndex, int backoffLimit,
                          String startTime, String key) throws InterruptedException {
        String ns = job.getMetadata().getNamespace();
        String jobName = job.getMetadata().getName();
        while (!gone.contains(key) && !deadlineHit.contains(key)) {
            Pod pod = newPod(job, index);
            Optional<String> refused = options.admission ? Admission.refusal(client, pod) : Optional.empty();
            if (refused.isPresent()) {
                synchronized (state) {
                    if (state.stuck) {
                        return;
                    }
                    state.stuck = true;
                }
                failedCreate(job, refused.get(), key);
                return;
            }
            Pod created = createPod(ns, pod);
            String podName = pod.getMetadata().getName();
            synchronized (state) {
                state.active++;
                state.dirty = true;
            }
            Optional<String> unschedulable = Admission.unschedulable(pod, node());
            if (unschedulable.isPresent()) {
                writePodStatus(ns, podName, new PodStatusBuilder().withPhase("Pending")
                        .withConditions(new PodConditionBuilder().withType("PodScheduled").withStatus("False")
                                .withReason("Unschedulable").withMessage(unschedulable.get())
                                .withLastTransitionTime(now()).build()).build());
                synchronized (state) {
                    state.stuck = true;
                }
                return;
            }
            Set<String> active = activeIndexedPods.computeIfAbsent(ns + "/" + jobName, k -> ConcurrentHashMap.newKeySet());
            active.add(podName);
            Result result = runPod(runner, job, created);
            active.remove(podName);
            if (gone.contains(key) || deadlineHit.contains(key)) {
                return;
            }
            if (result.waiting()) {
                waitingForever(ns, podName, result, pod);
                synchronized (state) {
                    state.stuck = true;
                }
                return;
            }
            bed.scriptLog(ns, podName, result.log());
            boolean ok = result.exitCode() == 0;
            patchOwnPodStatus(ns, podName, terminated(ok ? "Succeeded" : "Failed", null, null, result.exitCode(), result.reason()));
            synchronized (state) {
                state.active--;
                if (ok) {
                    state.succeeded.add(index);
                } else {
                    state.failedPods++;
                    int failures = state.failuresOf.merge(index, 1, Integer::sum);
                    if (perIndex != null && failures > perIndex) {
                        state.failedIndexes.add(index);
                    } else if (perIndex == null && state.failedPods > backoffLimit) {
                        state.jobFailed = true;
                    }
                }
                state.dirty = true;
                if (ok || state.jobFailed || state.failedIndexes.contains(index)) {
                    return;
                }
            }
            Thread.sleep(options.podRetryDelay.toMillis());
        }
    }

    private static JobStatus indexedStatus(IndexedState state, String startTime) {
        return new JobStatusBuilder().withStartTime(startTime).withActive(state.active)
                .withSucceeded(state.succeeded.size()).withFailed(state.failedPods)
                .withCompletedIndexes(ranges(state.succeeded)).withFailedIndexes(ranges(state.failedIndexes))
                .build();
    }

    /** Indexes as the Job status writes them: {@code 0-3,5,7-8}; null when there are none. */
    static String ranges(java.util.SortedSet<Integer> indexes) {
        if (indexes.isEmpty()) {
            return null;
        }
        StringBuilder out = new StringBuilder();
        Integer start = null;
        Integer last = null;
        for (int i : indexes) {
            if (last != null && i == last + 1) {
                last = i;
                continue;
            }
            if (start != null) {
                out.append(out.length() == 0 ? "" : ",").append(start.equals(last) ? "" + start : start + "-" + last);
            }
            start = i;
            last = i;
        }
        out.append(out.length() == 0 ? "" : ",").append(start.equals(last) ? "" + start : start + "-" + last);
        return out.toString();
    }

    private void controlJob(PodRunner runner, Job job) {
        if ("Indexed".equals(job.getSpec().getCompletionMode())) {
            try {
                controlIndexedJob(runner, job);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                LOG.warn("stand-in: running indexed job {}/{} failed", job.getMetadata().getNamespace(),
                        job.getMetadata().getName(), e);
            }
            return;
        }
        String ns = job.getMetadata().getNamespace();
        String jobName = job.getMetadata().getName();
        String key = ns + "/" + jobName + "/" + job.getMetadata().getUid();
        try {
            int backoffLimit = Objects.requireNonNullElse(job.getSpec().getBackoffLimit(), 6);
            Long deadline = job.getSpec().getActiveDeadlineSeconds();
            String startTime = now();
            if (deadline != null) {
                timers.schedule(() -> enforceDeadline(runner, job), TimeUnit.SECONDS.toMillis(deadline)
                        + options.deadlineLateness.toMillis(), TimeUnit.MILLISECONDS);
            }
            int failed = 0;
            while (!gone.contains(key)) {
                Pod pod = newPod(job);
                Optional<String> refused = options.admission ? Admission.refusal(client, pod) : Optional.empty();
                if (refused.isPresent()) {
                    failedCreate(job, refused.get(), key);
                    return;
                }
                Pod created = createPod(ns, pod);
                String podName = pod.getMetadata().getName();
                writeJobStatus(ns, jobName, new JobStatusBuilder().withActive(1).withFailed(failed == 0 ? null : failed)
                        .withStartTime(startTime).build());
                Optional<String> unschedulable = Admission.unschedulable(pod, node());
                if (unschedulable.isPresent()) {
                    writePodStatus(ns, podName, new PodStatusBuilder().withPhase("Pending")
                            .withConditions(new PodConditionBuilder().withType("PodScheduled").withStatus("False")
                                    .withReason("Unschedulable").withMessage(unschedulable.get())
                                    .withLastTransitionTime(now()).build()).build());
                    event(ns, "Pod", "v1", podName, pod.getMetadata().getUid(), "FailedScheduling", unschedulable.get(),
                            "default-scheduler", 1);
                    return; // stays Pending: the bed has one node and it never grows
                }
                activePods.put(ns + "/" + jobName, podName);
                Result result = runPod(runner, job, created);
                activePods.remove(ns + "/" + jobName);
                if (gone.contains(key) || deadlineHit.contains(key)) {
                    return;
                }
                if (result.waiting()) {
                    waitingForever(ns, podName, result, pod);
                    return;
                }
                bed.scriptLog(ns, podName, result.log());
                Pod after = client.pods().inNamespace(ns).withName(podName).get();
                String phase = after == null || after.getStatus() == null ? null : after.getStatus().getPhase();
                if ("Failed".equals(phase)) { // the kubelet's part already ended the pod (an eviction): keep its status
                    result = new Result(result.exitCode() == 0 ? 137 : result.exitCode(), result.log(), "Evicted", null, false);
                } else if (result.exitCode() == 0) {
                    writePodStatus(ns, podName, terminated("Succeeded", null, null, 0, result.reason()));
                    int f = failed;
                    timers.schedule(() -> complete(ns, jobName, startTime, key, f), options.completionDelay.toMillis(),
                            TimeUnit.MILLISECONDS);
                    return;
                }
                if (!"Failed".equals(phase)) {
                    writePodStatus(ns, podName, terminated("Failed", null, null, result.exitCode(), result.reason()));
                }
                failed++;
                if (failed > backoffLimit) {
                    int f = failed;
                    timers.schedule(() -> {
                        if (!gone.contains(key) && !deadlineHit.contains(key)) {
                            writeJobStatus(ns, jobName, new JobStatusBuilder().withFailed(f).withActive(0).withStartTime(startTime)
                                    .withConditions(jobCondition("FailureTarget", "BackoffLimitExceeded", "Job has reached the specified backoff limit"),
                                            jobCondition("Failed", "BackoffLimitExceeded", "Job has reached the specified backoff limit"))
                                    .build());
                        }
                    }, options.completionDelay.toMillis(), TimeUnit.MILLISECONDS);
                    return;
                }
                Thread.sleep(options.podRetryDelay.toMillis() << Math.min(failed - 1, 6));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            if (gone.contains(key)) {
                LOG.debug("stand-in: job {}/{} was deleted while it ran", ns, jobName, e);
            } else {
                LOG.warn("stand-in: running job {}/{} failed", ns, jobName, e);
            }
        }
    }

    private Result runPod(PodRunner runner, Job job, Pod pod) throws InterruptedException {
        String ns = pod.getMetadata().getNamespace();
        String podName = pod.getMetadata().getName();
        patchOwnPodStatus(ns, podName, new PodStatusBuilder().withPhase("Pending")
                .withConditions(condition("PodScheduled", "True", null, null))
                .withContainerStatuses(container(false, new ContainerStateBuilder().withNewWaiting()
                        .withReason("ContainerCreating").endWaiting().build()))
                .build());
        PodStatusSink sink = new PodStatusSink() {
            @Override
            public void started() {
                String at = now();
                patchOwnPodStatus(ns, podName, new PodStatusBuilder().withPhase("Running").withStartTime(at)
                        .withConditions(condition("PodScheduled", "True", null, null), condition("Ready", "True", null, null))
                        .withContainerStatuses(container(true, new ContainerStateBuilder().withNewRunning().withStartedAt(at)
                                .endRunning().build()))
                        .build());
            }

            @Override
            public void log(String text) {
                bed.scriptLog(ns, podName, text);
            }
        };
        if (!runner.reportsStart()) {
            sink.started();
        }
        Pod stored = pod; // as created: the API server's copy, read by no further GET
        Container c = stored.getSpec().getContainers().get(0);
        Map<String, String> env = new LinkedHashMap<>();
        for (EnvVar e : Objects.requireNonNullElse(c.getEnv(), List.<EnvVar>of())) {
            env.put(e.getName(), e.getValue() == null && e.getValueFrom() != null ? downward(stored, e)
                    : Objects.requireNonNullElse(e.getValue(), ""));
        }
        Map<String, String> mounts = new LinkedHashMap<>();
        for (VolumeMount m : Objects.requireNonNullElse(c.getVolumeMounts(), List.<VolumeMount>of())) {
            for (Volume v : Objects.requireNonNullElse(stored.getSpec().getVolumes(), List.<Volume>of())) {
                if (v.getName().equals(m.getName()) && v.getHostPath() != null) {
                    mounts.put(v.getHostPath().getPath(), m.getMountPath());
                }
            }
        }
        List<String> command = new ArrayList<>(Objects.requireNonNullElse(c.getCommand(), List.of()));
        command.addAll(Objects.requireNonNullElse(c.getArgs(), List.of()));
        try {
            return runner.run(new PodRun(ns, job.getMetadata().getName(), podName, c.getImage(), List.copyOf(command),
                    Map.copyOf(env), Map.copyOf(mounts), stored, sink));
        } catch (InterruptedException e) {
            throw e;
        } catch (Exception e) {
            LOG.warn("stand-in: the runner failed on pod {}/{}", ns, podName, e);
            return new Result(1, "stand-in: the runner failed: " + e + "\n");
        }
    }

    private void waitingForever(String ns, String podName, Result result, Pod pod) {
        writeWaiting(ns, podName, result.reason(), result.message());
        if (result.reason().equals("ErrImagePull")) {
            String image = pod.getSpec().getContainers().get(0).getImage();
            timers.schedule(() -> writeWaiting(ns, podName, "ImagePullBackOff", "Back-off pulling image \"" + image + "\""),
                    options.imagePullBackOffAfter.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private void writeWaiting(String ns, String podName, String reason, String message) {
        try {
            writePodStatus(ns, podName, new PodStatusBuilder().withPhase("Pending")
                    .withConditions(condition("PodScheduled", "True", null, null))
                    .withContainerStatuses(container(false, new ContainerStateBuilder().withNewWaiting().withReason(reason)
                            .withMessage(message).endWaiting().build()))
                    .build());
        } catch (RuntimeException e) {
            LOG.debug("stand-in: pod {}/{} is gone", ns, podName);
        }
    }

    private void complete(String ns, String jobName, String startTime, String key, int failed) {
        if (gone.contains(key)) {
            return;
        }
        try {
            writeJobStatus(ns, jobName, new JobStatusBuilder().withSucceeded(1).withActive(0).withFailed(failed == 0 ? null : failed)
                    .withStartTime(startTime).withCompletionTime(now())
                    .withConditions(jobCondition("SuccessCriteriaMet", "CompletionsReached", "Reached expected number of succeeded pods"),
                            jobCondition("Complete", "CompletionsReached", "Reached expected number of succeeded pods"))
                    .build());
        } catch (RuntimeException e) {
            LOG.debug("stand-in: job {}/{} is gone", ns, jobName);
        }
    }

    private void enforceDeadline(PodRunner runner, Job job) {
        String ns = job.getMetadata().getNamespace();
        String jobName = job.getMetadata().getName();
        String key = ns + "/" + jobName + "/" + job.getMetadata().getUid();
        Job now = client.batch().v1().jobs().inNamespace(ns).withName(jobName).get();
        if (gone.contains(key) || now == null || !Objects.equals(now.getMetadata().getUid(), job.getMetadata().getUid())
                || now.getStatus() != null && now.getStatus().getConditions() != null && !now.getStatus().getConditions().isEmpty()) {
            return;
        }
        deadlineHit.add(key);
        String pod = activePods.remove(ns + "/" + jobName);
        if (pod != null) {
            runner.kill(ns, pod);
        }
        killIndexed(runner, ns, jobName);
        try {
            deadlineExceeded(ns, jobName);
        } catch (RuntimeException e) {
            LOG.debug("stand-in: job {}/{} is gone", ns, jobName);
        }
    }

    /** Records the controller's {@code FailedCreate} warnings on the Job, retrying with backoff until it is deleted. */
    private void failedCreate(Job job, String forbidden, String key) throws InterruptedException {
        String ns = job.getMetadata().getNamespace();
        String message = "Error creating: " + forbidden;
        LOG.debug("stand-in: {}/{}: {}", ns, job.getMetadata().getName(), message);
        long wait = options.failedCreateRetry.toMillis();
        int count = 0;
        String eventName = job.getMetadata().getName() + "." + Long.toHexString(System.nanoTime());
        while (!gone.contains(key) && !deadlineHit.contains(key)) {
            count++;
            eventNamed(eventName, ns, "Job", "batch/v1", job.getMetadata().getName(), job.getMetadata().getUid(),
                    "FailedCreate", message, "job-controller", count);
            Thread.sleep(wait);
            wait = Math.min(60_000, wait * 2);
            if (client.batch().v1().jobs().inNamespace(ns).withName(job.getMetadata().getName()).get() == null) {
                return;
            }
        }
    }

    private void event(String ns, String kind, String apiVersion, String name, String uid, String reason, String message,
                       String component, int count) {
        eventNamed(name + "." + Long.toHexString(System.nanoTime()), ns, kind, apiVersion, name, uid, reason, message,
                component, count);
    }

    /** A Warning event as the control plane records it (core/v1, what {@code kubectl describe} shows). */
    private void eventNamed(String eventName, String ns, String kind, String apiVersion, String name, String uid,
                            String reason, String message, String component, int count) {
        String now = now();
        var existing = client.v1().events().inNamespace(ns).withName(eventName).get();
        Event event = new EventBuilder()
                .withNewMetadata().withName(eventName).withNamespace(ns).endMetadata()
                .withNewInvolvedObject().withKind(kind).withApiVersion(apiVersion).withNamespace(ns).withName(name)
                .withUid(uid).endInvolvedObject()
                .withReason(reason).withMessage(message).withType("Warning")
                .withNewSource().withComponent(component).endSource()
                .withReportingComponent(component).withReportingInstance("")
                .withFirstTimestamp(existing == null ? now : existing.getFirstTimestamp()).withLastTimestamp(now)
                .withCount(count)
                .build();
        if (existing == null) {
            client.v1().events().inNamespace(ns).resource(event).create();
        } else {
            client.v1().events().inNamespace(ns).resource(event).update();
        }
    }

    /** An env value from the downward API: {@code metadata.annotations['...']}, {@code metadata.name}; empty otherwise. */
    private static String downward(Pod pod, EnvVar e) {
        if (e.getValueFrom().getFieldRef() == null) {
            return "";
        }
        String path = e.getValueFrom().getFieldRef().getFieldPath();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("metadata\\.(annotations|labels)\\['(.+)'\\]").matcher(path);
        if (m.matches()) {
            Map<String, String> from = m.group(1).equals("annotations") ? pod.getMetadata().getAnnotations()
                    : pod.getMetadata().getLabels();
            return from == null ? "" : Objects.requireNonNullElse(from.get(m.group(2)), "");
        }
        return path.equals("metadata.name") ? pod.getMetadata().getName()
                : path.equals("metadata.namespace") ? pod.getMetadata().getNamespace() : "";
    }

    /** The annotation (and label) naming an Indexed Job pod's completion index. */
    public static final String COMPLETION_INDEX = "batch.kubernetes.io/job-completion-index";

    /**
     * A pod of an Indexed Job as the controller makes it: {@code <job>-<index>-<suffix>}, the index as
     * annotation and label, and {@code JOB_COMPLETION_INDEX} from the annotation in every container.
     */
    private Pod newPod(Job job, int index) {
        Pod pod = newPod(job);
        String jobName = job.getMetadata().getName();
        pod.getMetadata().setName(jobName + "-" + index + "-" + suffix());
        Map<String, String> annotations = new LinkedHashMap<>(Objects.requireNonNullElse(pod.getMetadata().getAnnotations(),
                Map.of()));
        annotations.put(COMPLETION_INDEX, Integer.toString(index));
        pod.getMetadata().setAnnotations(annotations);
        pod.getMetadata().getLabels().put(COMPLETION_INDEX, Integer.toString(index));
        pod.getSpec().setHostname(jobName + "-" + index);
        for (Container c : pod.getSpec().getContainers()) {
            List<EnvVar> env = new ArrayList<>(Objects.requireNonNullElse(c.getEnv(), List.<EnvVar>of()));
            env.add(new io.fabric8.kubernetes.api.model.EnvVarBuilder().withName("JOB_COMPLETION_INDEX").withNewValueFrom()
                    .withNewFieldRef().withFieldPath("metadata.annotations['" + COMPLETION_INDEX + "']").endFieldRef()
                    .endValueFrom().build());
            c.setEnv(env);
        }
        return pod;
    }

    private Pod newPod(Job job) {
        String ns = job.getMetadata().getNamespace();
        String jobName = job.getMetadata().getName();
        String uid = Objects.requireNonNullElse(job.getMetadata().getUid(), "uid-" + jobName);
        Map<String, String> labels = new LinkedHashMap<>();
        if (job.getSpec().getTemplate().getMetadata() != null && job.getSpec().getTemplate().getMetadata().getLabels() != null) {
            labels.putAll(job.getSpec().getTemplate().getMetadata().getLabels());
        }
        labels.put("job-name", jobName);
        labels.put("controller-uid", uid);
        labels.put("batch.kubernetes.io/job-name", jobName);
        labels.put("batch.kubernetes.io/controller-uid", uid);
        return new PodBuilder()
                .withNewMetadata().withName(jobName + "-" + suffix()).withNamespace(ns).withLabels(labels)
                .withUid(java.util.UUID.randomUUID().toString())
                .withOwnerReferences(new OwnerReferenceBuilder().withApiVersion("batch/v1").withKind("Job")
                        .withName(jobName).withUid(uid).withController(true).withBlockOwnerDeletion(true).build())
                .endMetadata()
                .withSpec(new PodSpecBuilder(job.getSpec().getTemplate().getSpec()).withNodeName(null).build())
                .withStatus(new PodStatusBuilder().withPhase("Pending").build())
                .build();
    }

    private void ensureNode() {
        if (client.nodes().withName(NODE).get() == null) {
            Map<String, Quantity> allocatable = Map.of("cpu", new Quantity(options.nodeCpu),
                    "memory", new Quantity(options.nodeMemory), "pods", new Quantity("110"));
            client.nodes().resource(new NodeBuilder().withNewMetadata().withName(NODE).withLabels(options.nodeLabels).endMetadata()
                    .withNewStatus().withCapacity(allocatable).withAllocatable(allocatable)
                    .addNewCondition().withType("Ready").withStatus("True").withReason("KubeletReady").endCondition()
                    .endStatus().build()).create();
        }
    }

    private Node node() {
        Node n = client.nodes().withName(NODE).get();
        return n != null ? n : new NodeBuilder().withNewMetadata().withName(NODE).endMetadata().build();
    }

    @Override
    public void close() {
        for (AutoCloseable c : running) {
            try {
                c.close();
            } catch (Exception e) {
                LOG.debug("stand-in: close failed", e);
            }
        }
        running.clear();
        timers.shutdownNow();
    }

    // ---- helpers ----

    private void backoffLimitExceeded(String namespace, String jobName) {
        writeJobStatus(namespace, jobName, new JobStatusBuilder().withFailed(1).withActive(0).withStartTime(now())
                .withConditions(jobCondition("FailureTarget", "BackoffLimitExceeded", "Job has reached the specified backoff limit"),
                        jobCondition("Failed", "BackoffLimitExceeded", "Job has reached the specified backoff limit"))
                .build());
    }

    private Job job(String namespace, String jobName) {
        Job job = client.batch().v1().jobs().inNamespace(namespace).withName(jobName).get();
        if (job == null) {
            throw new IllegalStateException("stand-in: no Job " + namespace + "/" + jobName);
        }
        return job;
    }

    /** Writes the Job's status; a Job deleted meanwhile (its result taken, cancelled) is left alone, as a controller does. */
    private void writeJobStatus(String namespace, String jobName, JobStatus status) {
        try {
            asKubeletWrites("status of Job " + jobName, () -> client.batch().v1().jobs().inNamespace(namespace).withName(jobName)
                    .editStatus(j -> {
                        j.setStatus(status);
                        return j;
                    }));
        } catch (KubernetesClientException e) {
            if (e.getCode() != 404) {
                throw e;
            }
            LOG.debug("stand-in: Job {}/{} is gone; its status is not written", namespace, jobName);
        }
    }

    /**
     * The kubelet's status of a pod it runs (pending, running, terminated), in one request: a merge patch of the
     * status subresource, as the kubelet patches it, instead of a read and a JSON patch ({@link #writePodStatus}).
     * Fields the new status leaves out stay (the kubelet keeps {@code startTime} too); lists are replaced, which for
     * the one container and the conditions this part writes whole is what the kubelet's strategic merge leaves.
     */
    private void patchOwnPodStatus(String namespace, String pod, PodStatus status) {
        // a JSON patch (RFC 6902) that sets each field this write has: the kubelet's strategic merge keys
        // containerStatuses and conditions by name and type, which the mock does not know — its merge patches
        // (fabric8's patchStatus(), JSON merge) append lists, leaving a waiting, a running and a terminated
        // status of the pod's one container; set whole, they are what the kubelet's merge leaves
        var json = client.getKubernetesSerialization();
        @SuppressWarnings("unchecked")
        Map<String, Object> fields = json.convertValue(status, Map.class);
        List<Map<String, Object>> ops = new ArrayList<>();
        fields.forEach((field, value) -> {
            if (value != null && !(value instanceof Map<?, ?> m && m.isEmpty()) && !(value instanceof List<?> l && l.isEmpty())) {
                ops.add(Map.of("op", "add", "path", "/status/" + field, "value", value));
            }
        });
        String body = json.asJson(ops);
        asKubeletWrites("status of pod " + pod, () -> client.pods().inNamespace(namespace).withName(pod).subresource("status")
                .patch(io.fabric8.kubernetes.client.dsl.base.PatchContext.of(io.fabric8.kubernetes.client.dsl.base.PatchType.JSON), body));
    }

    private void writePodStatus(String namespace, String pod, PodStatus status) {
        asKubeletWrites("status of pod " + pod, () -> client.pods().inNamespace(namespace).withName(pod).editStatus(p -> {
            p.setStatus(status);
            return p;
        }));
    }

    /** Creates the pod; when a create that got no answer is sent again, a pod already made counts as done. */
    /** Creates the pod; returns it as the API server stored it (uid, creation time), which the kubelet's part runs. */
    private Pod createPod(String namespace, Pod pod) {
        String name = pod.getMetadata().getName();
        AtomicBoolean sent = new AtomicBoolean();
        return asKubeletWrites("create of pod " + name, () -> {
            if (sent.getAndSet(true)) {
                Pod there = client.pods().inNamespace(namespace).withName(name).get();
                if (there != null) {
                    return there;
                }
            }
            return client.pods().inNamespace(namespace).resource(pod).create();
        });
    }

    /**
     * Runs one of the control plane's writes as the kubelet and the Job controller do: a write that got
     * no answer (a timeout, a lost connection) or a 5xx is sent again with backoff, because the loop
     * that owns the object is the only writer. The mock API server needs it too: a write that lands
     * while a closed watch's listener is being torn down fails there and never answers
     * (fabric8io/kubernetes-client#7858); the same write a moment later goes through and reaches
     * every watcher.
     */
    private static <T> T asKubeletWrites(String what, Supplier<T> write) {
        long backoffMs = 200;
        for (int attempt = 1; ; attempt++) {
            try {
                return write.get();
            } catch (KubernetesClientException e) {
                boolean unanswered = e.getCode() == 0 || e.getCode() >= 500;
                if (!unanswered || attempt == WRITE_ATTEMPTS) {
                    throw e;
                }
                LOG.debug("stand-in: {} got no answer ({}), sending it again in {} ms", what, e.getMessage(), backoffMs);
                try {
                    Thread.sleep(backoffMs);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
                backoffMs = Math.min(backoffMs * 2, 2_000);
            }
        }
    }

    private static PodStatus terminated(String phase, String reason, String message, int exitCode, String containerReason) {
        return new PodStatusBuilder().withPhase(phase).withReason(reason).withMessage(message)
                .withConditions(condition("PodScheduled", "True", null, null), condition("Ready", "False", "PodCompleted", null))
                .withContainerStatuses(container(false, new ContainerStateBuilder().withNewTerminated().withExitCode(exitCode)
                        .withReason(containerReason).withFinishedAt(now()).endTerminated().build()))
                .build();
    }

    private static ContainerStatus container(boolean ready, io.fabric8.kubernetes.api.model.ContainerState state) {
        return new ContainerStatusBuilder().withName("task").withReady(ready).withRestartCount(0).withState(state).build();
    }

    private static PodCondition condition(String type, String status, String reason, String message) {
        return new PodConditionBuilder().withType(type).withStatus(status).withReason(reason).withMessage(message)
                .withLastTransitionTime(now()).build();
    }

    private static JobCondition jobCondition(String type, String reason, String message) {
        String now = now();
        return new JobConditionBuilder().withType(type).withStatus("True").withReason(reason).withMessage(message)
                .withLastProbeTime(now).withLastTransitionTime(now).build();
    }

    private static String now() {
        return Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    }

    private static String suffix() {
        String alphabet = "bcdfghjklmnpqrstvwxz2456789";
        return ThreadLocalRandom.current().ints(5, 0, alphabet.length()).mapToObj(i -> String.valueOf(alphabet.charAt(i)))
                .collect(Collectors.joining());
    }
}
