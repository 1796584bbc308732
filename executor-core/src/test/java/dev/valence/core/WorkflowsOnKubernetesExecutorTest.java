package dev.valence.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.valence.api.Node;
import dev.valence.api.NodeResult;
import dev.valence.api.Task;
import dev.valence.api.Task1;
import dev.valence.api.TaskRun;
import dev.valence.api.TaskStatus;
import dev.valence.api.Workflow;
import dev.valence.api.Workflow1;
import dev.valence.api.WorkflowResult;
import dev.valence.spi.JobOutcome;
import dev.valence.spi.JobSpec;
import dev.valence.spi.Plugins;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Issue 22 through the Kubernetes executor (on the in-process cluster): overrides in the Job, retries of evicted pods. */
@Timeout(30)
class WorkflowsOnKubernetesExecutorTest {
    @TempDir
    Path tmp;

    final InProcessCluster cluster = new InProcessCluster();
    final MemoryImages images = new MemoryImages();
    final String dataStore = "mem://test-" + UUID.randomUUID();

    KubernetesExecutor executor(Map<String, Object> extra) throws Exception {
        Path classes = tmp.resolve("classes");
        Files.createDirectories(classes);
        Files.writeString(classes.resolve("A.class"), "v1");
        KubernetesExecutor.Builder b = KubernetesExecutor.builder()
                .plugins(Plugins.of(List.of(new MemoryStore.Factory(), cluster.factory(), images.factory())))
                .environment(Map.of()).userHome(tmp).dataStore(dataStore).cacheDir(tmp.resolve("cache"))
                .registry("127.0.0.1:5000").classpath(List.of(classes));
        extra.forEach(b::set);
        return b.build();
    }

    @Test
    void aTasksOverridesReachItsJobAndOnlyItsJob() throws Exception {
        cluster.behaviour = InProcessCluster::hang;
        try (KubernetesExecutor k8s = executor(Map.of("vcpu", "250m", "memory", "1Gi", "labels", Map.of("team", "ml"),
                "node_selector", Map.of("pool", "cpu")))) {
            Task1<Integer, Integer> plain = Task.of("plain", (Integer x) -> x, k8s);
            Task1<Integer, Integer> big = plain.with(o -> o.vcpu("2").memory("4Gi").gpus(1).timeout(Duration.ofMinutes(5))
                    .retries(3).labels(Map.of("size", "big")).nodeSelector(Map.of("pool", "gpu")));
            TaskRun<Integer> bigRun = big.submit(1);
            TaskRun<Integer> plainRun = plain.submit(2);
            JobSpec b = awaitJob(bigRun);
            JobSpec p = awaitJob(plainRun);
            assertEquals("2", b.vcpu().orElseThrow());
            assertEquals("4Gi", b.memory().orElseThrow());
            assertEquals(1, b.gpus());
            assertEquals(Duration.ofMinutes(5), b.activeDeadline().orElseThrow());
            assertEquals(3, b.backoffLimit());
            assertEquals("big", b.labels().get("size"));
            assertEquals("ml", b.labels().get("team"), "labels add to the executor's");
            assertEquals(Map.of("pool", "gpu"), b.nodeSelector());
            assertEquals("250m", p.vcpu().orElseThrow());
            assertEquals("1Gi", p.memory().orElseThrow());
            assertEquals(Map.of("pool", "cpu"), p.nodeSelector());
            assertEquals(0, p.gpus());
            bigRun.cancel();
            plainRun.cancel();
        }
    }

    @Test
    void anEvictedPodIsTriedAgainAsAFreshJobAndBothAttemptsAreInTheResult() throws Exception {
        AtomicInteger submits = new AtomicInteger();
        cluster.behaviour = spec -> submits.incrementAndGet() == 1
                ? JobOutcome.failed("Evicted", "pod " + spec.name() + "-pod was evicted: the node was low on memory",
                        spec.name() + "-pod", "")
                : cluster.runLauncher(spec);
        try (KubernetesExecutor k8s = executor(Map.of()); Dispatcher dispatcher = new Dispatcher(tmp.resolve("records"))) {
            Task1<String, String> t = Task.of("fragile", (String s) -> s + "!", k8s).with(o -> o.backoff(Duration.ZERO));
            Workflow1<String, String> wf = Workflow.of("evicted", (Node<String> s) -> t.call(s));
            WorkflowResult<String> r = dispatcher.result(dispatcher.dispatch(wf, List.of("x")), true);
            assertEquals("x!", r.valueOrThrow());
            NodeResult n = r.node("fragile").orElseThrow();
            assertEquals(2, n.attempts().size());
            assertTrue(n.attempts().get(0).error().orElseThrow().contains("Evicted"), n.attempts().toString());
            assertEquals(2, submits.get());
            assertTrue(!n.attempts().get(0).jobName().equals(n.attempts().get(1).jobName()),
                    "each attempt has its own Job (and store folder), so the failed one's clean-up spares the next: "
                            + n.attempts());
            assertEquals(TaskStatus.COMPLETED, n.status());
        }
    }

    private JobSpec awaitJob(TaskRun<?> run) throws InterruptedException {
        while (run.status() != TaskStatus.RUNNING || !cluster.jobs.containsKey(run.jobName().orElseThrow())) {
            Thread.sleep(10);
        }
        return cluster.jobs.get(run.jobName().orElseThrow());
    }
}
