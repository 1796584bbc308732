package dev.valence.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.valence.api.ErrorKind;
import dev.valence.api.Settings;
import dev.valence.api.Task;
import dev.valence.api.ValenceException;
import dev.valence.spi.ArtifactStore;
import dev.valence.spi.ArtifactStoreFactory;
import dev.valence.spi.Plugins;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A store declares the keys its pod needs (podEnvKeys): each set one reaches the Job's env; a secret never does. */
class StorePodEnvTest {
    @TempDir
    Path tmp;

    /** A memory store whose factory declares {@code mem_region} (pod env) and {@code mem_token} (a secret). */
    static ArtifactStoreFactory store(Set<String> podEnvKeys) {
        return new ArtifactStoreFactory() {
            @Override
            public String name() {
                return "memory-declaring";
            }

            @Override
            public Set<String> schemes() {
                return Set.of("mem");
            }

            @Override
            public Map<String, String> settingKeys() {
                return Map.of("mem_region", "", "mem_token", "", "mem_tuning", "");
            }

            @Override
            public Set<String> sensitiveKeys() {
                return Set.of("mem_token");
            }

            @Override
            public Set<String> podEnvKeys() {
                return podEnvKeys;
            }

            @Override
            public ArtifactStore create(Settings settings) {
                return MemoryStore.at(settings.dataStore());
            }
        };
    }

    KubernetesExecutor.Builder executor(InProcessCluster cluster, ArtifactStoreFactory store) {
        MemoryImages images = new MemoryImages();
        return KubernetesExecutor.builder().plugins(Plugins.of(List.of(store, cluster.factory(), images.factory())))
                .environment(Map.of()).userHome(tmp).dataStore("mem://test-" + UUID.randomUUID())
                .cacheDir(tmp.resolve("cache")).registry("127.0.0.1:5000").classpath(List.of())
                .set("mem_region", "eu-1").set("pod_mem_region", "eu-pod").set("mem_token", "s3cr3t-x")
                .set("mem_tuning", "fast");
    }

    @Test
    void theDeclaredKeysReachThePodWithTheirPodValue() {
        InProcessCluster cluster = new InProcessCluster();
        // the Job's spec is what counts here: its pod is not run (the registered memory store declares no mem_region)
        cluster.behaviour = spec -> dev.valence.spi.JobOutcome.failed("BackoffLimitExceeded", "not run", spec.name() + "-pod",
                "");
        try (KubernetesExecutor k8s = executor(cluster, store(Set.of("mem_region"))).build()) {
            assertThrows(ValenceException.class, () -> Task.of("three", (Integer x) -> x + 1, k8s).submit(2).await());
        }
        Map<String, String> env = cluster.jobs.values().iterator().next().env();
        assertEquals("eu-pod", env.get("VALENCE_K8S_MEM_REGION"), env.toString());
        assertFalse(env.containsKey("VALENCE_K8S_MEM_TUNING"), "an undeclared key stays with the client: " + env);
        assertTrue(env.values().stream().noneMatch(v -> v.contains("s3cr3t-x")), env.toString());
    }

    @Test
    void aStoreDeclaringASecretKeyForThePodIsRefusedWithWhatToDo() {
        ValenceException e = assertThrows(ValenceException.class,
                () -> executor(new InProcessCluster(), store(Set.of("mem_region", "mem_token"))).build());
        assertEquals(ErrorKind.PLUGIN, e.kind());
        assertTrue(e.getMessage().contains("declares the secret key 'mem_token' in podEnvKeys()")
                && e.getMessage().contains("StoreAccess.Builder.envFromSecret"), e.getMessage());
    }
}
