package dev.valence.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.valence.api.WorkflowResult;
import dev.valence.core.KubernetesExecutor;
import dev.valence.tck.cluster.ApiServerBed;
import dev.valence.tck.cluster.JobControllerStandIn;
import dev.valence.tck.image.RegistryBed;
import dev.valence.tck.pods.RuncPodRunner;
import dev.valence.tck.pods.SharedBeds;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The seed's demo with the local store when the client and the pod are different users, as on a
 * real single-node cluster with the store mounted by hostPath: the client as root with pods as
 * {@code run_as_user}:{@code run_as_group} (default 1000:1000, over the image's user), and the
 * client as a non-root uid ({@code setpriv}) in a JVM of its own. The store folder is the one the
 * client makes itself (no help from the test), pods are real containers.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class PodIdentityTest {
    static final int CLIENT_UID = 1234;

    @TempDir
    Path work;

    ApiServerBed api;
    RegistryBed registry;
    JobControllerStandIn standIn;
    RuncPodRunner runner;
    Path store;
    final Map<String, String> logs = new java.util.concurrent.ConcurrentSkipListMap<>();

    @BeforeEach
    void beds() throws IOException {
        api = ApiServerBed.start();
        registry = SharedBeds.registry();
        store = work.resolve("client-home").resolve("store"); // made by the client, with its owner and umask
        runner = RuncPodRunner.builder().client(api.client()).hostPath("/data", store).build();
        standIn = new JobControllerStandIn(api);
        standIn.runJobsWith(runner.observed((pod, r) -> logs.put(pod.podName(),
                r.waiting() ? r.reason() + ": " + r.message() : r.log())));
    }

    @AfterEach
    void close() {
        standIn.close();
        runner.close();
        api.close();
    }

    @Test
    void theDemoPassesWithTheClientAsRootAndPodsAsRunAsUser() {
        try (KubernetesExecutor k8s = SeedDemoClient.onBed(work, api.kubeconfig(), ApiServerBed.CONTEXT, registry.host(),
                SharedBeds.jreImage(), store.toString()).build()) {
            WorkflowResult<String> result = SeedDemoClient.runDemo(k8s, work);
            assertEquals("Hello, World!", result.value().orElse(null), result + "; the pods' logs:\n" + podLogs());
        }
    }

    @Test
    void theDemoPassesWithTheClientAsANonRootUid() throws Exception {
        Path home = Files.createDirectories(work.resolve("client-home"));
        Path kubeconfig = Files.copy(api.kubeconfig(), home.resolve("kubeconfig"));
        chown(home);
        work.toFile().setExecutable(true, false); // the client may reach its home under the test's temp dir
        List<String> command = new ArrayList<>(List.of("setpriv", "--reuid", String.valueOf(CLIENT_UID), "--regid",
                String.valueOf(CLIENT_UID), "--clear-groups", Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", readableClassPath(), SeedDemoClient.class.getName(), kubeconfig.toString(), ApiServerBed.CONTEXT,
                registry.host(), SharedBeds.jreImage(), store.toString(), home.toString()));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().put("HOME", home.toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(150, TimeUnit.SECONDS), out);
        assertEquals(0, p.exitValue(), out + "\nthe pods' logs:\n" + podLogs());
        assertTrue(out.contains("value: Hello, World!"), out);
        assertEquals(CLIENT_UID, Files.getAttribute(store, "unix:uid"), "the client made the store");
    }

    /** Every pod's log, for failure messages. */
    private String podLogs() {
        StringBuilder out = new StringBuilder();
        logs.forEach((pod, log) -> out.append("--- ").append(pod).append('\n').append(log).append('\n'));
        return out.toString();
    }

    /**
     * This JVM's class path as the other uid can read it: directories copied, jars from the private
     * Maven repository hard-linked (or copied) into a readable folder.
     */
    private String readableClassPath() throws IOException {
        Path libs = Files.createDirectories(work.resolve("libs"));
        List<String> entries = new ArrayList<>();
        int n = 0;
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path p = Path.of(entry);
            Path link = libs.resolve((n++) + "-" + p.getFileName());
            if (Files.isDirectory(p)) {
                // copied: the build's own folders may sit under a directory only root can enter (a CI clone)
                try (java.util.stream.Stream<Path> files = Files.walk(p)) {
                    for (Path f : files.toList()) {
                        Path to = link.resolve(p.relativize(f).toString());
                        if (Files.isDirectory(f)) {
                            Files.createDirectories(to);
                            to.toFile().setExecutable(true, false);
                        } else {
                            Files.copy(f, to);
                        }
                        to.toFile().setReadable(true, false);
                    }
                }
                entries.add(link.toString());
                continue;
            }
            try {
                Files.createLink(link, p);
            } catch (IOException | UnsupportedOperationException e) {
                Files.copy(p, link);
            }
            link.toFile().setReadable(true, false);
            entries.add(link.toString());
        }
        libs.toFile().setExecutable(true, false);
        libs.toFile().setReadable(true, false);
        return String.join(File.pathSeparator, entries);
    }

    private static void chown(Path dir) throws IOException {
        try (var all = Files.walk(dir)) {
            for (Path p : all.toList()) {
                Files.setAttribute(p, "unix:uid", CLIENT_UID);
                Files.setAttribute(p, "unix:gid", CLIENT_UID);
            }
        }
    }
}
