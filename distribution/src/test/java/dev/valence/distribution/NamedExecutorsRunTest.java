package dev.valence.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.valence.examples.NamedSeedExample;
import dev.valence.store.s3.S3ProxyBed;
import dev.valence.tck.cluster.ApiServerBed;
import dev.valence.tck.cluster.JobControllerStandIn;
import dev.valence.tck.image.RegistryBed;
import dev.valence.tck.pods.HostDirs;
import dev.valence.tck.pods.RuncPodRunner;
import dev.valence.tck.pods.SharedBeds;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;

/**
 * The seed's example with two named executors from one config file, on the stand-in cluster with
 * real pods (runc): {@code join_words} on {@code [executors.k8s.local_k8s]} (a local store mounted at
 * {@code /data}), {@code excitement} on {@code [executors.k8s.eks]} (an S3 store: S3Proxy on loopback,
 * which the pods reach since they share the machine's network; credentials from a Secret through
 * {@code env_from_secrets}). Once through {@code valence run}, once through a plain {@code main} in a
 * JVM of its own.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class NamedExecutorsRunTest {
    static final String BUCKET = "valence-data";
    static ApiServerBed api;
    static RegistryBed registry;
    static JobControllerStandIn controller;
    static RuncPodRunner runner;
    static S3ProxyBed s3;

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
        s3 = S3ProxyBed.start();
        s3.createBucket(BUCKET);
        api.client().secrets().inNamespace(ApiServerBed.NAMESPACE).resource(new SecretBuilder()
                .withNewMetadata().withName("s3-credentials").endMetadata()
                .withStringData(Map.of("AWS_ACCESS_KEY_ID", S3ProxyBed.ACCESS_KEY,
                        "AWS_SECRET_ACCESS_KEY", s3.secretKey()))
                .build()).create();
    }

    @AfterAll
    static void close() throws Exception {
        controller.close();
        runner.close();
        api.close();
        s3.close();
    }

    /** The README's config file: defaults, then one section per executor. */
    static String config(Path home) {
        return """
                [executors.k8s]
                registry = "%s"
                base_image = "%s"
                poll_freq = 1
                keep_artifacts = true
                cache_dir = "%s"

                [executors.k8s.local_k8s]
                data_store = "%s"
                data_store_mount = "/data"

                [executors.k8s.eks]
                data_store = "s3://%s/runs"
                s3_endpoint = "%s"
                region = "us-east-1"
                env_from_secrets = ["s3-credentials"]
                """.formatted(registry.host(), SharedBeds.jreImage(), home.resolve("cache"), work.resolve("store"),
                BUCKET, s3.endpoint());
    }

    @Test
    void valenceRunRunsTheSeedExampleOnTwoNamedExecutors() {
        CliFixture cli = new CliFixture(work.resolve("home-run"));
        cli.env.put("KUBECONFIG", api.kubeconfig().toString());
        cli.write(".config/valence/valence.toml", config(cli.home));

        CliFixture.Result run = cli.run("run", "dev.valence.examples.SeedExample", "Hello", "World");
        assertEquals(0, run.code(), run.toString());
        assertEquals("Hello, World!\n", run.out());
        assertTrue(run.err().lines().anyMatch(l -> l.matches("  join_words\\s+COMPLETED on local_k8s, Job valence-.*")),
                run.err());
        assertTrue(run.err().lines().anyMatch(l -> l.matches("  excitement\\s+COMPLETED on eks, Job valence-.*")),
                run.err());
        Matcher m = Pattern.compile("dispatch ([0-9a-f]{12}) \\(").matcher(run.err());
        assertTrue(m.find(), run.err());
        String id = m.group(1);
        assertTrue(Files.exists(work.resolve("store").resolve(id).resolve("join_words").resolve("output")),
                "join_words wrote its output to the local store");
        assertTrue(s3Keys().contains("runs/" + id + "/excitement/output"), "excitement wrote its output to S3: " + s3Keys());
        assertTrue(s3Keys().stream().noneMatch(k -> k.contains("/join_words/")), "join_words never touched S3");

        // config and render take the executor's name
        CliFixture.Result config = cli.run("config", "--named", "eks");
        assertEquals(0, config.code(), config.toString());
        assertTrue(config.out().lines().anyMatch(l -> l.startsWith("data_store ") && l.contains("s3://" + BUCKET + "/runs")
                && l.endsWith("[executors.k8s.eks]")), config.out());
        CliFixture.Result render = cli.run("render", "--named", "local_k8s");
        assertEquals(0, render.code(), render.toString());
        assertTrue(render.out().contains("mountPath: \"/data") || render.out().contains("mountPath: /data"), render.out());
    }

    @Test
    void aPlainMainRunsTheSeedExampleOnTwoNamedExecutors() throws Exception {
        Path home = Files.createDirectories(work.resolve("home-main"));
        Path config = home.resolve("valence.toml");
        Files.writeString(config, config(home));
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Duser.home=" + home, "-cp", System.getProperty("java.class.path"), NamedSeedExample.class.getName()));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().keySet().removeIf(k -> k.startsWith("VALENCE_") || k.startsWith("AWS_"));
        pb.environment().putAll(Map.of("HOME", home.toString(), "VALENCE_CONFIG", config.toString(),
                "KUBECONFIG", api.kubeconfig().toString(), "VALENCE_K8S_CACHE_DIR", home.resolve("cache").toString(),
                "AWS_ACCESS_KEY_ID", S3ProxyBed.ACCESS_KEY, "AWS_SECRET_ACCESS_KEY", s3.secretKey()));
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(240, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.lines().anyMatch("Hello, World!"::equals), out);
        // a plain program's log (slf4j-simple): time, level, logger, the task; no thread names
        List<String> logs = out.lines().filter(l -> l.contains(" INFO ")).toList();
        assertTrue(logs.stream().anyMatch(l -> l.matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} INFO KubernetesExecutor - "
                + "task 'excitement' finished in .*")), out);
        assertTrue(logs.stream().allMatch(l -> l.matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} INFO \\w+ - .*")), out);
        try (Stream<Path> records = Files.list(home.resolve("cache").resolve("dispatches"))) {
            String id = records.findFirst().orElseThrow().getFileName().toString();
            assertTrue(s3Keys().contains("runs/" + id + "/excitement/output"), s3Keys().toString());
            assertTrue(Files.exists(work.resolve("store").resolve(id).resolve("join_words").resolve("output")));
        }
    }

    private static List<String> s3Keys() {
        return s3.client().listObjectsV2Paginator(ListObjectsV2Request.builder().bucket(BUCKET).build()).contents()
                .stream().map(o -> o.key()).toList();
    }

}
