package dev.valence.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.valence.api.ErrorKind;
import dev.valence.api.Task;
import dev.valence.api.Task1;
import dev.valence.api.Task2;
import dev.valence.api.TaskCall;
import dev.valence.api.TaskRun;
import dev.valence.api.TaskStatus;
import dev.valence.api.ValenceException;
import dev.valence.spi.JobOutcome;
import dev.valence.spi.JobSpec;
import dev.valence.spi.Plugins;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(30)
class KubernetesExecutorTest {
    @TempDir
    Path tmp;

    final InProcessCluster cluster = new InProcessCluster();
    final MemoryImages images = new MemoryImages();
    final String dataStore = "mem://test-" + UUID.randomUUID();

    KubernetesExecutor executor(Map<String, Object> extra) {
        KubernetesExecutor.Builder b = KubernetesExecutor.builder()
                .plugins(Plugins.of(List.of(new MemoryStore.Factory(), cluster.factory(), images.factory())))
                .environment(Map.of())
                .userHome(tmp)
                .dataStore(dataStore)
                .cacheDir(tmp.resolve("cache"))
                .registry("127.0.0.1:5000")
                .classpath(List.of(classesDir()));
        extra.forEach(b::set);
        return b.build();
    }

    Path classesDir() {
        try {
            Path dir = tmp.resolve("classes");
            Files.createDirectories(dir);
            if (!Files.exists(dir.resolve("A.class"))) {
                Files.writeString(dir.resolve("A.class"), "v1");
            }
            return dir;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void runsTheTaskAndReturnsItsValue() {
        try (KubernetesExecutor k8s = executor(Map.of())) {
            Task2<String, String, String> join = Task.of("join_words", (a, b) -> String.join(", ", a, b), k8s);
            TaskRun<String> run = join.submit("hello", "world");
            assertEquals("hello, world", run.await());
            assertEquals(TaskStatus.COMPLETED, run.status());
            assertEquals(1, cluster.created.size());
            assertTrue(run.jobName().orElseThrow().startsWith("valence-"));
        }
    }

    @Test
    void closingRightAfterTheLastResultStillDeletesItsJob() {
        cluster.deleteTakes = Duration.ofMillis(300);
        String job;
        try (KubernetesExecutor k8s = executor(Map.of())) {
            TaskRun<Integer> run = Task.of("last", (Integer x) -> x + 1, k8s).submit(1);
            assertEquals(2, run.await());
            job = run.jobName().orElseThrow();
        } // as the CLI does once the dispatch is over
        assertEquals(List.of(job), cluster.deleted, "the finished task's Job is deleted before close returns");
    }

    @Test
    void builtImageIsTheImageAJobOfThisClassPathWouldNameOnceARunBuiltIt() throws Exception {
        try (KubernetesExecutor k8s = executor(Map.of())) {
            assertEquals(java.util.Optional.empty(), k8s.builtImage(), "nothing built yet");
            assertEquals(0, images.builds.size(), "asking builds nothing");
            Task.of("one", () -> 1, k8s).submit().await();
        }
        try (KubernetesExecutor again = executor(Map.of())) {
            String image = again.builtImage().orElseThrow();
            assertEquals(1, images.builds.size());
            assertTrue(image.startsWith("127.0.0.1:5000/valence-task@sha256:"), image);
            cluster.behaviour = InProcessCluster::hang;
            TaskRun<Integer> run = Task.of("two", () -> 2, again).submit();
            assertEquals(image, awaitJob(run).image(), "the image a Job names");
            run.cancel();
        }
        Files.writeString(classesDir().resolve("A.class"), "v2");
        try (KubernetesExecutor edited = executor(Map.of())) {
            assertEquals(java.util.Optional.empty(), edited.builtImage(), "a changed class path has no image yet");
        }
    }

    @Test
    void theJobCarriesTheSettingsAndTheStoreAccess() throws Exception {
        cluster.behaviour = InProcessCluster::hang;
        try (KubernetesExecutor k8s = executor(Map.of("vcpu", "250m", "memory", "2Gi", "retries", 2,
                "timeout", "90s", "labels", Map.of("team", "ml"), "env", Map.of("MODE", "x"),
                "env_from_secrets", List.of("azure-storage")))) {
            TaskRun<Integer> run = Task.of("twice", (Integer x) -> x * 2, k8s).submit(1);
            JobSpec spec = awaitJob(run);
            assertEquals("250m", spec.vcpu().orElseThrow());
            assertEquals("2Gi", spec.memory().orElseThrow());
            assertEquals(2, spec.backoffLimit());
            assertEquals(Duration.ofSeconds(90), spec.activeDeadline().orElseThrow());
            assertEquals("ml", spec.labels().get("team"));
            assertEquals("valence", spec.labels().get("app.kubernetes.io/managed-by"));
            assertEquals(run.call().dispatchId(), spec.labels().get("valence.dev/dispatch"));
            assertEquals("x", spec.env().get("MODE"));
            assertEquals(List.of("azure-storage"), spec.envFromSecrets());
            assertEquals(dataStore, spec.env().get("VALENCE_K8S_DATA_STORE"));
            assertTrue(spec.image().contains("@sha256:"), spec.image());
            run.cancel();
        }
    }

    @Test
    void rethrowsTheTasksOwnExceptionWithItsRemoteTraceAndWhereItRan() {
        try (KubernetesExecutor k8s = executor(Map.of())) {
            Task1<String, String> boom = Task.of("boom", s -> {
                throw new IllegalStateException("no " + s);
            }, k8s);
            TaskRun<String> run = boom.submit("luck");
            IllegalStateException e = assertThrows(IllegalStateException.class, run::await);
            assertEquals("no luck", e.getMessage());
            assertTrue(Arrays.stream(e.getStackTrace()).anyMatch(f -> f.getClassName().contains("KubernetesExecutorTest")));
            assertEquals(1, e.getSuppressed().length);
            assertTrue(e.getSuppressed()[0].getMessage().startsWith("task 'boom' threw in Job valence-"),
                    e.getSuppressed()[0].getMessage());
            assertEquals(TaskStatus.FAILED, run.status());
        }
    }

    @Test
    void aPodThatNeverRanFailsWithTheReasonAndTheLogTail() {
        cluster.behaviour = spec -> JobOutcome.failed("ImagePullBackOff", "Back-off pulling image \"x\"", "p-1",
                "line 1\nline 2");
        try (KubernetesExecutor k8s = executor(Map.of())) {
            TaskRun<String> run = Task.of("t", () -> "x", k8s).submit();
            ValenceException e = assertThrows(ValenceException.class, run::await);
            assertEquals(ErrorKind.POD_FAILED, e.kind());
            String job = run.jobName().orElseThrow();
            assertEquals("task 't' failed in Job " + job + " (namespace test, pod p-1): ImagePullBackOff: "
                    + "Back-off pulling image \"x\"\nlast log lines:\nline 1\nline 2", e.getMessage());
        }
    }

    @Test
    void cancellingDeletesTheJobAndTheArtifacts() throws Exception {
        cluster.behaviour = InProcessCluster::hang;
        try (KubernetesExecutor k8s = executor(Map.of())) {
            TaskRun<String> run = Task.of("slow", () -> "x", k8s).submit();
            JobSpec spec = awaitJob(run);
            assertTrue(run.cancel());
            assertThrows(CancellationException.class, () -> run.result().get(5, TimeUnit.SECONDS));
            assertEquals(TaskStatus.CANCELLED, run.status());
            assertEquals(List.of(spec.name()), cluster.deleted);
            assertTrue(MemoryStore.at(dataStore).list(run.call().dispatchId()).isEmpty());
        }
    }

    @Test
    void aPodThatExitedZeroWithItsOutputInTheStoreGivesTheResultBeforeTheJobIsComplete() throws Exception {
        cluster.behaviour = InProcessCluster::hang;
        try (KubernetesExecutor k8s = executor(Map.of())) {
            TaskRun<String> run = Task.of("shout", (String a) -> a + "!", k8s).submit("hi");
            JobSpec spec = awaitJob(run);
            cluster.podExitedZero(spec.name(), spec.name() + "-pod", true);
            // the Job never gets an outcome here: only the early sign can finish the run
            assertEquals("hi!", run.result().get(10, TimeUnit.SECONDS));
            waitUntil(() -> cluster.deleted.contains(spec.name()));
        }
    }

    @Test
    void aPodThatExitedZeroWithoutAnOutputLeavesTheResultToTheJobsOutcome() throws Exception {
        cluster.behaviour = InProcessCluster::hang;
        try (KubernetesExecutor k8s = executor(Map.of())) {
            TaskRun<String> run = Task.of("shout", (String a) -> a + "!", k8s).submit("hi");
            JobSpec spec = awaitJob(run);
            cluster.podExitedZero(spec.name(), spec.name() + "-pod", false);
            sleepQuietly(300); // room for a wrong early finish to happen
            assertFalse(run.result().isDone(), "a pod that exited 0 without an output must not finish the task");
            cluster.finish(spec.name()); // a retried pod runs the launcher; the Job completes
            assertEquals("hi!", run.await());
        }
    }

    @Test
    void aNewExecutorReattachesToTheRunningJobInsteadOfStartingAnother() throws Exception {
        cluster.behaviour = InProcessCluster::hang;
        TaskCall call;
        KubernetesExecutor first = executor(Map.of());
        TaskRun<String> firstRun = Task.of("join", (String a) -> a + "!", first).submit("hi");
        JobSpec spec = awaitJob(firstRun);
        call = firstRun.call();
        first.close(); // the executor's JVM "dies"; the Job keeps running

        try (KubernetesExecutor second = executor(Map.of())) {
            TaskRun<String> again = second.submit(TaskCall.builder().dispatchId(call.dispatchId()).nodeId(call.nodeId())
                    .taskName(call.taskName()).body(call.body()).args(call.args()).build());
            waitUntil(() -> again.status() == TaskStatus.RUNNING);
            cluster.finish(spec.name());
            assertEquals("hi!", again.await());
            assertEquals(1, cluster.created.size());
        }
    }

    @Test
    void anUnchangedClassPathBuildsNoImageAndAChangedOneBuildsAgain() throws Exception {
        try (KubernetesExecutor k8s = executor(Map.of())) {
            Task.of("a", () -> 1, k8s).submit().await();
            Task.of("b", () -> 2, k8s).submit().await();
        }
        try (KubernetesExecutor k8s = executor(Map.of())) {
            Task.of("c", () -> 3, k8s).submit().await();
        }
        assertEquals(1, images.builds.size());
        Files.writeString(classesDir().resolve("A.class"), "v2");
        try (KubernetesExecutor k8s = executor(Map.of())) {
            Task.of("d", () -> 4, k8s).submit().await();
        }
        assertEquals(2, images.builds.size());
        images.digests.clear(); // the registry lost the image: the cache must notice and rebuild
        try (KubernetesExecutor k8s = executor(Map.of())) {
            Task.of("e", () -> 5, k8s).submit().await();
        }
        assertEquals(3, images.builds.size());
    }

    @Test
    void executorsPushingTheSameClassPathToTwoRepositoriesKeepOneCacheEntryEach() throws Exception {
        for (int round = 0; round < 2; round++) {
            for (String repo : List.of("team-a/tasks", "team-b/tasks")) {
                try (KubernetesExecutor k8s = executor(Map.of("image_repo", repo))) {
                    Task.of("a", () -> 1, k8s).submit().await();
                }
            }
        }
        // one build per repository; the second round finds both in the shared cache_dir
        assertEquals(2, images.builds.size());
        assertEquals(List.of("127.0.0.1:5000/team-a/tasks", "127.0.0.1:5000/team-b/tasks"),
                images.builds.stream().map(b -> b.target().substring(0, b.target().lastIndexOf(':'))).toList());
    }

    @Test
    void successCleansUpUnlessToldToKeepArtifacts() throws Exception {
        try (KubernetesExecutor k8s = executor(Map.of())) {
            TaskRun<Integer> run = Task.of("a", () -> 1, k8s).submit();
            run.await();
            waitUntil(() -> MemoryStore.at(dataStore).list(run.call().dispatchId() + "/").isEmpty()); // cleaned after the result
        }
        try (KubernetesExecutor k8s = executor(Map.of("keep_artifacts", true))) {
            TaskRun<Integer> run = Task.of("a", () -> 1, k8s).submit();
            run.await();
            String prefix = run.call().dispatchId() + "/" + run.call().nodeId() + "/";
            assertEquals(List.of(prefix + "input", prefix + "output"), MemoryStore.at(dataStore).list(prefix));
            assertFalse(cluster.deleted.contains(run.jobName().orElseThrow()));
        }
    }

    @Test
    void anArgumentThatIsNotSerializableIsRefusedAtSubmit() {
        try (KubernetesExecutor k8s = executor(Map.of())) {
            Task1<Object, String> t = Task.of("t", (Object o) -> String.valueOf(o), k8s);
            ValenceException e = assertThrows(ValenceException.class, () -> t.submit(new Object()));
            assertEquals(ErrorKind.PAYLOAD, e.kind());
            assertEquals("task 't' cannot be sent: java.lang.Object is not Serializable (a task's function, "
                    + "its captured variables and its arguments must be)", e.getMessage());
            assertTrue(cluster.created.isEmpty());
        }
    }

    @Test
    void aValueThatIsNotSerializableFailsWithItsType() {
        try (KubernetesExecutor k8s = executor(Map.of())) {
            TaskRun<Object> run = Task.of("t", () -> (Object) new Thread(), k8s).submit();
            ValenceException e = assertThrows(ValenceException.class, run::await);
            assertEquals(ErrorKind.PAYLOAD, e.kind());
            assertTrue(e.getMessage().startsWith("task 't' returned a value of type java.lang.Thread that cannot be serialized"),
                    e.getMessage());
        }
    }

    @Test
    void anOutputLargerThanTheLimitIsRefused() {
        try (KubernetesExecutor k8s = executor(Map.of("max_output_bytes", 1000))) {
            TaskRun<byte[]> run = Task.of("big", () -> new byte[5000], k8s).submit();
            ValenceException e = assertThrows(ValenceException.class, run::await);
            assertEquals("task 'big' output is larger than max_output_bytes (1000 bytes)", e.getMessage());
        }
    }

    // ---- issue 19: cancel waits, given-up Jobs go, timeout backstop, no leftovers ----

    @Test
    void aCancelWhileTheJobIsBeingCreatedReturnsOnlyOnceTheJobIsDeletedAndLeavesNoInput() throws Exception {
        cluster.behaviour = InProcessCluster::hang;
        cluster.holdSubmits = new java.util.concurrent.CountDownLatch(1);
        try (KubernetesExecutor k8s = executor(Map.of())) {
            TaskRun<String> run = Task.of("slow", () -> "x", k8s).submit();
            assertTrue(cluster.submitsStarted.tryAcquire(10, TimeUnit.SECONDS), "the create was sent");
            Thread answer = new Thread(() -> {
                sleepQuietly(300); // the API server answers the create late, as under load
                cluster.holdSubmits.countDown();
            });
            answer.start();
            assertTrue(run.cancel()); // as the CLI's shutdown hook does, right before the JVM exits
            assertEquals(List.of(run.jobName().orElseThrow()), cluster.deleted,
                    "the Job created while cancelling is deleted before cancel returns");
            assertEquals(List.of(), MemoryStore.at(dataStore).list(run.call().dispatchId() + "/"), "no input left");
            answer.join();
        }
    }

    @Test
    void closeWaitsForTheDeleteOfACancelUnderWayElsewhere() throws Exception {
        cluster.behaviour = InProcessCluster::hang;
        cluster.deleteTakes = Duration.ofMillis(500);
        String job;
        KubernetesExecutor k8s = executor(Map.of());
        TaskRun<String> run = Task.of("slow", () -> "x", k8s).submit();
        job = awaitJob(run).name();
        Thread hook = new Thread(run::cancel, "shutdown-hook");
        hook.start();
        waitUntil(() -> run.status() == TaskStatus.CANCELLED);
        k8s.close();
        assertEquals(List.of(job), cluster.deleted, "the cancel's delete is acknowledged before close returns");
        hook.join();
    }

    @Test
    void aJobWhosePodNeverRanIsDeletedWhenValenceGivesUpOnIt() throws Exception {
        cluster.behaviour = spec -> JobOutcome.failed("Unschedulable", "0/1 nodes are available", "p-1", "");
        String job;
        try (KubernetesExecutor k8s = executor(Map.of())) {
            TaskRun<String> run = Task.of("t", () -> "x", k8s).submit();
            ValenceException e = assertThrows(ValenceException.class, run::await);
            assertEquals(ErrorKind.POD_FAILED, e.kind());
            job = run.jobName().orElseThrow();
        }
        assertEquals(List.of(job), cluster.deleted, "a Job that never ran is not left for its pod to start later");
    }

    @Test
    void aPodRefusedByPodSecurityFailsWithTheEventsMessageAndAFixAndItsJobIsDeleted() throws Exception {
        String refused = "Error creating: pods \"p\" is forbidden: violates PodSecurity \"restricted:latest\": "
                + "allowPrivilegeEscalation != false";
        cluster.behaviour = spec -> JobOutcome.failed("FailedCreate", refused, "", "");
        String job;
        try (KubernetesExecutor k8s = executor(Map.of())) {
            TaskRun<String> run = Task.of("t", () -> "x", k8s).submit();
            ValenceException e = assertThrows(ValenceException.class, run::await);
            job = run.jobName().orElseThrow();
            assertEquals("task 't' failed in Job " + job + " (namespace test): FailedCreate: " + refused + "; namespace "
                    + "test enforces a Pod Security level this pod does not meet: see the rules named above, or use a "
                    + "namespace whose pod-security.kubernetes.io/enforce label allows it", e.getMessage());
        }
        assertEquals(List.of(job), cluster.deleted);
    }

    @Test
    void aFailedRunKeepsItsJobForItsLogsButLeavesNoArtifacts() throws Exception {
        cluster.behaviour = spec -> JobOutcome.failed("BackoffLimitExceeded", "exit code 3", "p-1", "boom");
        TaskRun<String> run;
        try (KubernetesExecutor k8s = executor(Map.of())) {
            run = Task.of("t", () -> "x", k8s).submit();
            assertThrows(ValenceException.class, run::await);
        }
        assertEquals(List.of(), cluster.deleted, "kept until ttl_after_finished: 'kubectl logs' still shows it");
        assertEquals(List.of(), MemoryStore.at(dataStore).list(run.call().dispatchId() + "/"), "no input left");
    }

    @Test
    void aJobStillRunningPastItsTimeoutIsDeletedAndTheRunFailsWithTimeout() throws Exception {
        cluster.behaviour = InProcessCluster::hang; // a control plane that does not enforce activeDeadlineSeconds
        try (KubernetesExecutor k8s = executor(Map.of("timeout", "1s", "poll_freq", "0.2s"))) {
            TaskRun<String> run = Task.of("late", () -> "x", k8s).submit();
            ValenceException e = assertThrows(ValenceException.class, run::await);
            assertEquals(ErrorKind.TIMEOUT, e.kind(), e.getMessage());
            assertTrue(e.getMessage().startsWith("task 'late' ran longer than its timeout of 1.0 s: Job "
                    + run.jobName().orElseThrow()), e.getMessage());
            waitUntil(() -> cluster.deleted.contains(run.jobName().orElseThrow()));
        }
    }

    @Test
    void theTimeoutGraceIsATenthOfTheTimeoutWithinOneAndThirtySecondsPlusPollFreq() {
        try (KubernetesExecutor k8s = executor(Map.of("poll_freq", "2s"))) {
            assertEquals(Duration.ofSeconds(3), k8s.timeoutGrace(Duration.ofSeconds(5)));
            assertEquals(Duration.ofSeconds(8), k8s.timeoutGrace(Duration.ofMinutes(1)));
            assertEquals(Duration.ofSeconds(32), k8s.timeoutGrace(Duration.ofHours(2)));
        }
    }

    @Test
    void theJobRunsAsTheConfiguredIdentityWithOnlyAMemoryLimitAndNoServiceAccountToken() throws Exception {
        cluster.behaviour = InProcessCluster::hang;
        try (KubernetesExecutor k8s = executor(Map.of("run_as_user", 2000, "run_as_group", 3000, "fs_group", 4000,
                "memory", "2Gi"))) {
            TaskRun<Integer> run = Task.of("t", () -> 1, k8s).submit();
            JobSpec spec = awaitJob(run);
            assertEquals(java.util.Optional.of(2000L), spec.runAsUser());
            assertEquals(java.util.Optional.of(3000L), spec.runAsGroup());
            assertEquals(java.util.Optional.of(4000L), spec.fsGroup());
            assertEquals(java.util.Optional.empty(), spec.vcpuLimit());
            assertEquals(java.util.Optional.of("2Gi"), spec.memoryLimit());
            assertFalse(spec.automountServiceAccountToken());
            run.cancel();
        }
    }

    @Test
    void theImageKeepsTheBaseImagesUserAndGivesTheHeapMostOfTheMemory() throws Exception {
        try (KubernetesExecutor k8s = executor(Map.of())) {
            Task.of("a", () -> 1, k8s).submit().await();
        }
        var spec = images.builds.get(0);
        assertEquals(java.util.Optional.empty(), spec.user());
        assertTrue(spec.entrypoint().contains("-XX:MaxRAMPercentage=75"), String.valueOf(spec.entrypoint()));
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private JobSpec awaitJob(TaskRun<?> run) throws InterruptedException {
        waitUntil(() -> run.status() == TaskStatus.RUNNING);
        return cluster.jobs.get(run.jobName().orElseThrow());
    }

    private static void waitUntil(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within 10 s");
            }
            Thread.sleep(10);
        }
    }
}
