package dev.valence.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.valence.api.Task;
import dev.valence.api.Task1;
import dev.valence.api.TaskRun;
import dev.valence.api.TaskStatus;
import dev.valence.spi.Plugins;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Memoized calls through the Kubernetes executor (on the in-process cluster): a hit submits no Job. */
@Timeout(30)
class CallCacheOnKubernetesExecutorTest {
    @TempDir
    Path tmp;

    final InProcessCluster cluster = new InProcessCluster();
    final MemoryImages images = new MemoryImages();
    final String dataStore = "mem://cache-k8s-" + UUID.randomUUID();
    final AtomicInteger jobs = new AtomicInteger();

    KubernetesExecutor executor(Map<String, Object> extra) throws Exception {
        Path classes = tmp.resolve("classes");
        Files.createDirectories(classes);
        Files.writeString(classes.resolve("A.class"), "v1");
        cluster.behaviour = spec -> {
            jobs.incrementAndGet();
            return cluster.runLauncher(spec);
        };
        KubernetesExecutor.Builder b = KubernetesExecutor.builder()
                .plugins(Plugins.of(List.of(new MemoryStore.Factory(), cluster.factory(), images.factory())))
                .environment(Map.of()).userHome(tmp).dataStore(dataStore).cacheDir(tmp.resolve("cache"))
                .registry("127.0.0.1:5000").classpath(List.of(classes)).set("cache", true);
        extra.forEach(b::set);
        return b.build();
    }

    @Test
    void aCachedCallMakesNoJobAndItsEntryNamesTheImageParts() throws Exception {
        try (KubernetesExecutor k8s = executor(Map.of())) {
            Task1<String, String> shout = Task.of("shout", (String s) -> s + "!", k8s);
            assertEquals("a!", shout.submit("a").await());
            TaskRun<String> again = shout.submit("a");
            assertEquals("a!", again.await());
            assertEquals(TaskStatus.CACHED, again.status());
            assertTrue(again.jobName().isEmpty(), "no Job");
            assertEquals(1, jobs.get());
            CacheEntries.Entry e = new CacheEntries(MemoryStore.at(dataStore)).list().get(0);
            assertEquals(List.of("task", "code", "call", "base_image", "entrypoint", "layer:dependencies",
                    "layer:valence-runtime"), List.copyOf(e.parts().keySet()));
        }
        try (KubernetesExecutor otherBase = executor(Map.of("base_image", "127.0.0.1:5000/jre:other"))) {
            TaskRun<String> run = Task.of("shout", (String s) -> s + "!", otherBase).submit("a");
            assertEquals("a!", run.await());
            assertEquals(TaskStatus.COMPLETED, run.status(), "another base image: a miss");
            assertEquals(2, jobs.get());
        }
    }
}
