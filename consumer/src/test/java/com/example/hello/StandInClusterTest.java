package com.example.hello;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.valence.api.NodeResult;
import dev.valence.api.TaskStatus;
import dev.valence.api.WorkflowResult;
import dev.valence.core.Dispatcher;
import dev.valence.core.KubernetesExecutor;
import dev.valence.core.Launcher;
import dev.valence.core.Valence;
import dev.valence.spi.PluginFactory;
import dev.valence.spi.Plugins;
import dev.valence.tck.cluster.ApiServerBed;
import dev.valence.tck.cluster.JobControllerStandIn;
import dev.valence.tck.image.RegistryBed;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The seed's workflow on two {@link KubernetesExecutor}s, as a user's project builds them with the starter
 * alone: Jobs on Valence's stand-in cluster (fabric8's mock API server, with the tck's Job controller
 * stand-in running each pod's launcher in this JVM), the task image pushed to a real registry (the CNCF
 * registry on loopback), payloads in a local directory.
 */
@Timeout(180)
class StandInClusterTest {
    static ApiServerBed api;
    static RegistryBed registry;
    static JobControllerStandIn controller;
    static final Set<String> podsRun = ConcurrentHashMap.newKeySet();

    @TempDir
    static Path work;

    @BeforeAll
    static void beds() throws Exception {
        api = ApiServerBed.start();
        registry = RegistryBed.start();
        controller = new JobControllerStandIn(api);
        Path store = Files.createDirectories(work.resolve("store"));
        controller.runJobsWith(pod -> {
            ByteArrayOutputStream log = new ByteArrayOutputStream();
            int code = Launcher.run(pod.envWithMountsAt(store), StandInClusterTest.class.getClassLoader(),
                    new PrintStream(log, true, StandardCharsets.UTF_8));
            podsRun.add(pod.jobName());
            return new JobControllerStandIn.Result(code, log.toString(StandardCharsets.UTF_8));
        });
    }

    @AfterAll
    static void close() {
        controller.close();
        registry.close();
        api.close();
    }

    @AfterEach
    void dispatcher() {
        Valence.use(null);
    }

    private static KubernetesExecutor executor(String imageRepo) {
        return KubernetesExecutor.builder()
                .environment(Map.of())
                .userHome(work)
                .k8sConfigFile(api.kubeconfig())
                .k8sContext(ApiServerBed.CONTEXT)
                .registry(registry.host())
                .imageRepo(imageRepo)
                .baseImage("scratch")
                .dataStore(work.resolve("store").toString())
                .set("data_store_mount", "/data")
                .cacheDir(work.resolve("cache"))
                .pollFreq(Duration.ofSeconds(1))
                .classpath(List.of(Path.of("target", "classes"), Path.of("target", "test-classes")))
                .build();
    }

    @Test
    void theStarterBringsTheDefaultAdapters() {
        Set<String> names = Plugins.load(getClass().getClassLoader()).all().stream().map(PluginFactory::name)
                .collect(Collectors.toSet());
        assertTrue(names.containsAll(Set.of("fabric8", "file", "s3", "jib", "credentials-file", "docker-config", "ecr")),
                names.toString());
    }

    @Test
    void theSeedsWorkflowRunsAsJobsOnTheStandInCluster() {
        Valence.use(new Dispatcher(work.resolve("dispatches")));
        try (KubernetesExecutor localCluster = executor("valence-local"); KubernetesExecutor eks = executor("valence-eks")) {
            String id = Valence.dispatch(HelloValence.simpleWorkflow(localCluster, eks), "Hello", "World");
            WorkflowResult<String> result = Valence.result(id, String.class, true);

            assertEquals("Hello, World!", result.valueOrThrow());
            assertEquals(TaskStatus.COMPLETED, result.status());
            for (NodeResult node : result.nodes()) {
                String job = node.jobName().orElseThrow(() -> new AssertionError(node.nodeId() + " ran without a Job"));
                assertTrue(podsRun.contains(job), job + " not run by the stand-in: " + podsRun);
            }
            assertEquals(List.of("join_words", "excitement"), result.nodes().stream().map(NodeResult::nodeId).toList());
        }
    }
}
