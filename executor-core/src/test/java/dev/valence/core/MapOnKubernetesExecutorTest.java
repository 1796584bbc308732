package dev.valence.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.valence.api.ErrorKind;
import dev.valence.api.MapResult;
import dev.valence.api.Task;
import dev.valence.api.Task1;
import dev.valence.api.TaskCall;
import dev.valence.api.TaskOptions;
import dev.valence.api.TaskRun;
import dev.valence.api.ValenceException;
import dev.valence.spi.ClusterVersion;
import dev.valence.spi.JobSpec;
import dev.valence.spi.Plugins;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Issue 23 on the Kubernetes executor: one Indexed Job per map, per-element results, retries by server version, resume. */
@Timeout(30)
class MapOnKubernetesExecutorTest {
    @TempDir
    Path tmp;

    final InProcessCluster cluster = new InProcessCluster();
    final MemoryImages images = new MemoryImages();
    final String dataStore = "mem://map-" + UUID.randomUUID();

    static final class Shared {
        static final Set<Integer> failing = ConcurrentHashMap.newKeySet();
        static final List<Integer> ran = new java.util.concurrent.CopyOnWriteArrayList<>();
    }

    KubernetesExecutor executor() {
        try {
            Path dir = Files.createDirectories(tmp.resolve("classes"));
            Files.writeString(dir.resolve("A.class"), "v1");
            return KubernetesExecutor.builder()
                    .plugins(Plugins.of(List.of(new MemoryStore.Factory(), cluster.factory(), images.factory())))
                    .environment(Map.of()).userHome(tmp).dataStore(dataStore).cacheDir(tmp.resolve("cache"))
                    .registry("127.0.0.1:5000").classpath(List.of(dir)).build();
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Waits (within the test's timeout) until the condition holds. */
    static void waitFor(java.util.function.BooleanSupplier condition) {
        while (!condition.getAsBoolean()) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    static List<Integer> range(int n) {
        return IntStream.range(0, n).boxed().toList();
    }

    static Integer squareUnlessFailing(Integer x) {
        Shared.ran.add(x);
        if (Shared.failing.contains(x)) {
            throw new IllegalArgumentException("element " + x + " is bad");
        }
        return x * x;
    }

    @Test
    void aMapIsOneIndexedJobWhoseResultsComeInInputOrder() {
        Shared.failing.clear();
        try (KubernetesExecutor k8s = executor()) {
            Task1<Integer, Integer> square = Task.of("square", MapOnKubernetesExecutorTest::squareUnlessFailing, k8s)
                    .with(o -> o.parallelism(2));
            MapResult<Integer> result = square.map(range(5)).await();
            assertEquals(List.of(0, 1, 4, 9, 16), result);
            assertEquals(1, cluster.created.size(), "one Job for the whole map");
            JobSpec job = cluster.jobs.values().stream().findFirst().orElse(null);
            String name = cluster.created.get(0);
            assertEquals(List.of(0, 1, 2, 3, 4), cluster.indexesRun.get(name));
            assertTrue(job == null || job.completions().equals(Optional.of(5)), "deleted or completions 5");
        }
    }

    @Test
    void theIndexedJobHasCompletionsParallelismAndRetriesByServerVersion() {
        try (KubernetesExecutor k8s = executor()) {
            TaskCall call = TaskCall.builder().taskName("square").body(args -> args[0]).args(List.of(range(7)))
                    .options(TaskOptions.NONE.toBuilder("square").parallelism(3).retries(2).build()).map(true).build();
            cluster.version = ClusterVersion.parse("1", "31");
            JobSpec old = k8s.jobSpec(call, "j", "img");
            assertEquals(Optional.of(7), old.completions());
            assertEquals(Optional.of(3), old.parallelism());
            assertEquals(Optional.empty(), old.backoffLimitPerIndex());
            assertEquals(3 * 7, old.backoffLimit(), "Job-wide, only a bound: the executor counts per index");
            assertEquals("7", old.env().get(MapJobs.SIZE_ENV));
            assertEquals("2", old.env().get(MapJobs.RETRIES_ENV));
        }
        try (KubernetesExecutor k8s = executor()) {
            cluster.version = ClusterVersion.parse("1", "33+");
            TaskCall call = TaskCall.builder().taskName("square").body(args -> args[0]).args(List.of(range(7)))
                    .options(TaskOptions.NONE.toBuilder("square").retries(2).build()).map(true).build();
            JobSpec recent = k8s.jobSpec(call, "j", "img");
            assertEquals(Optional.of(2), recent.backoffLimitPerIndex());
            assertEquals(Optional.of(7), recent.parallelism(), "parallelism 0 runs every element at once");
        }
    }

    @Test
    void failedElementsGiveTheirErrorsWhenMinSuccessRatioAcceptsThemAndFailTheMapOtherwise() {
        Shared.failing.clear();
        Shared.failing.add(1);
        cluster.podsDieAt.add(3);
        try (KubernetesExecutor k8s = executor()) {
            Task1<Integer, Integer> square = Task.of("square", MapOnKubernetesExecutorTest::squareUnlessFailing, k8s);
            MapResult<Integer> partial = square.with(o -> o.minSuccessRatio(0.5)).map(range(5)).await();
            assertEquals(3, partial.succeededCount());
            assertNull(partial.get(1));
            assertEquals("element 1 is bad", partial.elements().get(1).error().orElseThrow().getMessage());
            Throwable podDied = partial.elements().get(3).error().orElseThrow();
            assertTrue(podDied instanceof ValenceException v && v.kind() == ErrorKind.POD_FAILED
                    && podDied.getMessage().contains("element 3") && podDied.getMessage().contains("BackoffLimitExceeded")
                    && podDied.getMessage().contains("out of memory"), podDied.getMessage());
            assertEquals(16, partial.get(4));

            ValenceException all = assertThrows(ValenceException.class, () -> square.map(range(5)).await());
            assertTrue(all.getMessage().contains("2 of 5 elements failed") && all.getMessage().contains("elements 1, 3;"),
                    all.getMessage());
        } finally {
            cluster.podsDieAt.clear();
            Shared.failing.clear();
        }
    }

    @Test
    void cancellingAMapDeletesItsOneJob() {
        cluster.behaviour = InProcessCluster::hang;
        try (KubernetesExecutor k8s = executor()) {
            TaskRun<MapResult<Integer>> run = Task.of("square", (Integer x) -> x * x, k8s).map(range(4));
            waitFor(() -> !cluster.created.isEmpty());
            String job = run.jobName().orElseThrow();
            assertEquals(List.of(job), cluster.created);
            assertTrue(run.cancel());
            assertEquals(List.of(job), cluster.deleted);
        }
    }

    @Test
    void aRestartedExecutorReattachesToTheMapsJobWithoutASecondOne() {
        cluster.behaviour = InProcessCluster::hang;
        TaskCall call = TaskCall.builder().dispatchId("d2").nodeId("square").taskName("square")
                .body(args -> (Integer) args[0] + 1).args(List.of(new ArrayList<>(range(3)))).map(true).build();
        KubernetesExecutor first = executor();
        TaskRun<MapResult<Integer>> before = first.submit(call);
        waitFor(() -> !cluster.created.isEmpty());
        first.close(); // the executor's process ends; the Job goes on
        ValenceException closed = assertThrows(ValenceException.class, before::await);
        assertEquals(ErrorKind.CANCELLED, closed.kind());
        try (KubernetesExecutor second = executor()) {
            TaskRun<MapResult<Integer>> again = second.submit(call);
            waitFor(() -> again.status() == dev.valence.api.TaskStatus.RUNNING);
            assertEquals(1, cluster.created.size(), "re-attached, not submitted again");
            cluster.finish(cluster.created.get(0));
            assertEquals(List.of(1, 2, 3), again.await());
        }
    }

    @Test
    void beforeKubernetes133TheExecutorStopsTheJobWhenOneIndexFailedMoreThanItsRetries() {
        cluster.behaviour = InProcessCluster::hang;
        cluster.version = ClusterVersion.parse("1", "31");
        try (KubernetesExecutor k8s = executor()) {
            TaskRun<MapResult<Integer>> run = Task.of("square", (Integer x) -> x * x, k8s).with(o -> o.retries(1))
                    .map(range(4));
            waitFor(() -> run.status() == dev.valence.api.TaskStatus.RUNNING);
            String job = run.jobName().orElseThrow();
            cluster.podFailed(job, job + "-3-a", 3);
            cluster.podFailed(job, job + "-2-a", 2); // two failures in the Job, one per index: within retries
            cluster.podFailed(job, job + "-2-b", 2); // index 2's second: over retries 1
            ValenceException e = assertThrows(ValenceException.class, run::await);
            assertTrue(e.getMessage().contains("BackoffLimitPerIndexExceeded") && e.getMessage().contains(
                    "the pods of completion index 2 failed 2 times, more than retries (1)"), e.getMessage());
            waitFor(() -> cluster.deleted.contains(job));
        }
    }

    @Test
    void anEmptyListCompletesWithoutAJob() {
        try (KubernetesExecutor k8s = executor()) {
            Task1<Integer, Integer> square = Task.of("square", (Integer x) -> x * x, k8s);
            TaskRun<MapResult<Integer>> run = square.map(List.of());
            assertTrue(run.await().isEmpty());
            assertTrue(cluster.created.isEmpty());
            assertFalse(run.jobName().isPresent());
        }
    }

    @Test
    void aRerunOfAFailedMapRunsOnlyTheElementsWithoutAValue() {
        Shared.failing.clear();
        Shared.failing.addAll(List.of(1, 3));
        Shared.ran.clear();
        try (KubernetesExecutor k8s = executor()) {
            TaskCall first = TaskCall.builder().dispatchId("d1").nodeId("square").taskName("square")
                    .body(args -> squareUnlessFailing((Integer) args[0])).args(List.of(new ArrayList<>(range(5))))
                    .map(true).build();
            TaskRun<MapResult<Integer>> failed = k8s.submit(first);
            assertThrows(ValenceException.class, failed::await);
            assertEquals(5, Shared.ran.size());

            Shared.failing.clear();
            Shared.ran.clear();
            TaskCall again = TaskCall.builder().dispatchId("d1").nodeId("square").taskName("square")
                    .body(args -> squareUnlessFailing((Integer) args[0])).args(List.of(new ArrayList<>(range(5))))
                    .map(true).rerun(true).build();
            TaskRun<MapResult<Integer>> rerun = k8s.submit(again);
            assertEquals(List.of(0, 1, 4, 9, 16), rerun.await());
            assertEquals(List.of(1, 3), Shared.ran.stream().sorted().toList(), "only the failed elements ran again");
            assertEquals(2, cluster.created.size());
        } finally {
            Shared.failing.clear();
        }
    }
}
