package dev.valence.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.valence.examples.NamedSeedExample;
import dev.valence.store.s3.S3ProxyBed;
import dev.valence.tck.cluster.ApiServerBed;
import dev.valence.tck.cluster.JobControllerStandIn;
import dev.valence.tck.cluster.TestPki;
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
    static TestPki pki;
    static Path caPem;

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
        // plain HTTP for the seed's example, HTTPS with a certificate of a private CA for the ca_bundle cases
        pki = TestPki.create("valence-test-store-ca");
        s3 = S3ProxyBed.start(pki.serverContext(pki.server()));
        s3.createBucket(BUCKET);
        caPem = Files.writeString(work.resolve("store-ca.pem"), pki.ca().certificatePem());
        api.client().secrets().inNamespace(ApiServerBed.NAMESPACE).resource(new SecretBuilder()
                .withNewMetadata().withName("store-ca").endMetadata()
                .withStringData(Map.of("ca.crt", pki.ca().certificatePem()))
                .build()).create();
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

    /** The config file with {@code eks} on S3Proxy's HTTPS endpoint, its CA trusted by the client, plus {@code eksExtra}. */
    static String httpsConfig(Path home, String eksExtra) {
        return config(home).replace("s3_endpoint = \"" + s3.endpoint() + "\"", "s3_endpoint = \"" + s3.httpsEndpoint()
                + "\"\nca_bundle_file = \"" + caPem + "\"\n" + eksExtra);
    }

    @Test
    void aTaskTrustsThePrivateCaOfItsStoreFromASecretAndResumeBuildsTheSameNamedExecutors() {
        CliFixture cli = new CliFixture(work.resolve("home-tls"));
        cli.env.put("KUBECONFIG", api.kubeconfig().toString());
        // the client trusts the CA (ca_bundle_file), the pods do not (no ca_bundle): excitement's pod fails on TLS
        cli.write(".config/valence/valence.toml", httpsConfig(cli.home, ""));
        CliFixture.Result run = cli.run("run", "dev.valence.examples.SeedExample", "Hello", "World");
        assertEquals(1, run.code(), run.toString());
        assertTrue(run.err().contains("the TLS certificate of " + s3.httpsEndpoint() + " is not trusted"), run.err());
        assertTrue(run.err().contains("ca_bundle (secret:<name>/<key> or configmap:<name>/<key>) for pods"), run.err());
        assertTrue(run.err().lines().anyMatch(l -> l.matches("  join_words\\s+COMPLETED on local_k8s, Job valence-.*")),
                run.err());
        Matcher m = Pattern.compile("dispatch ([0-9a-f]{12}) \\(").matcher(run.err());
        assertTrue(m.find(), run.err());
        String id = m.group(1);

        // with the CA in a Secret (ca_bundle), resume builds the same named executors: only excitement runs again
        cli.write(".config/valence/valence.toml", httpsConfig(cli.home, "ca_bundle = \"secret:store-ca/ca.crt\"\n"));
        CliFixture.Result render = cli.run("render", "--named", "eks");
        assertEquals(0, render.code(), render.toString());
        assertTrue(render.out().contains("secretName: store-ca") || render.out().contains("secretName: \"store-ca\""),
                render.out());
        assertTrue(render.out().contains("/etc/valence/ca-bundle"), render.out());
        CliFixture.Result resume = cli.run("dispatches", "resume", id);
        assertEquals(0, resume.code(), resume.toString());
        assertEquals("Hello, World!\n", resume.out());
        assertTrue(resume.err().contains("executors: named, each from its [executors.k8s.<name>] settings"), resume.err());
        assertTrue(resume.err().contains("1 of 2 nodes already completed"), resume.err());
        assertTrue(resume.err().lines().anyMatch(l -> l.matches("  excitement\\s+COMPLETED on eks, Job valence-.*")),
                resume.err());
        assertTrue(s3Keys().contains("runs/" + id + "/excitement/output"), "excitement wrote over HTTPS: " + s3Keys());
    }

    @Test
    void doctorNamedChecksThatExecutorsStoreAndSecrets() {
        CliFixture cli = new CliFixture(work.resolve("home-doctor"));
        cli.env.put("KUBECONFIG", api.kubeconfig().toString());
        cli.write(".config/valence/valence.toml", httpsConfig(cli.home, "ca_bundle = \"secret:store-ca/ca.crt\"\n"));
        CliFixture.Result eks = cli.run("doctor", "--named", "eks", "--no-probe");
        assertTrue(line(eks, "store writable").startsWith("PASS  store writable        put, get and delete work at s3://"
                + BUCKET + "/runs"), eks.out());
        assertEquals("PASS  secrets found         secret \"s3-credentials\" (env_from_secrets), secret \"store-ca\" "
                + "(ca_bundle) in namespace " + ApiServerBed.NAMESPACE, line(eks, "secrets found"), eks.out());

        CliFixture.Result local = cli.run("doctor", "--named", "local_k8s", "--no-probe");
        assertTrue(line(local, "store writable").startsWith("PASS  store writable        put, get and delete work at "
                + work.resolve("store")), local.out());
        assertTrue(local.out().lines().noneMatch(l -> l.contains("secrets found")), "nothing referenced: " + local.out());

        cli.write(".config/valence/valence.toml", httpsConfig(cli.home, "ca_bundle = \"configmap:no-such-ca/ca.crt\"\n"));
        CliFixture.Result missing = cli.run("doctor", "--named", "eks", "--no-probe");
        assertEquals(1, missing.code(), missing.toString());
        assertEquals("FAIL  secrets found         configmap \"no-such-ca\" (ca_bundle) not found in namespace "
                + ApiServerBed.NAMESPACE + ": every task's pod would wait for it", line(missing, "secrets found"),
                missing.out());
    }

    private static String line(CliFixture.Result r, String check) {
        return r.out().lines().filter(l -> l.length() > 6 && l.substring(6).startsWith(check)).findFirst().orElse("");
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
