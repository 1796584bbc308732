package dev.valence.official;

import dev.valence.spi.PodStarted;
import io.kubernetes.client.openapi.models.V1ContainerStatus;
import io.kubernetes.client.openapi.models.V1Job;
import io.kubernetes.client.openapi.models.V1JobCondition;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1OwnerReference;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodCondition;
import io.kubernetes.client.openapi.models.V1PodStatus;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Reads a Job and its pods and says whether the task is over: succeeded, failed, or will never
 * finish (the fail-fast reasons). Pure functions of the objects, so the poller stays small.
 */
final class JobVerdicts {
    /** Container waiting reasons that never resolve by themselves. */
    static final Set<String> FAIL_FAST_WAITING = Set.of("ImagePullBackOff", "ErrImagePull", "InvalidImageName",
            "CreateContainerConfigError", "CreateContainerError");
    /** Kubernetes' backoffLimit when a Job does not set one. */
    static final int DEFAULT_BACKOFF_LIMIT = 6;
    /** The Job controller's pod labels, newest first. */
    static final List<String> JOB_NAME_LABELS = List.of("batch.kubernetes.io/job-name", "job-name");

    private JobVerdicts() {
    }

    /** How the task ended: {@code podName} is empty when no pod ran; the log tail is read afterwards. */
    record Verdict(boolean succeeded, String reason, String message, String podName) {
    }

    /** The pods of a Job: owned by it, or carrying the Job controller's job-name label. */
    static List<V1Pod> podsOf(V1Job job, List<V1Pod> pods) {
        String name = job.getMetadata().getName();
        String uid = job.getMetadata().getUid();
        List<V1Pod> mine = new ArrayList<>();
        for (V1Pod pod : pods) {
            V1ObjectMeta meta = pod.getMetadata();
            if (meta == null) {
                continue;
            }
            boolean owned = meta.getOwnerReferences() != null && meta.getOwnerReferences().stream().anyMatch(
                    (V1OwnerReference o) -> "Job".equals(o.getKind()) && (name.equals(o.getName())
                            || (uid != null && uid.equals(o.getUid()))));
            Map<String, String> labels = meta.getLabels() == null ? Map.of() : meta.getLabels();
            boolean labelled = JOB_NAME_LABELS.stream().anyMatch(l -> name.equals(labels.get(l)));
            if ((owned || labelled) && !ofAnotherJob(pod, uid)) {
                mine.add(pod);
            }
        }
        mine.sort(Comparator.comparing((V1Pod p) -> Optional.ofNullable(p.getMetadata().getCreationTimestamp())
                .orElse(OffsetDateTime.MIN)).thenComparing(p -> p.getMetadata().getName()).reversed());
        return mine;
    }

    /** The pod's controller uid (label or owner reference) is another Job's: an earlier Job of the same name. */
    private static boolean ofAnotherJob(V1Pod pod, String uid) {
        if (uid == null) {
            return false;
        }
        V1ObjectMeta meta = pod.getMetadata();
        Map<String, String> labels = meta.getLabels() == null ? Map.of() : meta.getLabels();
        String owner = labels.getOrDefault("batch.kubernetes.io/controller-uid", labels.get("controller-uid"));
        if (owner == null && meta.getOwnerReferences() != null) {
            owner = meta.getOwnerReferences().stream().filter(o -> "Job".equals(o.getKind())).map(V1OwnerReference::getUid)
                    .filter(Objects::nonNull).findFirst().orElse(null);
        }
        return owner != null && !owner.equals(uid);
    }

    /**
     * The verdict on a Job, or empty while it may still finish. {@code unschedulableSince} gives,
     * for a pod that cannot be scheduled, since when (the condition's transition time, else when first seen).
     */
    static Optional<Verdict> judge(V1Job job, List<V1Pod> pods, Instant now, Duration unschedulableGrace,
                                   Function<V1Pod, Instant> unschedulableSince) {
        var status = job.getStatus();
        List<V1JobCondition> conditions = status == null || status.getConditions() == null ? List.of() : status.getConditions();
        Optional<V1Pod> newest = pods.stream().findFirst();
        if (isTrue(conditions, "Complete") || isTrue(conditions, "SuccessCriteriaMet")
                || (status != null && status.getSucceeded() != null && status.getSucceeded() >= completions(job))) {
            String pod = pods.stream().filter(p -> "Succeeded".equals(phase(p))).findFirst().or(() -> newest)
                    .map(JobVerdicts::name).orElse("");
            return Optional.of(new Verdict(true, "Complete", "", pod));
        }
        Optional<V1JobCondition> failed = condition(conditions, "Failed").or(() -> condition(conditions, "FailureTarget"));
        // a killed or evicted pod ends the task only when the Job controller will not retry it
        boolean lastTry = failed.isPresent() || failedPods(pods) > backoffLimit(job);
        Optional<Verdict> podVerdict = pods.stream()
                .map(p -> podFailure(p, lastTry, now, unschedulableGrace, unschedulableSince))
                .flatMap(Optional::stream).findFirst();
        if (failed.isPresent()) {
            V1JobCondition c = failed.get();
            String reason = Objects.requireNonNullElse(c.getReason(), "Failed");
            String message = Objects.requireNonNullElse(c.getMessage(), "");
            if (podVerdict.isPresent() && !"DeadlineExceeded".equals(reason)) {
                Verdict p = podVerdict.get();
                return Optional.of(new Verdict(false, p.reason(), join(p.message(), "Job " + name(job) + ": " + message),
                        p.podName()));
            }
            Optional<V1Pod> pod = pods.stream().filter(p -> "Failed".equals(phase(p))).findFirst().or(() -> newest);
            String detail = pod.map(JobVerdicts::terminationDetail).orElse("");
            return Optional.of(new Verdict(false, reason, join(message, detail), pod.map(JobVerdicts::name).orElse("")));
        }
        return podVerdict;
    }

    /** Whether the pod failed: phase {@code Failed}, or a container that terminated with a non-zero exit code. */
    static boolean failed(V1Pod pod) {
        var s = pod.getStatus();
        if (s == null) {
            return false;
        }
        return "Failed".equals(s.getPhase()) || (s.getContainerStatuses() != null && s.getContainerStatuses().stream()
                .anyMatch(cs -> cs.getState() != null && cs.getState().getTerminated() != null
                        && cs.getState().getTerminated().getExitCode() != null
                        && cs.getState().getTerminated().getExitCode() != 0));
    }

    /**
     * Why a failed pod failed: its first terminated container's reason and exit code ({@code "OOMKilled, exit code
     * 137"}), else the pod's reason ({@code "Evicted"}), else empty.
     */
    static String failureReason(V1Pod pod) {
        V1PodStatus s = pod.getStatus();
        if (s == null) {
            return "";
        }
        for (V1ContainerStatus c : containerStatuses(s)) {
            var t = c.getState() == null ? null : c.getState().getTerminated();
            if (t == null && c.getLastState() != null) {
                t = c.getLastState().getTerminated();
            }
            if (t != null && t.getExitCode() != null && t.getExitCode() != 0) {
                return (t.getReason() == null || t.getReason().isBlank() ? "" : t.getReason() + ", ") + "exit code "
                        + t.getExitCode();
            }
        }
        return s.getReason() == null ? "" : s.getReason();
    }

    /** An Indexed Job pod's completion index, from its {@code batch.kubernetes.io/job-completion-index} annotation. */
    static java.util.OptionalInt completionIndex(V1Pod pod) {
        var annotations = pod.getMetadata() == null ? null : pod.getMetadata().getAnnotations();
        String v = annotations == null ? null : annotations.get("batch.kubernetes.io/job-completion-index");
        try {
            return v == null ? java.util.OptionalInt.empty() : java.util.OptionalInt.of(Integer.parseInt(v.trim()));
        } catch (NumberFormatException e) {
            return java.util.OptionalInt.empty();
        }
    }

    /** How many pods must succeed: an Indexed Job's completions, else one. */
    private static int completions(V1Job job) {
        return job.getSpec() == null || job.getSpec().getCompletions() == null ? 1
                : Math.max(1, job.getSpec().getCompletions());
    }

    /**
     * The pod as started when one of its containers runs or has run (or its phase says so), with the
     * earliest container start time the kubelet reported, else the pod's start time, else now.
     */
    static Optional<PodStarted> started(V1Pod pod) {
        V1PodStatus s = pod.getStatus();
        if (s == null) {
            return Optional.empty();
        }
        boolean started = "Running".equals(s.getPhase()) || "Succeeded".equals(s.getPhase());
        Instant at = null;
        for (V1ContainerStatus c : s.getContainerStatuses() == null ? List.<V1ContainerStatus>of() : s.getContainerStatuses()) {
            var state = c.getState();
            if (state == null || (state.getRunning() == null && state.getTerminated() == null)) {
                continue;
            }
            started = true;
            OffsetDateTime since = state.getRunning() != null ? state.getRunning().getStartedAt()
                    : state.getTerminated().getStartedAt();
            if (since != null && (at == null || since.toInstant().isBefore(at))) {
                at = since.toInstant();
            }
        }
        if (!started) {
            return Optional.empty();
        }
        Instant when = at != null ? at : s.getStartTime() != null ? s.getStartTime().toInstant() : Instant.now();
        return Optional.of(new PodStarted(name(pod), pod.getSpec() == null ? "" : pod.getSpec().getNodeName(), when));
    }

    /**
     * The pod's name when it ran to exit code 0: every container terminated with exit code 0 (the
     * earliest sure sign of success, seconds before the Job controller writes {@code Complete}).
     */
    static Optional<String> succeeded(V1Pod pod) {
        V1PodStatus s = pod.getStatus();
        if (s == null || s.getContainerStatuses() == null || s.getContainerStatuses().isEmpty()) {
            return Optional.empty();
        }
        for (V1ContainerStatus c : s.getContainerStatuses()) {
            var t = c.getState() == null ? null : c.getState().getTerminated();
            if (t == null || t.getExitCode() == null || t.getExitCode() != 0) {
                return Optional.empty();
            }
        }
        return Optional.of(name(pod));
    }

    private static int backoffLimit(V1Job job) {
        return job.getSpec() == null || job.getSpec().getBackoffLimit() == null ? DEFAULT_BACKOFF_LIMIT
                : job.getSpec().getBackoffLimit();
    }

    private static long failedPods(List<V1Pod> pods) {
        return pods.stream().filter(p -> "Failed".equals(phase(p))).count();
    }

    /**
     * A pod state that will never lead to success, if any: a container that cannot start, and, on
     * the {@code lastTry}, a container killed for its memory or an evicted pod.
     */
    static Optional<Verdict> podFailure(V1Pod pod, boolean lastTry, Instant now, Duration grace,
                                        Function<V1Pod, Instant> unschedulableSince) {
        V1PodStatus s = pod.getStatus();
        if (s == null) {
            return Optional.empty();
        }
        String name = name(pod);
        for (V1ContainerStatus c : containerStatuses(s)) {
            var waiting = c.getState() == null ? null : c.getState().getWaiting();
            if (waiting != null && FAIL_FAST_WAITING.contains(waiting.getReason())) {
                return Optional.of(new Verdict(false, waiting.getReason(), "container " + c.getName() + " of pod " + name
                        + " cannot start: " + waiting.getReason() + ": " + Objects.requireNonNullElse(waiting.getMessage(), "")
                        + hint(waiting.getReason()), name));
            }
            var terminated = c.getState() == null ? null : c.getState().getTerminated();
            if (terminated == null && c.getLastState() != null) {
                terminated = c.getLastState().getTerminated();
            }
            if (lastTry && terminated != null && "OOMKilled".equals(terminated.getReason())) {
                String limit = memoryLimit(pod, c.getName());
                return Optional.of(new Verdict(false, "OOMKilled", "container " + c.getName() + " of pod " + name
                        + " was killed for using more memory than its limit" + (limit.isEmpty() ? "" : " (" + limit + ")")
                        + " (OOMKilled, exit code " + terminated.getExitCode() + "); raise memory", name));
            }
        }
        if (lastTry && "Evicted".equals(s.getReason())) {
            return Optional.of(new Verdict(false, "Evicted", "pod " + name + " was evicted: "
                    + Objects.requireNonNullElse(s.getMessage(), ""), name));
        }
        if (s.getConditions() != null) {
            for (V1PodCondition c : s.getConditions()) {
                if ("PodScheduled".equals(c.getType()) && "False".equals(c.getStatus()) && "Unschedulable".equals(c.getReason())) {
                    Instant since = unschedulableSince.apply(pod);
                    if (!since.plus(grace).isAfter(now)) {
                        return Optional.of(new Verdict(false, "Unschedulable", "pod " + name + " could not be scheduled for "
                                + Duration.between(since, now).toSeconds() + " s (unschedulable_grace " + grace.toSeconds()
                                + " s): " + Objects.requireNonNullElse(c.getMessage(), "")
                                + "; lower vcpu/memory/gpus or check node_selector and tolerations", name));
                    }
                }
            }
        }
        return Optional.empty();
    }

    private static String hint(String reason) {
        return switch (reason) {
            case "ImagePullBackOff", "ErrImagePull" -> "; check the image exists in the registry and the cluster can "
                    + "pull from it (registry, image_pull_secrets; for minikube: 'minikube image load' or registry=tar)";
            case "InvalidImageName" -> "; check registry and image_repo";
            default -> "; check the secrets, config maps and env the pod refers to";
        };
    }

    private static String memoryLimit(V1Pod pod, String container) {
        if (pod.getSpec() == null) {
            return "";
        }
        return pod.getSpec().getContainers().stream().filter(c -> c.getName().equals(container))
                .map(c -> c.getResources() == null || c.getResources().getLimits() == null ? null
                        : c.getResources().getLimits().get("memory"))
                .filter(Objects::nonNull).map(q -> q.toSuffixedString()).findFirst().orElse("");
    }

    /** When the pod's PodScheduled condition last changed, if the server said. */
    static Optional<Instant> unschedulableTransition(V1Pod pod) {
        V1PodStatus s = pod.getStatus();
        if (s == null || s.getConditions() == null) {
            return Optional.empty();
        }
        return s.getConditions().stream().filter(c -> "PodScheduled".equals(c.getType()))
                .map(V1PodCondition::getLastTransitionTime).filter(Objects::nonNull).map(OffsetDateTime::toInstant).findFirst();
    }

    private static List<V1ContainerStatus> containerStatuses(V1PodStatus s) {
        List<V1ContainerStatus> all = new ArrayList<>();
        if (s.getInitContainerStatuses() != null) {
            all.addAll(s.getInitContainerStatuses());
        }
        if (s.getContainerStatuses() != null) {
            all.addAll(s.getContainerStatuses());
        }
        return all;
    }

    private static String terminationDetail(V1Pod pod) {
        V1PodStatus s = pod.getStatus();
        if (s == null) {
            return "";
        }
        for (V1ContainerStatus c : containerStatuses(s)) {
            if (c.getState() != null && c.getState().getTerminated() != null) {
                var t = c.getState().getTerminated();
                return join("pod " + name(pod) + ": container " + c.getName() + " terminated: "
                        + Objects.requireNonNullElse(t.getReason(), "") + " (exit code " + t.getExitCode() + ")", t.getMessage());
            }
        }
        return s.getReason() == null ? "" : join("pod " + name(pod) + ": " + s.getReason(), s.getMessage());
    }

    private static boolean isTrue(List<V1JobCondition> conditions, String type) {
        return condition(conditions, type).isPresent();
    }

    private static Optional<V1JobCondition> condition(List<V1JobCondition> conditions, String type) {
        return conditions.stream().filter(c -> type.equals(c.getType()) && "True".equals(c.getStatus())).findFirst();
    }

    private static String phase(V1Pod pod) {
        return pod.getStatus() == null ? "" : Objects.requireNonNullElse(pod.getStatus().getPhase(), "");
    }

    private static String name(V1Pod pod) {
        return pod.getMetadata().getName();
    }

    private static String name(V1Job job) {
        return job.getMetadata().getName();
    }

    private static String join(String a, String b) {
        boolean hasA = a != null && !a.isBlank();
        boolean hasB = b != null && !b.isBlank();
        return hasA && hasB ? a + ": " + b : hasA ? a : hasB ? b : "";
    }
}
