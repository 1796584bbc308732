package dev.valence.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.valence.api.ErrorKind;
import dev.valence.api.Node;
import dev.valence.api.Task;
import dev.valence.api.Task1;
import dev.valence.api.Task2;
import dev.valence.api.TaskCall;
import dev.valence.api.TaskRun;
import dev.valence.api.TaskStatus;
import dev.valence.api.ValenceException;
import dev.valence.api.Workflow;
import dev.valence.api.Workflow1;
import dev.valence.api.WorkflowResult;
import dev.valence.core.Dispatcher;
import dev.valence.core.KubernetesExecutor;
import dev.valence.tck.cluster.ApiServerBed;
import dev.valence.tck.pods.SharedBeds;
import dev.valence.tck.cluster.JobControllerStandIn;
import io.fabric8.kubernetes.api.model.ContainerStateBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Faults of the cluster side, for one cluster client (the subclasses pick it): API errors and
 * throttling, connections reset before and after the server acted, slow answers, the API server
 * gone for a while, an executor that dies with Jobs running, an evicted pod, and cancel at each
 * stage. Every case checks that the result arrives once (one Job, the task launched once) or that
 * the error says what happened.
 */
abstract class ClusterReliabilityTest extends ReliabilityBed {

    /** Waits until the executor follows the run's Job and the Job's pod runs. */
    void awaitPod(TaskRun<?> run) {
        waitUntil("a pod running for " + run, () -> run.status() == TaskStatus.RUNNING
                && podsStarted(run.call().nodeId()) == 1);
    }

    // ---- API server: errors, throttling, resets, slowness ----

    @Test
    void serverErrorsOnCreateAreRetriedAndMakeOneJob() {
        KubernetesExecutor k8s = executor(Map.of());
        apiProxy.answerNext("POST", JOBS, 3, 503);
        TaskRun<String> run = k8s.submit(call("n", args -> "made once"));
        assertEquals("made once", value(run));
        assertEquals(0, apiProxy.pendingFaults(), "every injected 503 was met");
        assertOneJob(run, ledger);
        assertEquals(1, launches("n"));
    }

    @Test
    void throttlingOnCreateAndListsIsRetried() {
        KubernetesExecutor k8s = executor(Map.of());
        apiProxy.answerNext("POST", JOBS, 2, 429);
        apiProxy.answerNext("GET", JOBS, 2, 429);
        apiProxy.answerNext("GET", PODS, 2, 429);
        TaskRun<String> run = k8s.submit(call("n", args -> "after throttling"));
        assertEquals("after throttling", value(run));
        assertEquals(0, apiProxy.pendingFaults(), "every injected 429 was met");
        assertOneJob(run, ledger);
        assertEquals(1, launches("n"));
    }

    @Test
    void serverErrorsOnTheReadOfAReattachAreRetried() {
        KubernetesExecutor first = executor(Map.of());
        podDoes("held", Pod::holdThenLaunch);
        TaskCall call = call("held", args -> "one Job");
        TaskRun<String> firstRun = first.submit(call);
        awaitPod(firstRun);
        first.close();

        apiProxy.answerNext("GET", JOBS + "/" + firstRun.jobName().orElseThrow(), 3, 500);
        TaskRun<String> again = executor(Map.of()).submit(call);
        waitUntil("the second executor follows", () -> again.status() == TaskStatus.RUNNING);
        release.countDown();
        assertEquals("one Job", value(again));
        assertEquals(0, apiProxy.pendingFaults(), "the adopting read met every injected 500");
        assertOneJob(again, ledger);
        assertEquals(1, launches("held"));
    }

    @Test
    void aConnectionResetBeforeTheCreateIsRetried() {
        KubernetesExecutor k8s = executor(Map.of());
        apiProxy.resetNext("POST", JOBS, 2);
        TaskRun<String> run = k8s.submit(call("n", args -> "after resets"));
        assertEquals("after resets", value(run));
        assertEquals(0, apiProxy.pendingFaults());
        assertOneJob(run, ledger);
    }

    @Test
    void anAnswerLostAfterTheCreateAdoptsTheJobInsteadOfMakingASecond() {
        KubernetesExecutor k8s = executor(Map.of());
        apiProxy.dropAnswerNext("POST", JOBS, 1);
        TaskRun<String> run = k8s.submit(call("n", args -> "adopted"));
        assertEquals("adopted", value(run));
        assertEquals(0, apiProxy.pendingFaults(), "the create reached the server and its answer was lost");
        assertOneJob(run, ledger);
        assertEquals(1, launches("n"));
    }

    @Test
    void resetsOnTheReadsThatFollowAJobAreRetried() {
        KubernetesExecutor k8s = executor(Map.of());
        podDoes("held", Pod::holdThenLaunch);
        // the lists a follow makes: the informers' first lists (fabric8), every poll (official)
        apiProxy.resetNext("GET", JOBS, 2);
        apiProxy.resetNext("GET", PODS, 2);
        TaskRun<String> run = k8s.submit(call("held", args -> "followed through resets"));
        awaitPod(run);
        release.countDown();
        assertEquals("followed through resets", value(run));
        assertEquals(0, apiProxy.pendingFaults(), "every injected reset was met");
        assertOneJob(run, ledger);
        assertEquals(1, launches("held"));
    }

    @Test
    void slowAnswersStillDeliverTheResult() {
        KubernetesExecutor k8s = executor(Map.of());
        apiProxy.slowAnswers(Duration.ofMillis(400));
        TaskRun<String> run = k8s.submit(call("n", args -> "slowly"));
        assertEquals("slowly", value(run));
        assertOneJob(run, ledger);
        assertEquals(1, launches("n"));
    }

    // ---- API server gone for a while (the 30 s, shortened to 4 s here) ----

    @Test
    void theServerGoneForAWhileThenBackStillDeliversTheResultOnce() throws Exception {
        KubernetesExecutor k8s = executor(Map.of());
        CountDownLatch finishedDuringOutage = new CountDownLatch(1);
        podDoes("held", pod -> {
            JobControllerStandIn.Result r = pod.holdThenLaunch();
            finishedDuringOutage.countDown();
            return r;
        });
        TaskRun<String> run = k8s.submit(call("held", args -> "across the outage"));
        awaitPod(run);
        awaitExecutorFollows();
        Instant down = Instant.now();
        apiProxy.down();
        release.countDown(); // the pod runs to the end while the executor cannot see the cluster
        waitUntil("the Job completed on the server", () -> finishedDuringOutage.getCount() == 0
                && jobs(run.call().dispatchId()).stream().anyMatch(j -> j.getStatus() != null
                && j.getStatus().getSucceeded() != null && j.getStatus().getSucceeded() == 1));
        long left = Duration.ofSeconds(4).minus(Duration.between(down, Instant.now())).toMillis();
        Thread.sleep(Math.max(0, left)); // an outage, not a test wait: nothing is asserted on time
        assertFalse(run.result().isDone(), "no result while the API server is gone: " + run);
        apiProxy.up();
        assertEquals("across the outage", value(run));
        assertOneJob(run, ledger);
        assertEquals(1, launches("held"));
        waitUntil("the finished Job is deleted", () -> jobs(run.call().dispatchId()).isEmpty());
    }

    @Test
    void aSubmitWhileTheServerIsGoneFailsClearlyAndWorksOnceItIsBack() {
        KubernetesExecutor k8s = executor(Map.of());
        TaskCall call = call("n", args -> "second try");
        apiProxy.down();
        ValenceException e = valenceError(k8s.submit(call));
        assertEquals(ErrorKind.CLUSTER, e.kind(), e.toString());
        assertTrue(e.getMessage().contains(apiProxy.hostPort()), "names the API server: " + e.getMessage());
        apiProxy.up();
        TaskRun<String> again = k8s.submit(call);
        assertEquals("second try", value(again));
        assertOneJob(again, ledger);
        assertEquals(1, launches("n"));
    }

    @Test
    void readsOfJobsAndPodsRefusedForAWhileThenAnsweredStillDeliverTheResult() {
        KubernetesExecutor k8s = executor(Map.of());
        podDoes("held", Pod::holdThenLaunch);
        TaskRun<String> run = k8s.submit(call("held", args -> "after the refusals"));
        awaitPod(run);
        awaitExecutorFollows();
        // the next lists and watches of Jobs and pods (a watch reopened, a re-list, a poll) fail
        apiProxy.answerNext("GET", JOBS, 4, 503);
        apiProxy.answerNext("GET", PODS, 4, 500);
        apiProxy.cutConnections();
        release.countDown();
        assertEquals("after the refusals", value(run));
        assertOneJob(run, ledger);
        assertEquals(1, launches("held"));
    }

    @Test
    void readsOfJobsForbiddenFromNowOnEndTheFollowWithAPermissionError() {
        KubernetesExecutor k8s = executor(Map.of());
        podDoes("held", Pod::holdThenLaunch);
        // a task that throws: its pod exits 1, so only the Job's outcome (which cannot be read) can end it (a pod that
        // exits 0 with its output in the store ends the task with its value, whatever the Job reads say)
        TaskRun<String> run = k8s.submit(call("held", args -> {
            throw new IllegalStateException("never seen");
        }));
        awaitPod(run);
        awaitExecutorFollows();
        // someone took the Role's list/watch of Jobs away while the task runs
        apiProxy.answerNext("GET", JOBS, 1_000_000, 403);
        apiProxy.cutConnections();
        release.countDown();
        ValenceException e = valenceError(run);
        assertEquals(ErrorKind.PERMISSION, e.kind(), e.toString());
        assertTrue(e.getMessage().contains("jobs"), e.getMessage());
    }

    /** Waits until the executor follows Jobs (its first read of pods went through). */
    void awaitExecutorFollows() {
        awaitExecutorLooked();
    }

    // ---- executor killed with Jobs running ----

    @Test
    void aNewExecutorReattachesToEveryRunningJobOfTheDispatch() {
        KubernetesExecutor first = executor(Map.of());
        String dispatch = TaskCall.newDispatchId();
        List<TaskCall> calls = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            int n = i;
            calls.add(call(dispatch, "held-" + i, args -> "value " + n));
            podDoes("held-" + i, Pod::holdThenLaunch);
        }
        List<TaskRun<String>> firstRuns = new ArrayList<>();
        calls.forEach(c -> firstRuns.add(first.submit(c)));
        firstRuns.forEach(this::awaitPod);
        first.close(); // the executor's process dies; its Jobs run on

        for (TaskRun<String> r : firstRuns) {
            ValenceException e = valenceError(r);
            assertEquals(ErrorKind.CANCELLED, e.kind(), e.toString());
            assertTrue(e.getMessage().contains(r.jobName().orElseThrow()) && e.getMessage().contains("re-attach"),
                    "a closed executor's handle says where its Job is and how to get back to it: " + e.getMessage());
        }
        KubernetesExecutor second = executor(Map.of());
        List<TaskRun<String>> again = new ArrayList<>();
        calls.forEach(c -> again.add(second.submit(c)));
        again.forEach(r -> waitUntil("following " + r, () -> r.status() == TaskStatus.RUNNING));
        release.countDown();
        for (int i = 0; i < 3; i++) {
            assertEquals("value " + i, value(again.get(i)));
            assertEquals(1, launches("held-" + i));
            assertOneJob(again.get(i), ledger);
        }
        assertEquals(3, ledger.createdFor(dispatch));
    }

    @Test
    void anExecutorWhoseJvmIsKilledIsReplacedByOneThatReattachesToEveryJob() throws Exception {
        String dispatch = TaskCall.newDispatchId();
        int count = 3;
        for (int i = 0; i < count; i++) {
            podDoes("held-" + i, Pod::holdThenLaunch);
        }
        Path javaBin = Path.of(System.getProperty("java.home"), "bin", "java");
        Process first = new ProcessBuilder(javaBin.toString(), "-XX:TieredStopAtLevel=1", "-cp",
                System.getProperty("java.class.path"), ExecutorProcess.class.getName(), kubeconfig.toString(),
                ApiServerBed.CONTEXT, registryHost(), storeDir.toString(), cacheDir.toString(), work.toString(),
                Long.toString(pollFreq().toMillis()), clusterClient(),
                String.join(java.io.File.pathSeparator, classpath().stream().map(Path::toString).toList()), dispatch,
                Integer.toString(count), realPods() ? SharedBeds.jreImage() : "scratch").redirectErrorStream(true).start();
        List<String> lines = new java.util.concurrent.CopyOnWriteArrayList<>();
        Thread reader = new Thread(() -> {
            try (var out = new java.io.BufferedReader(new java.io.InputStreamReader(first.getInputStream(),
                    java.nio.charset.StandardCharsets.UTF_8))) {
                out.lines().forEach(lines::add);
            } catch (java.io.IOException e) {
                lines.add("(reading its output failed: " + e + ")");
            }
        });
        reader.setDaemon(true);
        reader.start();
        try {
            waitUntil("the first executor's " + count + " Jobs submitted and their pods running: " + lines, () ->
                    lines.stream().filter(l -> l.startsWith("RUNNING ")).count() == count
                            && java.util.stream.IntStream.range(0, count).allMatch(i -> podsStarted("held-" + i) == 1));
        } finally {
            first.destroyForcibly(); // SIGKILL: no close(), no shutdown hook
        }
        assertTrue(first.waitFor(30, TimeUnit.SECONDS));
        assertEquals(137, first.exitValue(), "killed: " + lines);

        KubernetesExecutor second = executor(Map.of());
        List<TaskRun<String>> again = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            again.add(second.submit(ExecutorProcess.call(dispatch, i)));
        }
        again.forEach(r -> waitUntil("following " + r, () -> r.status() == TaskStatus.RUNNING));
        release.countDown();
        for (int i = 0; i < count; i++) {
            assertEquals("value " + i, value(again.get(i)));
            assertEquals(1, launches("held-" + i));
            assertOneJob(again.get(i), ledger);
        }
        assertEquals(count, ledger.createdFor(dispatch));
        waitUntil("the finished Jobs are deleted", () -> jobs(dispatch).isEmpty());
    }

    @Test
    void aResumedDispatchReattachesToItsRunningJobs() throws Exception {
        podDoes("held-left", Pod::holdThenLaunch);
        podDoes("held-right", Pod::holdThenLaunch);
        java.nio.file.Path records = Files.createTempDirectory(work, "records");
        String id;
        KubernetesExecutor first = executor(Map.of());
        try (Dispatcher one = new Dispatcher(records)) {
            id = one.dispatch(fanOut(first), List.of("x"));
            waitUntil("both held nodes run", () -> {
                WorkflowResult<Object> r = one.result(id);
                return r.node("held-left").orElseThrow().status() == TaskStatus.RUNNING
                        && r.node("held-right").orElseThrow().status() == TaskStatus.RUNNING && jobs(id).size() == 2
                        && podsStarted("held-left") == 1 && podsStarted("held-right") == 1;
            });
            first.close();
        } // the process dies with both Jobs running

        KubernetesExecutor second = executor(Map.of());
        try (Dispatcher two = new Dispatcher(records)) {
            two.resume(id, fanOut(second), List.of("x"));
            waitUntil("the resumed nodes follow their Jobs", () -> {
                WorkflowResult<Object> r = two.result(id);
                return r.node("held-left").orElseThrow().status() == TaskStatus.RUNNING
                        && r.node("held-right").orElseThrow().status() == TaskStatus.RUNNING;
            });
            release.countDown();
            WorkflowResult<String> r = two.result(id, true);
            assertEquals("x<>x", r.valueOrThrow());
        }
        assertEquals(1, launches("held-left"));
        assertEquals(1, launches("held-right"));
        assertEquals(1, launches("join"));
        assertEquals(3, ledger.createdFor(id), "one Job per node, none twice");
    }

    @Test
    void aResumedDispatchRunsAFailedNodeAgainOnAFreshJob() throws Exception {
        java.util.concurrent.atomic.AtomicBoolean firstTime = new java.util.concurrent.atomic.AtomicBoolean(true);
        podDoes("held-left", pod -> firstTime.getAndSet(false)
                ? new JobControllerStandIn.Result(1, "the node's disk was full\n") // the container failed, the task never ran
                : pod.launch());
        java.nio.file.Path records = Files.createTempDirectory(work, "records");
        String id;
        try (Dispatcher one = new Dispatcher(records)) {
            id = one.dispatch(fanOut(executor(Map.of())), List.of("x"));
            WorkflowResult<String> failed = one.result(id, true);
            assertEquals(TaskStatus.FAILED, failed.node("held-left").orElseThrow().status(), failed.toString());
            assertEquals(TaskStatus.COMPLETED, failed.node("held-right").orElseThrow().status(), failed.toString());
        }
        String failedJob = jobs(id).stream().map(j -> j.getMetadata().getName()).filter(n -> n.contains("held-left"))
                .findFirst().orElseThrow(() -> new AssertionError("a failed Job is kept for its logs"));

        try (Dispatcher two = new Dispatcher(records)) {
            two.resume(id, fanOut(executor(Map.of())), List.of("x"));
            WorkflowResult<String> r = two.result(id, true);
            assertEquals("x<>x", r.valueOrThrow());
        }
        assertEquals(1, launches("held-left"), "the task ran once: in the fresh Job");
        assertEquals(1, launches("held-right"), "a completed node is not run again");
        assertEquals(1, launches("join"));
        assertEquals(2, ledger.created(failedJob), "the failed node's Job: deleted, then created afresh");
        assertEquals(4, ledger.createdFor(id));
        waitUntil("the finished Jobs are deleted", () -> jobs(id).isEmpty());
    }

    private static Workflow1<String, String> fanOut(KubernetesExecutor k8s) {
        Task1<String, String> left = Task.of("held-left", s -> s + "<", k8s);
        Task1<String, String> right = Task.of("held-right", s -> ">" + s, k8s);
        Task2<String, String, String> join = Task.of("join", (a, b) -> a + b, k8s);
        return Workflow.of("fan_out", (Node<String> s) -> join.call(left.call(s), right.call(s)));
    }

    // ---- pod evicted / node lost ----

    @Test
    void anEvictedPodIsRetriedByTheJobWhenRetriesAreSet() {
        KubernetesExecutor k8s = executor(Map.of("retries", 1));
        java.util.concurrent.atomic.AtomicBoolean evictedOnce = new java.util.concurrent.atomic.AtomicBoolean();
        podDoes("evicted", pod -> {
            if (evictedOnce.getAndSet(true)) {
                return pod.launch(); // the replacement pod runs the task
            }
            // the kubelet evicts the first pod; the Job controller (the stand-in) counts a failure and,
            // with a retry left, starts a replacement pod
            api.client().pods().inNamespace(NAMESPACE).withName(pod.run.podName()).editStatus(p -> {
                p.setStatus(new PodStatusBuilder().withPhase("Failed").withReason("Evicted")
                        .withMessage("The node was low on resource: memory.")
                        .withContainerStatuses(new ContainerStatusBuilder().withName("task").withReady(false)
                                .withState(new ContainerStateBuilder().withNewTerminated().withExitCode(137)
                                        .withReason("ContainerStatusUnknown").endTerminated().build()).build())
                        .build());
                return p;
            });
            api.client().batch().v1().jobs().inNamespace(NAMESPACE).withName(pod.run.jobName()).editStatus(j -> {
                j.setStatus(new JobStatusBuilder().withFailed(1).withActive(0)
                        .withStartTime(Instant.now().truncatedTo(ChronoUnit.SECONDS).toString()).build());
                return j;
            });
            awaitExecutorLooked(); // the executor has seen the eviction, and must not give up
            return new JobControllerStandIn.Result(137, "");
        });
        TaskRun<String> run = k8s.submit(call("evicted", args -> "on the second pod"));
        assertEquals("on the second pod", value(run));
        assertOneJob(run, ledger); // retried by the Job controller in the same Job, not by a second Job
        assertEquals(1, launches("evicted"));
    }

    @Test
    void anEvictedPodWithoutRetriesFailsWithTheReason() {
        KubernetesExecutor k8s = executor(Map.of());
        podDoes("evicted", pod -> {
            standIn.evict(NAMESPACE, pod.run.jobName());
            pod.parkUntilTestEnds();
            return new JobControllerStandIn.Result(137, "");
        });
        TaskRun<String> run = k8s.submit(call("evicted", args -> "never"));
        ValenceException e = valenceError(run);
        assertEquals(ErrorKind.POD_FAILED, e.kind(), e.toString());
        assertTrue(e.getMessage().contains("Evicted") && e.getMessage().contains("low on resource"), e.getMessage());
        assertTrue(e.getMessage().contains(run.jobName().orElseThrow()), "names the Job: " + e.getMessage());
        assertEquals(0, launches("evicted"));
    }

    // ---- cancel ----

    @Test
    void cancellingAPendingTaskLeavesNothingBehind() {
        KubernetesExecutor k8s = executor(Map.of());
        CountDownLatch pending = new CountDownLatch(1);
        podDoes("pending", pod -> {
            api.client().pods().inNamespace(NAMESPACE).withName(pod.run.podName()).editStatus(p -> {
                p.setStatus(new PodStatusBuilder().withPhase("Pending").withContainerStatuses(new ContainerStatusBuilder()
                        .withName("task").withReady(false).withState(new ContainerStateBuilder().withNewWaiting()
                                .withReason("ContainerCreating").endWaiting().build()).build()).build());
                return p;
            });
            pending.countDown();
            pod.parkUntilGone();
            return new JobControllerStandIn.Result(137, "");
        });
        TaskRun<String> run = k8s.submit(call("pending", args -> "never"));
        waitUntil("the pod is pending", () -> pending.getCount() == 0);
        assertTrue(run.cancel());
        String dispatch = run.call().dispatchId();
        waitUntil("no Job, pod or artifact left", () -> jobs(dispatch).isEmpty()
                && pods(run.jobName().orElseThrow()) == 0 && artifacts(dispatch) == 0);
        waitUntil("the pod ended", () -> podsEnded("pending") == 1);
        assertEquals(TaskStatus.CANCELLED, run.status());
        assertEquals(0, launches("pending"));
        assertEquals(0, artifacts(dispatch));
    }

    @Test
    void cancellingARunningTaskLeavesNothingBehind() {
        KubernetesExecutor k8s = executor(Map.of());
        podDoes("held", Pod::holdThenLaunch);
        TaskRun<String> run = k8s.submit(call("held", args -> "never"));
        awaitPod(run);
        assertTrue(run.cancel());
        String dispatch = run.call().dispatchId();
        waitUntil("no Job, pod or artifact left", () -> jobs(dispatch).isEmpty()
                && pods(run.jobName().orElseThrow()) == 0 && artifacts(dispatch) == 0);
        release.countDown(); // the killed pod's container does not get to write anything
        waitUntil("the pod ended", () -> podsEnded("held") == 1);
        assertEquals(TaskStatus.CANCELLED, run.status());
        assertEquals(0, launches("held"));
        assertEquals(0, artifacts(dispatch));
        assertOneJob(run, ledger);
    }

    @Test
    void aCancelWhoseDeleteIsAnsweredSlowlyIsDoneBeforeCloseReturns() throws Exception {
        KubernetesExecutor k8s = executor(Map.of());
        podDoes("held", Pod::holdThenLaunch);
        TaskRun<String> run = k8s.submit(call("held", args -> "never"));
        awaitPod(run);
        String dispatch = run.call().dispatchId();
        apiProxy.slowAnswers(Duration.ofMillis(1500)); // the DELETE's answer comes late, as from a loaded server
        Thread hook = new Thread(run::cancel, "shutdown-hook"); // as the CLI's Ctrl-C hook does
        hook.start();
        waitUntil("the run is cancelled", () -> run.status() == TaskStatus.CANCELLED);
        k8s.close(); // then the JVM would exit
        assertEquals(0, artifacts(dispatch), "the cancel's delete was answered and its clean-up done before close returned");
        assertTrue(jobs(dispatch).isEmpty());
        hook.join();
        apiProxy.heal();
        release.countDown();
    }

    @Test
    void cancellingKeepsTheArtifactsWhenAskedTo() {
        KubernetesExecutor k8s = executor(Map.of("keep_artifacts", true));
        podDoes("held", Pod::holdThenLaunch);
        TaskRun<String> run = k8s.submit(call("held", args -> "never"));
        awaitPod(run);
        assertTrue(run.cancel());
        String dispatch = run.call().dispatchId();
        waitUntil("no Job or pod left", () -> jobs(dispatch).isEmpty() && pods(run.jobName().orElseThrow()) == 0);
        assertEquals(1, artifacts(dispatch), "the input stays with keep_artifacts");
        assertTrue(Files.isRegularFile(storeDir.resolve(dispatch).resolve("held").resolve("input")));
    }
}
