package dev.valence.tck.cluster;

import io.fabric8.kubernetes.api.model.Container;
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
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Test stand-in for the Kubernetes Job controller and kubelet on an {@link ApiServerBed}: nothing
 * runs pods on the mock API server, so tests call this to create a Job's pod and write the statuses
 * a real cluster would write (running, succeeded, failed with each reason). Every change goes
 * through the API, so the gateway under test sees it the way it would see a real cluster.
 */
public final class JobControllerStandIn implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(JobControllerStandIn.class);

    private final ApiServerBed bed;
    private final KubernetesClient client;
    private final List<AutoCloseable> running = new ArrayList<>();

    /** What a pod would run: the Job's container, as the test's runner sees it. */
    public record PodRun(String namespace, String jobName, String podName, String image, List<String> command,
                         Map<String, String> env, Map<String, String> hostPathMounts) {

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

    /** What the pod's run ended with: its exit code and its log. */
    public record Result(int exitCode, String log) {
    }

    /** Plays a pod's container (the end-to-end test runs the real launcher in a child JVM here). */
    @FunctionalInterface
    public interface PodRunner {
        /** Runs the pod's command; the exit code decides whether the Job succeeds. */
        Result run(PodRun pod) throws Exception;
    }

    /** A stand-in writing to the bed's API server. */
    public JobControllerStandIn(ApiServerBed bed) {
        this.bed = bed;
        this.client = bed.client();
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
        Map<String, String> labels = new LinkedHashMap<>();
        if (job.getSpec().getTemplate().getMetadata() != null && job.getSpec().getTemplate().getMetadata().getLabels() != null) {
            labels.putAll(job.getSpec().getTemplate().getMetadata().getLabels());
        }
        labels.put("job-name", jobName);
        labels.put("controller-uid", uid);
        labels.put("batch.kubernetes.io/job-name", jobName);
        labels.put("batch.kubernetes.io/controller-uid", uid);
        String name = jobName + "-" + suffix();
        Pod pod = new PodBuilder()
                .withNewMetadata().withName(name).withNamespace(namespace).withLabels(labels)
                .withOwnerReferences(new OwnerReferenceBuilder().withApiVersion("batch/v1").withKind("Job")
                        .withName(jobName).withUid(uid).withController(true).withBlockOwnerDeletion(true).build())
                .endMetadata()
                .withSpec(job.getSpec().getTemplate().getSpec())
                .withStatus(new PodStatusBuilder().withPhase("Pending").build())
                .build();
        client.pods().inNamespace(namespace).resource(pod).create();
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

    /**
     * Plays the controller for every Job with {@code app.kubernetes.io/managed-by=valence} created
     * from now on in any namespace: creates its pod, marks it running, calls {@code runner}, serves
     * the returned log, then marks the Job succeeded (exit 0) or failed. Stops on {@link #close()}.
     */
    public void runJobsWith(PodRunner runner) {
        ExecutorService pool = Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "job-controller-stand-in");
            t.setDaemon(true);
            return t;
        });
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
                                pool.submit(() -> runOne(runner, ns, name));
                            }
                        }
                    }

                    @Override
                    public void onUpdate(Job oldJob, Job newJob) {
                    }

                    @Override
                    public void onDelete(Job job, boolean unknownFinalState) {
                        collectGarbage(job.getMetadata().getNamespace(), job.getMetadata().getName());
                    }
                });
        running.add(() -> {
            informer.close();
            pool.shutdownNow();
            pool.awaitTermination(10, TimeUnit.SECONDS);
        });
    }

    private void runOne(PodRunner runner, String namespace, String jobName) {
        try {
            String pod = startPod(namespace, jobName);
            running(namespace, jobName);
            Pod p = client.pods().inNamespace(namespace).withName(pod).get();
            Container c = p.getSpec().getContainers().get(0);
            Map<String, String> env = new LinkedHashMap<>();
            for (EnvVar e : c.getEnv()) {
                env.put(e.getName(), e.getValue());
            }
            Map<String, String> mounts = new LinkedHashMap<>();
            for (VolumeMount m : c.getVolumeMounts()) {
                for (Volume v : p.getSpec().getVolumes()) {
                    if (v.getName().equals(m.getName()) && v.getHostPath() != null) {
                        mounts.put(v.getHostPath().getPath(), m.getMountPath());
                    }
                }
            }
            List<String> command = new ArrayList<>(c.getCommand());
            command.addAll(c.getArgs());
            Result result = runner.run(new PodRun(namespace, jobName, pod, c.getImage(), List.copyOf(command),
                    Map.copyOf(env), Map.copyOf(mounts)));
            bed.scriptLog(namespace, pod, result.log());
            if (result.exitCode() == 0) {
                succeed(namespace, jobName);
            } else {
                fail(namespace, jobName, result.exitCode());
            }
        } catch (Exception e) {
            LOG.warn("stand-in: running job {}/{} failed", namespace, jobName, e);
            try {
                fail(namespace, jobName, 1);
            } catch (RuntimeException ignored) {
                // the Job may be gone
            }
        }
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

    private void writeJobStatus(String namespace, String jobName, JobStatus status) {
        client.batch().v1().jobs().inNamespace(namespace).withName(jobName).editStatus(j -> {
            j.setStatus(status);
            return j;
        });
    }

    private void writePodStatus(String namespace, String pod, PodStatus status) {
        client.pods().inNamespace(namespace).withName(pod).editStatus(p -> {
            p.setStatus(status);
            return p;
        });
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
