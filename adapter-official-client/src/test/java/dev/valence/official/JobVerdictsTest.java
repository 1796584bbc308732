package dev.valence.official;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.valence.official.JobVerdicts.Verdict;
import io.kubernetes.client.custom.Quantity;
import io.kubernetes.client.openapi.models.V1Container;
import io.kubernetes.client.openapi.models.V1ContainerState;
import io.kubernetes.client.openapi.models.V1ContainerStateTerminated;
import io.kubernetes.client.openapi.models.V1ContainerStatus;
import io.kubernetes.client.openapi.models.V1Job;
import io.kubernetes.client.openapi.models.V1JobCondition;
import io.kubernetes.client.openapi.models.V1JobSpec;
import io.kubernetes.client.openapi.models.V1JobStatus;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1OwnerReference;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodCondition;
import io.kubernetes.client.openapi.models.V1PodSpec;
import io.kubernetes.client.openapi.models.V1PodStatus;
import io.kubernetes.client.openapi.models.V1ResourceRequirements;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The verdicts on Jobs and pods in the states the fail-fast rules name, without a server. */
class JobVerdictsTest {
    private static final Instant NOW = Instant.parse("2030-01-01T12:00:00Z");
    private static final Duration GRACE = Duration.ofMinutes(5);

    private static V1Job job(int backoffLimit, V1JobCondition... conditions) {
        return new V1Job().metadata(new V1ObjectMeta().name("j").uid("uid-j"))
                .spec(new V1JobSpec().backoffLimit(backoffLimit))
                .status(new V1JobStatus().conditions(List.of(conditions)));
    }

    private static V1JobCondition condition(String type, String reason, String message) {
        return new V1JobCondition().type(type).status("True").reason(reason).message(message);
    }

    private static V1Pod pod(String name, int ageSeconds, String phase, V1ContainerState state) {
        return new V1Pod()
                .metadata(new V1ObjectMeta().name(name).creationTimestamp(OffsetDateTime.ofInstant(
                        NOW.minusSeconds(ageSeconds), ZoneOffset.UTC)).labels(Map.of("batch.kubernetes.io/job-name", "j")))
                .spec(new V1PodSpec().containers(List.of(new V1Container().name("task").image("i")
                        .resources(new V1ResourceRequirements().limits(Map.of("memory", new Quantity("1G")))))))
                .status(new V1PodStatus().phase(phase).containerStatuses(state == null ? null
                        : List.of(new V1ContainerStatus().name("task").image("i").state(state))));
    }

    private static V1ContainerState terminated(String reason, int exitCode) {
        return new V1ContainerState().terminated(new V1ContainerStateTerminated().reason(reason).exitCode(exitCode));
    }

    private static Optional<Verdict> judge(V1Job job, List<V1Pod> pods) {
        return JobVerdicts.judge(job, pods, NOW, GRACE, p -> NOW);
    }

    @Test
    void aCompleteJobSucceededWithItsSucceededPod() {
        Verdict v = judge(job(0, condition("Complete", "CompletionsReached", "")),
                List.of(pod("j-new", 1, "Failed", null), pod("j-ok", 5, "Succeeded", terminated("Completed", 0)))).orElseThrow();
        assertTrue(v.succeeded());
        assertEquals("j-ok", v.podName());
    }

    @Test
    void oomKilledFailsFastOnTheLastTryAndNamesTheLimit() {
        Verdict v = judge(job(0), List.of(pod("j-1", 1, "Failed", terminated("OOMKilled", 137)))).orElseThrow();
        assertEquals("OOMKilled", v.reason());
        assertTrue(v.message().contains("(1G)") && v.message().contains("raise memory"), v.message());
    }

    @Test
    void oomKilledWaitsWhileTheJobControllerStillRetries() {
        assertEquals(Optional.empty(), judge(job(2), List.of(pod("j-1", 1, "Failed", terminated("OOMKilled", 137)))));
        Verdict v = judge(job(2), List.of(pod("j-3", 1, "Failed", terminated("OOMKilled", 137)),
                pod("j-2", 2, "Failed", terminated("OOMKilled", 137)), pod("j-1", 3, "Failed", terminated("OOMKilled", 137))))
                .orElseThrow();
        assertEquals("OOMKilled", v.reason());
        assertEquals("j-3", v.podName(), "the newest pod");
    }

    @Test
    void aPlainFailureGivesTheJobReasonAndTheExitCode() {
        Verdict v = judge(job(0, condition("Failed", "BackoffLimitExceeded", "Job has reached the specified backoff limit")),
                List.of(pod("j-1", 1, "Failed", terminated("Error", 3)))).orElseThrow();
        assertFalse(v.succeeded());
        assertEquals("BackoffLimitExceeded", v.reason());
        assertTrue(v.message().contains("exit code 3") && v.message().contains("backoff limit"), v.message());
    }

    @Test
    void aDeadlineBeatsThePodsReason() {
        Verdict v = judge(job(0, condition("Failed", "DeadlineExceeded", "Job was active longer than specified deadline")),
                List.of(pod("j-1", 1, "Failed", terminated("OOMKilled", 137)))).orElseThrow();
        assertEquals("DeadlineExceeded", v.reason());
    }

    @Test
    void unschedulableFailsOnlyAfterTheGrace() {
        V1Pod pending = pod("j-1", 1, "Pending", null);
        pending.getStatus().conditions(List.of(new V1PodCondition().type("PodScheduled").status("False")
                .reason("Unschedulable").message("0/3 nodes are available: 3 Insufficient cpu.")));
        assertEquals(Optional.empty(), JobVerdicts.judge(job(0), List.of(pending), NOW, GRACE, p -> NOW.minusSeconds(299)));
        Verdict v = JobVerdicts.judge(job(0), List.of(pending), NOW, GRACE, p -> NOW.minusSeconds(300)).orElseThrow();
        assertEquals("Unschedulable", v.reason());
        assertTrue(v.message().contains("Insufficient cpu") && v.message().contains("unschedulable_grace 300 s"), v.message());
    }

    @Test
    void podsOfAJobAreFoundByOwnerOrJobNameLabelNewestFirst() {
        V1Pod owned = pod("owned", 5, "Running", null);
        owned.getMetadata().labels(Map.of()).ownerReferences(List.of(new V1OwnerReference().kind("Job").name("j").uid("uid-j")));
        V1Pod labelled = pod("labelled", 1, "Running", null);
        V1Pod other = pod("other", 0, "Running", null);
        other.getMetadata().labels(Map.of("batch.kubernetes.io/job-name", "k"));
        List<V1Pod> mine = JobVerdicts.podsOf(job(0), List.of(owned, other, labelled));
        assertEquals(List.of("labelled", "owned"), mine.stream().map(p -> p.getMetadata().getName()).toList());
    }

    @Test
    void aPodStartsWhenItsContainerRunsOrRanWithTheStartTheKubeletReported() {
        assertTrue(JobVerdicts.started(pod("j-p", 5, "Pending", new V1ContainerState().waiting(
                new io.kubernetes.client.openapi.models.V1ContainerStateWaiting().reason("ContainerCreating")))).isEmpty());

        OffsetDateTime at = OffsetDateTime.ofInstant(NOW.minusSeconds(3), ZoneOffset.UTC);
        V1Pod running = pod("j-r", 5, "Running", new V1ContainerState().running(
                new io.kubernetes.client.openapi.models.V1ContainerStateRunning().startedAt(at)));
        running.getSpec().nodeName("node-7");
        var started = JobVerdicts.started(running).orElseThrow();
        assertEquals("j-r", started.podName());
        assertEquals("node-7", started.nodeName());
        assertEquals(at.toInstant(), started.startedAt());

        V1Pod ran = pod("j-s", 5, "Succeeded", terminated("Completed", 0));
        ran.getStatus().startTime(at);
        assertEquals(at.toInstant(), JobVerdicts.started(ran).orElseThrow().startedAt(), "the pod's start time when the container has none");
    }

    @Test
    void podsOfAnEarlierJobOfTheSameNameAreNotThisJobs() {
        V1Job job = job(0); // uid-j
        V1Pod mine = pod("j-mine", 5, "Running", null);
        mine.getMetadata().labels(Map.of("batch.kubernetes.io/job-name", "j", "controller-uid", "uid-j"));
        V1Pod old = pod("j-old", 50, "Failed", terminated("OOMKilled", 137));
        old.getMetadata().labels(Map.of("batch.kubernetes.io/job-name", "j", "controller-uid", "uid-earlier"));
        V1Pod oldByOwner = pod("j-old2", 60, "Failed", terminated("OOMKilled", 137));
        oldByOwner.getMetadata().ownerReferences(List.of(new V1OwnerReference().kind("Job").name("j").uid("uid-earlier")));
        V1Pod unknown = pod("j-unknown", 1, "Pending", null);
        assertEquals(List.of("j-unknown", "j-mine"), JobVerdicts.podsOf(job, List.of(mine, old, oldByOwner, unknown)).stream()
                .map(p -> p.getMetadata().getName()).toList());
        assertTrue(judge(job, JobVerdicts.podsOf(job, List.of(mine, old, oldByOwner))).isEmpty(),
                "an earlier Job's OOMKilled pod does not end this one");
    }
}
