package dev.valence.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.valence.tck.cluster.ApiServerBed;
import dev.valence.tck.cluster.JobControllerStandIn;
import dev.valence.tck.image.RegistryBed;
import dev.valence.tck.pods.HostDirs;
import dev.valence.tck.pods.RuncPodRunner;
import dev.valence.tck.pods.SharedBeds;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code valence run} when the cluster answers: the demo's tasks run as Jobs on the mock API server,
 * the image goes to a real registry on the tck's JRE base image, the store is a local directory,
 * and the tck's Job controller stand-in runs each pod as a real container (runc), the node's
 * {@code /data} being the store directory. Then {@code dispatches} and {@code render} see what the
 * run left.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ClusterRunTest {
    static ApiServerBed api;
    static RegistryBed registry;
    static JobControllerStandIn controller;
    static RuncPodRunner runner;

    @TempDir
    static Path work;

    @BeforeAll
    static void beds() throws Exception {
        api = ApiServerBed.start();
        registry = SharedBeds.registry();
        controller = new JobControllerStandIn(api);
        Path store = HostDirs.writableByAnyUid(work.resolve("store"));
        runner = RuncPodRunner.builder().client(api.client()).hostPath("/data", store).build();
        controller.runJobsWith(runner);
    }

    @AfterAll
    static void close() {
        controller.close();
        runner.close();
        api.close();
    }

    @Test
    void theDemoRunsAsJobsWhenTheClusterAnswers() {
        CliFixture cli = new CliFixture(work.resolve("home"));
        cli.env.put("KUBECONFIG", api.kubeconfig().toString());
        cli.write(".config/valence/valence.toml", """
                [executors.k8s]
                registry = "%s"
                base_image = "%s"
                data_store = "%s"
                data_store_mount = "/data"
                poll_freq = 1
                """.formatted(registry.host(), SharedBeds.jreImage(), work.resolve("store")));

        CliFixture.Result run = cli.run("run");
        assertEquals(0, run.code(), run.toString());
        assertEquals("Hello, World!\n", run.out());
        assertTrue(run.err().startsWith("executor: kubernetes, the current context of " + api.kubeconfig()
                + ", namespace '" + ApiServerBed.NAMESPACE + "' (the cluster answered)"), run.err());
        assertTrue(run.err().lines().anyMatch(l -> l.matches("  join_words\\s+COMPLETED on k8s, Job valence-[0-9a-f]{12}"
                + "-join-words-[0-9a-f]{8} \\(\\d+\\.\\d s\\)")), run.err());

        Matcher m = Pattern.compile("dispatch ([0-9a-f]{12}) \\(").matcher(run.err());
        assertTrue(m.find(), run.err());
        CliFixture.Result show = cli.run("dispatches", m.group(1));
        assertTrue(show.out().lines().anyMatch(l -> l.matches("excitement\\s+excitement\\s+COMPLETED\\s+k8s\\s+valence-"
                + m.group(1) + "-excitement-[0-9a-f]{8}\\s.*")), show.out());

        // the image the run built is what render now names, by digest
        CliFixture.Result render = cli.run("render");
        assertEquals(0, render.code(), render.toString());
        Matcher image = Pattern.compile("image: \"?(" + Pattern.quote(registry.host()) + "/valence-task@sha256:[0-9a-f]{64})")
                .matcher(render.out());
        assertTrue(image.find(), render.out());
        assertTrue(registry.manifest("valence-task", image.group(1).substring(image.group(1).indexOf('@') + 1)).isPresent(),
                "the rendered image is in the registry");
    }
}
