package dev.valence.fabric8;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.ContainerStateBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class JobVerdictTest {
    static final Instant NOW = Instant.parse("2026-01-01T12:00:00Z");
    static final Duration GRACE = Duration.ofMinutes(5);

    static Job job(int backoffLimit, String condition, String reason) {
        JobBuilder b = new JobBuilder().withNewMetadata().withName("j").endMetadata()
                .withNewSpec().withBackoffLimit(backoffLimit).endSpec();
        if (condition != null) {
            b.withNewStatus().withConditions(new JobConditionBuilder().withType(condition).withStatus("True")
                    .withReason(reason).withMessage("Job has reached the specified backoff limit").build()).endStatus();
        }
        return b.build();
    }

    static PodBuilder pod(String name, String created) {
        return new PodBuilder().withNewMetadata().withName(name).withCreationTimestamp(created).endMetadata();
    }

    static Pod terminated(String name, String created, String reason, int exitCode) {
        return pod(name, created).withNewStatus().withPhase("Failed").withContainerStatuses(new ContainerStatusBuilder()
                .withName("task").withState(new ContainerStateBuilder().withNewTerminated().withReason(reason)
                        .withExitCode(exitCode).endTerminated().build()).build()).endStatus().build();
    }

    static JobVerdict verdict(Job job, List<Pod> pods, Instant firstSeen) {
        return JobVerdict.of(job, pods, NOW, GRACE, key -> firstSeen);
    }

    @Test
    void oomKilledWithRetriesLeftIsLeftToTheJobController() {
        JobVerdict v = verdict(job(2, null, null), List.of(terminated("j-a", "2026-01-01T11:59:00Z", "OOMKilled", 137)), NOW);
        assertInstanceOf(JobVerdict.Going.class, v);
    }

    @Test
    void afterTheLastRetryTheReasonIsTheLastPodsOom() {
        JobVerdict v = verdict(job(1, "Failed", "BackoffLimitExceeded"), List.of(
                terminated("j-old", "2026-01-01T11:58:00Z", "Error", 1),
                terminated("j-new", "2026-01-01T11:59:00Z", "OOMKilled", 137)), NOW);
        JobVerdict.Finished f = assertInstanceOf(JobVerdict.Finished.class, v);
        assertEquals("OOMKilled", f.reason());
        assertEquals("j-new", f.podName());
    }

    @Test
    void aFailedJobWaitsBrieflyForItsPodsFinalStatus() {
        Pod running = pod("j-a", "2026-01-01T11:59:00Z").withNewStatus().withPhase("Running").endStatus().build();
        JobVerdict.Going g = assertInstanceOf(JobVerdict.Going.class,
                verdict(job(0, "Failed", "BackoffLimitExceeded"), List.of(running), NOW));
        assertEquals(NOW.plus(JobVerdict.POD_STATUS_WAIT), g.recheckAt().orElseThrow());
        JobVerdict.Finished f = assertInstanceOf(JobVerdict.Finished.class,
                verdict(job(0, "Failed", "BackoffLimitExceeded"), List.of(running), NOW.minusSeconds(3)));
        assertEquals("BackoffLimitExceeded", f.reason());
        assertTrue(f.message().contains("backoff limit"), f.message());
    }

    @Test
    void aFailedJobWhosePodHasNotArrivedYetWaitsBrieflyForIt() {
        Job failed = job(0, "Failed", "BackoffLimitExceeded");
        failed.getStatus().setFailed(1);
        JobVerdict.Going g = assertInstanceOf(JobVerdict.Going.class, verdict(failed, List.of(), NOW));
        assertEquals(NOW.plus(JobVerdict.POD_STATUS_WAIT), g.recheckAt().orElseThrow());
        Pod evicted = pod("j-a", "2026-01-01T11:59:00Z").withNewStatus().withPhase("Failed").withReason("Evicted")
                .withMessage("The node was low on resource: memory.").endStatus().build();
        JobVerdict.Finished f = assertInstanceOf(JobVerdict.Finished.class, verdict(failed, List.of(evicted), NOW));
        assertEquals("Evicted", f.reason());
        JobVerdict.Finished noPodEver = assertInstanceOf(JobVerdict.Finished.class,
                verdict(job(0, "Failed", "DeadlineExceeded"), List.of(), NOW));
        assertEquals("DeadlineExceeded", noPodEver.reason());
    }

    @Test
    void unschedulableWithoutTransitionTimeCountsFromWhenItWasFirstSeen() {
        Pod pending = pod("j-a", "2026-01-01T11:59:00Z").withNewStatus().withPhase("Pending")
                .withConditions(new PodConditionBuilder().withType("PodScheduled").withStatus("False")
                        .withReason("Unschedulable").withMessage("0/3 nodes are available").build()).endStatus().build();
        JobVerdict.Going g = assertInstanceOf(JobVerdict.Going.class, verdict(job(0, null, null), List.of(pending), NOW));
        assertEquals(NOW.plus(GRACE), g.recheckAt().orElseThrow());
        JobVerdict.Finished f = assertInstanceOf(JobVerdict.Finished.class,
                verdict(job(0, null, null), List.of(pending), NOW.minus(GRACE)));
        assertEquals("Unschedulable", f.reason());
        assertTrue(f.message().contains("0/3 nodes are available"), f.message());
    }

    @Test
    void completeIsSuccessWithTheNewestPod() {
        JobVerdict.Finished f = assertInstanceOf(JobVerdict.Finished.class, verdict(job(0, "Complete", "CompletionsReached"),
                List.of(terminated("j-b", "2026-01-01T11:59:30Z", "Completed", 0),
                        terminated("j-a", "2026-01-01T11:59:00Z", "Error", 1)), NOW));
        assertTrue(f.succeeded());
        assertEquals("j-b", f.podName());
    }

    @Test
    void aPodStartsWhenAContainerRunsOrRanWithTheEarliestStartTheKubeletReported() {
        Pod pending = pod("j-p", "2026-01-01T11:59:00Z").withNewStatus().withPhase("Pending").withContainerStatuses(
                new ContainerStatusBuilder().withName("task").withState(new ContainerStateBuilder().withNewWaiting()
                        .withReason("ContainerCreating").endWaiting().build()).build()).endStatus().build();
        assertTrue(JobVerdict.started(pending).isEmpty());

        Pod running = pod("j-r", "2026-01-01T11:59:00Z").withNewSpec().withNodeName("node-7").endSpec()
                .withNewStatus().withPhase("Running").withStartTime("2026-01-01T11:59:01Z").withContainerStatuses(
                        new ContainerStatusBuilder().withName("sidecar").withState(new ContainerStateBuilder().withNewRunning()
                                .withStartedAt("2026-01-01T11:59:05Z").endRunning().build()).build(),
                        new ContainerStatusBuilder().withName("task").withState(new ContainerStateBuilder().withNewTerminated()
                                .withExitCode(0).withStartedAt("2026-01-01T11:59:03Z").endTerminated().build()).build())
                .endStatus().build();
        var started = JobVerdict.started(running).orElseThrow();
        assertEquals("j-r", started.podName());
        assertEquals("node-7", started.nodeName());
        assertEquals(Instant.parse("2026-01-01T11:59:03Z"), started.startedAt());

        Pod succeededNoTimes = pod("j-s", "2026-01-01T11:59:00Z").withNewStatus().withPhase("Succeeded")
                .withStartTime("2026-01-01T11:59:01Z").endStatus().build();
        assertEquals(Instant.parse("2026-01-01T11:59:01Z"), JobVerdict.started(succeededNoTimes).orElseThrow().startedAt());
        assertEquals("", JobVerdict.started(succeededNoTimes).orElseThrow().nodeName());
    }
}
