package dev.valence.fabric8;

import dev.valence.spi.PodStarted;
import io.fabric8.kubernetes.api.model.ContainerState;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStateWaiting;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Where a followed Job stands, decided from the Job and its pods as the informers cache them:
 * still going (maybe re-check at a time), or finished with the most specific reason — the pod's
 * ({@code ImagePullBackOff}, {@code OOMKilled}, {@code Evicted}, {@code Unschedulable}) before the
 * Job's ({@code BackoffLimitExceeded}, {@code DeadlineExceeded}).
 */
sealed interface JobVerdict {

    /** Container waiting reasons that never resolve by themselves. */
    Set<String> FAIL_FAST_WAITING = Set.of("ImagePullBackOff", "ErrImagePull", "InvalidImageName",
            "CreateContainerConfigError", "CreateContainerError");

    /** Not finished; evaluate again at {@code recheckAt} if present (an unschedulable grace ends). */
    record Going(Optional<Instant> recheckAt) implements JobVerdict {
    }

    /** Finished; {@code wantLog}: the pod's log tail belongs in the outcome. */
    record Finished(boolean succeeded, String reason, String message, String podName, boolean wantLog)
            implements JobVerdict {
    }

    /** How long a failed Job waits for its pod's final status to arrive (the two come by separate watches). */
    Duration POD_STATUS_WAIT = Duration.ofSeconds(2);

    /**
     * Decides from the Job and its pods. {@code firstSeen} tells when a situation (a key such as
     * {@code unschedulable/<pod>} or {@code failed}) was first seen, for what has no server time.
     */
    static JobVerdict of(Job job, List<Pod> pods, Instant now, Duration grace, Function<String, Instant> firstSeen) {
        String jobName = job.getMetadata().getName();
        List<Pod> newestFirst = new ArrayList<>(pods);
        newestFirst.sort(Comparator.comparing((Pod p) -> String.valueOf(p.getMetadata().getCreationTimestamp()))
                .reversed());
        String newestPod = newestFirst.isEmpty() ? "" : newestFirst.get(0).getMetadata().getName();
        if (condition(job, "Complete").isPresent()) {
            return new Finished(true, "Complete", "", newestPod, false);
        }
        boolean lastTry = job.getSpec() == null || job.getSpec().getBackoffLimit() == null
                || job.getSpec().getBackoffLimit() == 0;
        Optional<Instant> recheck = Optional.empty();
        for (Pod pod : newestFirst) {
            String podName = pod.getMetadata().getName();
            for (ContainerStatus cs : containerStatuses(pod)) {
                ContainerStateWaiting w = cs.getState() == null ? null : cs.getState().getWaiting();
                if (w != null && w.getReason() != null && FAIL_FAST_WAITING.contains(w.getReason())) {
                    return new Finished(false, w.getReason(), "container " + cs.getName() + " of pod " + podName
                            + " cannot start: " + w.getReason() + ": " + nz(w.getMessage()) + hint(w.getReason()), podName, false);
                }
                ContainerStateTerminated t = terminated(cs);
                if (lastTry && t != null && "OOMKilled".equals(t.getReason())) {
                    return new Finished(false, "OOMKilled", oomMessage(pod, cs), podName, true);
                }
            }
            if (pod.getStatus() != null && "Evicted".equals(pod.getStatus().getReason()) && lastTry) {
                return new Finished(false, "Evicted", "pod " + podName + " was evicted: " + nz(pod.getStatus().getMessage()),
                        podName, true);
            }
            PodCondition scheduled = podCondition(pod, "PodScheduled");
            if (scheduled != null && "False".equals(scheduled.getStatus()) && "Unschedulable".equals(scheduled.getReason())) {
                Instant since = parse(scheduled.getLastTransitionTime()).orElseGet(() -> firstSeen.apply("unschedulable/" + podName));
                Instant deadline = since.plus(grace);
                if (!now.isBefore(deadline)) {
                    return new Finished(false, "Unschedulable", "pod " + podName + " could not be scheduled for "
                            + Duration.between(since, now).toSeconds() + " s (unschedulable_grace " + grace.toSeconds()
                            + " s): " + nz(scheduled.getMessage()) + "; lower vcpu/memory/gpus or check node_selector and tolerations",
                            podName, false);
                }
                recheck = Optional.of(deadline);
            }
        }
        Optional<JobCondition> failed = condition(job, "Failed");
        if (failed.isPresent()) {
            // the pods come by their own watch: a Job that counts failed pods none of which has
            // arrived yet waits for them as for a pod whose final status has not arrived
            boolean podFinal = newestFirst.isEmpty() ? failedPods(job) == 0
                    : newestFirst.stream().allMatch(JobVerdict::isFinal);
            Instant waitUntil = firstSeen.apply("failed").plus(POD_STATUS_WAIT);
            if (!podFinal && now.isBefore(waitUntil)) {
                return new Going(Optional.of(waitUntil));
            }
            String reason = nz(failed.get().getReason());
            String message = nz(failed.get().getMessage());
            for (Pod pod : newestFirst) {
                String podName = pod.getMetadata().getName();
                if (pod.getStatus() != null && "Evicted".equals(pod.getStatus().getReason())) {
                    return new Finished(false, "Evicted", "pod " + podName + " was evicted: " + nz(pod.getStatus().getMessage())
                            + " (Job " + jobName + ": " + message + ")", podName, true);
                }
                for (ContainerStatus cs : containerStatuses(pod)) {
                    ContainerStateTerminated t = terminated(cs);
                    if (t != null && "OOMKilled".equals(t.getReason())) {
                        return new Finished(false, "OOMKilled", oomMessage(pod, cs), podName, true);
                    }
                    if (t != null && t.getExitCode() != null && t.getExitCode() != 0) {
                        message = message + (message.isEmpty() ? "" : "; ") + "container " + cs.getName() + " of pod "
                                + podName + " exited with exit code " + t.getExitCode()
                                + (t.getReason() == null ? "" : " (" + t.getReason() + ")");
                        return new Finished(false, reason.isEmpty() ? "Failed" : reason, message, podName, true);
                    }
                }
            }
            return new Finished(false, reason.isEmpty() ? "Failed" : reason,
                    "Job " + jobName + " failed: " + message, newestPod, !newestPod.isEmpty());
        }
        return new Going(recheck);
    }

    /**
     * The pod as started when one of its containers runs or has run (or its phase says so), with the
     * earliest container start time the kubelet reported, else the pod's start time, else now.
     */
    static Optional<PodStarted> started(Pod pod) {
        if (pod.getStatus() == null) {
            return Optional.empty();
        }
        String phase = pod.getStatus().getPhase();
        boolean started = "Running".equals(phase) || "Succeeded".equals(phase);
        Instant at = null;
        for (ContainerStatus cs : pod.getStatus().getContainerStatuses()) {
            ContainerState state = cs.getState();
            String since = state == null ? null : state.getRunning() != null ? state.getRunning().getStartedAt()
                    : state.getTerminated() != null ? state.getTerminated().getStartedAt() : null;
            if (state != null && (state.getRunning() != null || state.getTerminated() != null)) {
                started = true;
                Instant t = parse(since).orElse(null);
                at = at == null || (t != null && t.isBefore(at)) ? t : at;
            }
        }
        if (!started) {
            return Optional.empty();
        }
        Instant when = at != null ? at : parse(pod.getStatus().getStartTime()).orElseGet(Instant::now);
        return Optional.of(new PodStarted(pod.getMetadata().getName(),
                pod.getSpec() == null ? "" : pod.getSpec().getNodeName(), when));
    }

    /**
     * The pod's name when it ran to exit code 0: every container terminated with exit code 0 (the
     * earliest sure sign of success, seconds before the Job controller writes {@code Complete}).
     */
    static Optional<String> succeeded(Pod pod) {
        if (pod.getStatus() == null || pod.getStatus().getContainerStatuses().isEmpty()) {
            return Optional.empty();
        }
        for (ContainerStatus cs : pod.getStatus().getContainerStatuses()) {
            ContainerStateTerminated t = cs.getState() == null ? null : cs.getState().getTerminated();
            if (t == null || t.getExitCode() == null || t.getExitCode() != 0) {
                return Optional.empty();
            }
        }
        return Optional.of(pod.getMetadata().getName());
    }

    /** Whether the pod failed: phase {@code Failed}, or a container that terminated with a non-zero exit code. */
    static boolean failed(Pod pod) {
        if (pod.getStatus() == null) {
            return false;
        }
        return "Failed".equals(pod.getStatus().getPhase()) || pod.getStatus().getContainerStatuses().stream()
                .anyMatch(cs -> cs.getState() != null && cs.getState().getTerminated() != null
                        && cs.getState().getTerminated().getExitCode() != null
                        && cs.getState().getTerminated().getExitCode() != 0);
    }

    /**
     * Why a failed pod failed: its first terminated container's reason and exit code ({@code "OOMKilled, exit code
     * 137"}), else the pod's reason ({@code "Evicted"}), else empty.
     */
    static String failureReason(Pod pod) {
        for (ContainerStatus cs : containerStatuses(pod)) {
            ContainerStateTerminated t = terminated(cs);
            if (t != null && t.getExitCode() != null && t.getExitCode() != 0) {
                return (t.getReason() == null || t.getReason().isBlank() ? "" : t.getReason() + ", ") + "exit code "
                        + t.getExitCode();
            }
        }
        return pod.getStatus() == null || pod.getStatus().getReason() == null ? "" : pod.getStatus().getReason();
    }

    /** An Indexed Job pod's completion index, from its {@code batch.kubernetes.io/job-completion-index} annotation. */
    static java.util.OptionalInt completionIndex(Pod pod) {
        var annotations = pod.getMetadata().getAnnotations();
        String v = annotations == null ? null : annotations.get("batch.kubernetes.io/job-completion-index");
        try {
            return v == null ? java.util.OptionalInt.empty() : java.util.OptionalInt.of(Integer.parseInt(v.trim()));
        } catch (NumberFormatException e) {
            return java.util.OptionalInt.empty();
        }
    }

    private static int failedPods(Job job) {
        return job.getStatus() == null || job.getStatus().getFailed() == null ? 0 : job.getStatus().getFailed();
    }

    /** The pod's status is final: it failed or succeeded, or its container terminated. */
    private static boolean isFinal(Pod pod) {
        if (pod.getStatus() == null) {
            return false;
        }
        String phase = pod.getStatus().getPhase();
        return "Failed".equals(phase) || "Succeeded".equals(phase)
                || containerStatuses(pod).stream().anyMatch(cs -> cs.getState() != null && cs.getState().getTerminated() != null);
    }

    private static String hint(String reason) {
        return switch (reason) {
            case "ImagePullBackOff", "ErrImagePull" -> "; check the image exists in the registry and the cluster can "
                    + "pull from it (registry, image_pull_secrets; for minikube: 'minikube image load' or registry=tar)";
            case "InvalidImageName" -> "; check registry and image_repo";
            case "CreateContainerConfigError", "CreateContainerError" -> "; check the secrets, config maps and env "
                    + "the pod refers to";
            default -> "";
        };
    }

    private static String oomMessage(Pod pod, ContainerStatus cs) {
        String limit = pod.getSpec() == null ? "" : pod.getSpec().getContainers().stream()
                .filter(c -> c.getName().equals(cs.getName()) && c.getResources() != null && c.getResources().getLimits() != null)
                .map(c -> c.getResources().getLimits().get("memory")).filter(q -> q != null).map(Quantity::toString)
                .findFirst().orElse("");
        return "container " + cs.getName() + " of pod " + pod.getMetadata().getName()
                + " was killed for using more memory than its limit" + (limit.isEmpty() ? "" : " (" + limit + ")")
                + " (OOMKilled); raise memory";
    }

    private static List<ContainerStatus> containerStatuses(Pod pod) {
        List<ContainerStatus> all = new ArrayList<>();
        if (pod.getStatus() != null) {
            all.addAll(pod.getStatus().getInitContainerStatuses());
            all.addAll(pod.getStatus().getContainerStatuses());
        }
        return all;
    }

    private static ContainerStateTerminated terminated(ContainerStatus cs) {
        if (cs.getState() != null && cs.getState().getTerminated() != null) {
            return cs.getState().getTerminated();
        }
        return cs.getLastState() == null ? null : cs.getLastState().getTerminated();
    }

    private static Optional<JobCondition> condition(Job job, String type) {
        if (job.getStatus() == null) {
            return Optional.empty();
        }
        return job.getStatus().getConditions().stream()
                .filter(c -> type.equals(c.getType()) && "True".equals(c.getStatus())).findFirst();
    }

    private static PodCondition podCondition(Pod pod, String type) {
        if (pod.getStatus() == null) {
            return null;
        }
        return pod.getStatus().getConditions().stream().filter(c -> type.equals(c.getType())).findFirst().orElse(null);
    }

    private static Optional<Instant> parse(String time) {
        if (time == null || time.isBlank()) {
            return Optional.empty();
        }
        try {
            return Optional.of(Instant.parse(time));
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    private static String nz(String s) {
        return s == null ? "" : s;
    }
}
