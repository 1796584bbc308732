package dev.valence.official;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.valence.api.ErrorKind;
import dev.valence.api.Settings;
import dev.valence.api.ValenceException;
import dev.valence.spi.ClusterGateway;
import dev.valence.spi.JobOutcome;
import dev.valence.spi.JobRef;
import dev.valence.spi.JobSpec;
import dev.valence.tck.cluster.ApiServerBed;
import dev.valence.tck.cluster.JobControllerStandIn;
import io.kubernetes.client.openapi.JSON;
import io.kubernetes.client.openapi.models.V1Job;
import io.kubernetes.client.util.Yaml;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** What the contract leaves to each adapter: client-java specifics, kubeconfig errors, error mapping. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class OfficialGatewayTest {
    private static final AtomicInteger SEQ = new AtomicInteger();
    private static ApiServerBed bed;
    private static JobControllerStandIn controller;

    @TempDir
    Path home;
    private ClusterGateway gateway;

    @BeforeAll
    static void start() {
        bed = ApiServerBed.start();
        controller = new JobControllerStandIn(bed);
    }

    @AfterAll
    static void stop() {
        controller.close();
        bed.close();
    }

    @AfterEach
    void closeGateway() {
        if (gateway != null) {
            gateway.close();
        }
    }

    private Settings.Builder settings(Path kubeconfig) {
        return Settings.builder().environment(Map.of()).userHome(home).k8sConfigFile(kubeconfig)
                .pollFreq(Duration.ofMillis(200)).set("unschedulable_grace", Duration.ofSeconds(1));
    }

    private ClusterGateway open(Settings settings) {
        gateway = new OfficialGatewayFactory().create(settings);
        return gateway;
    }

    private static JobSpec spec(String dispatch) {
        int n = SEQ.incrementAndGet();
        return JobSpec.builder().name("valence-" + dispatch + "-n" + n).image("busybox:1")
                .label(ClusterGateway.DISPATCH_LABEL, dispatch).label(ClusterGateway.NODE_LABEL, "n" + n).build();
    }

    private static String ns() {
        return ApiServerBed.NAMESPACE;
    }

    // ---- reading what this client-java version does not know ----

    @Test
    void followsJobsWhoseObjectsCarryFieldsThisClientDoesNotKnow() throws Exception {
        ClusterGateway g = open(settings(bed.kubeconfig()).build());
        JobRef ref = g.submit(spec("dfuture"));
        CompletableFuture<JobOutcome> f = g.follow(ref);
        controller.running(ns(), ref.name());
        String pod = controller.podName(ns(), ref.name());
        // a newer API server adds fields; client-java's own reader rejects the whole list for one of them
        bed.client().pods().inNamespace(ns()).withName(pod).editStatus(p -> {
            p.getStatus().setAdditionalProperty("fieldFromKubernetes199", Map.of("x", 1));
            p.getStatus().getContainerStatuses().get(0).setAdditionalProperty("anotherNewField", "y");
            return p;
        });
        bed.client().batch().v1().jobs().inNamespace(ns()).withName(ref.name()).editStatus(j -> {
            j.getStatus().setAdditionalProperty("fieldFromKubernetes199", true);
            return j;
        });
        controller.succeed(ns(), ref.name());
        JobOutcome o = f.get(20, TimeUnit.SECONDS);
        assertTrue(o.succeeded(), o.toString());
        assertEquals(pod, o.podName());
        assertEquals(1, g.list(Map.of(ClusterGateway.DISPATCH_LABEL, "dfuture")).size());
    }

    // ---- the sample Job of infra/ ----

    @Test
    void followsListsAndReadsTheLogOfTheSampleJobOfInfra() throws Exception {
        Path sample = Path.of("..", "infra", "sample_job.yaml");
        assertTrue(Files.isRegularFile(sample), "run the tests from the repository (no " + sample.toAbsolutePath() + ")");
        // as 'kubectl apply -f infra/sample_job.yaml' would create it, parsed with client-java's own YAML reader
        V1Job parsed = Yaml.loadAs(sample.toFile(), V1Job.class);
        bed.client().batch().v1().jobs().inNamespace(ns()).resource(io.fabric8.kubernetes.client.utils.Serialization
                .unmarshal(JSON.serialize(parsed), io.fabric8.kubernetes.api.model.batch.v1.Job.class)).create();
        ClusterGateway g = open(settings(bed.kubeconfig()).build());
        JobRef ref = new JobRef(parsed.getMetadata().getName(), ns(), true);
        CompletableFuture<JobOutcome> f = g.follow(ref);
        controller.writeLog(ns(), ref.name(), "valence sample job ok\n");
        controller.succeed(ns(), ref.name());
        assertTrue(f.get(20, TimeUnit.SECONDS).succeeded());
        assertEquals(List.of(ref.name()), g.list(Map.of("app.kubernetes.io/name", "valence-sample")).stream()
                .map(dev.valence.spi.JobInfo::name).toList());
        assertEquals("valence sample job ok", g.logs(ref, 5).strip());
        assertTrue(g.cancel(ref));
    }

    // ---- kubeconfig ----

    @Test
    void aMissingKubeconfigIsAConfigErrorNamingTheFile() {
        Path missing = home.resolve("nope/config");
        ValenceException e = assertThrows(ValenceException.class, () -> open(settings(missing).build()));
        assertEquals(ErrorKind.CONFIG, e.kind());
        assertTrue(e.getMessage().contains(missing.toString()) && e.getMessage().contains("k8s_config_file"), e.getMessage());
    }

    @Test
    void aKubeconfigThatIsNotYamlIsAConfigErrorNamingTheFile() throws Exception {
        Path bad = Files.writeString(home.resolve("bad-config"), "clusters: [unclosed\n");
        ValenceException e = assertThrows(ValenceException.class, () -> open(settings(bad).build()));
        assertEquals(ErrorKind.CONFIG, e.kind());
        assertTrue(e.getMessage().contains(bad.toString()), e.getMessage());
    }

    @Test
    void noCurrentContextAndNoK8sContextIsAConfigErrorListingTheContexts() {
        Path kc = bed.writeKubeconfig("no-current-" + SEQ.incrementAndGet(), "",
                bed.context("alpha", ns()), bed.context("beta", ""));
        ValenceException e = assertThrows(ValenceException.class, () -> open(settings(kc).build()));
        assertEquals(ErrorKind.CONFIG, e.kind());
        assertTrue(e.getMessage().contains("alpha, beta") && e.getMessage().contains("k8s_context"), e.getMessage());
    }

    @Test
    void withoutKubeconfigOutsideAPodIsAConfigError() {
        // the default k8s_config_file is empty only where KUBERNETES_SERVICE_HOST is set and ~/.kube/config is not
        Settings s = Settings.builder().environment(Map.of("KUBERNETES_SERVICE_HOST", "10.0.0.1")).userHome(home).build();
        assertTrue(s.k8sConfigFile().isEmpty());
        ValenceException e = assertThrows(ValenceException.class,
                () -> ClusterConnection.open(s, Map.of(), home.resolve("sa"), ClusterConnection.TOKEN_REFRESH));
        assertEquals(ErrorKind.CONFIG, e.kind());
        assertTrue(e.getMessage().contains("KUBERNETES_SERVICE_HOST") && e.getMessage().contains("k8s_config_file"),
                e.getMessage());
    }

    @Test
    void inAPodWithoutAServiceAccountTokenIsAConfigError() {
        Settings s = Settings.builder().environment(Map.of("KUBERNETES_SERVICE_HOST", "10.0.0.1")).userHome(home).build();
        ValenceException e = assertThrows(ValenceException.class, () -> ClusterConnection.open(s,
                Map.of("KUBERNETES_SERVICE_HOST", "10.0.0.1", "KUBERNETES_SERVICE_PORT", "443"), home.resolve("sa"),
                ClusterConnection.TOKEN_REFRESH));
        assertEquals(ErrorKind.CONFIG, e.kind());
        assertTrue(e.getMessage().contains("service account") && e.getMessage().contains(home.resolve("sa").toString()),
                e.getMessage());
    }

    // ---- errors ----

    @Test
    void rejectedCredentialsAreAPermissionErrorThatShowsNoSecret() {
        String token = "s3cr3t-token-" + SEQ.incrementAndGet();
        Path kc = bed.writeFile("token-" + SEQ.incrementAndGet(), """
                apiVersion: v1
                kind: Config
                clusters:
                - name: c
                  cluster: {server: %s}
                users:
                - name: u
                  user: {token: %s}
                contexts:
                - name: ctx
                  context: {cluster: c, user: u, namespace: %s}
                current-context: ctx
                """.formatted(bed.url(), token, ns()));
        ClusterGateway g = open(settings(kc).build());
        bed.failNext("GET", "/version", 1, 401, "Unauthorized");
        ValenceException e = assertThrows(ValenceException.class, g::check);
        assertEquals(ErrorKind.PERMISSION, e.kind());
        assertTrue(e.getMessage().contains("rejected the credentials") && e.getMessage().contains("ctx"), e.getMessage());
        assertFalse(e.getMessage().contains(token), "the token leaked into: " + e.getMessage());
        assertFalse(g.toString().contains(token), g.toString());
        assertTrue(bed.takeRequests().stream().anyMatch(r -> r.header("Authorization").equals("Bearer " + token)),
                "the kubeconfig's token was sent");
    }

    @Test
    void serverErrorsThatPersistAreAClusterErrorAfterRetries() {
        ClusterGateway g = open(settings(bed.kubeconfig()).build());
        bed.failNext("GET", "/apis/batch/v1/namespaces/" + ns() + "/jobs", 10, 500, "etcd is down");
        ValenceException e = assertThrows(ValenceException.class, () -> g.list(Map.of("team", "x")));
        assertEquals(ErrorKind.CLUSTER, e.kind());
        assertTrue(e.getMessage().contains("HTTP 500") && e.getMessage().contains("etcd is down")
                && e.getMessage().contains("attempts"), e.getMessage());
        bed.failNext("GET", "/apis/batch/v1/namespaces/" + ns() + "/jobs", 0, 500, "reset");
    }

    @Test
    void submitToAMissingNamespaceNamesIt() {
        ClusterGateway g = open(settings(bed.kubeconfig()).namespace("nowhere").build());
        bed.failNext("POST", "/apis/batch/v1/namespaces/nowhere/jobs", 1, 404, "namespaces \"nowhere\" not found");
        ValenceException e = assertThrows(ValenceException.class, () -> g.submit(spec("dnowhere")));
        assertEquals(ErrorKind.CLUSTER, e.kind());
        assertTrue(e.getMessage().contains("'nowhere'") && e.getMessage().contains("kubectl get namespace nowhere"),
                e.getMessage());
    }

    @Test
    void followEndsWithAPermissionErrorWhenListingIsForbidden() throws Exception {
        ClusterGateway g = open(settings(bed.kubeconfig()).build());
        JobRef ref = g.submit(spec("dforbidden"));
        bed.failNext("GET", "/apis/batch/v1/namespaces/" + ns() + "/jobs", 1, 403,
                "jobs.batch is forbidden: User \"bob\" cannot list resource \"jobs\"");
        CompletableFuture<JobOutcome> f = g.follow(ref);
        ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(20, TimeUnit.SECONDS));
        ValenceException cause = (ValenceException) e.getCause();
        assertEquals(ErrorKind.PERMISSION, cause.kind());
        assertTrue(cause.getMessage().contains("list jobs.batch"), cause.getMessage());
    }

    @Test
    void followingTheSameJobTwiceSharesOneFuture() {
        ClusterGateway g = open(settings(bed.kubeconfig()).build());
        JobRef ref = g.submit(spec("dtwice"));
        assertTrue(g.follow(ref) == g.follow(ref));
        g.cancel(ref);
    }

    @Test
    void logsNeedAPositiveLineCount() {
        ClusterGateway g = open(settings(bed.kubeconfig()).build());
        ValenceException e = assertThrows(ValenceException.class, () -> g.logs(new JobRef("x", ns(), false), 0));
        assertEquals(ErrorKind.CONFIG, e.kind());
    }

    @Test
    void aClosedGatewayRefusesWork() {
        ClusterGateway g = open(settings(bed.kubeconfig()).build());
        g.close();
        assertThrows(ValenceException.class, () -> g.submit(spec("dclosed")));
        g.close(); // twice is fine
    }

    @Test
    void renderShowsNoEmptyNoiseAndTheLimitsTheSpecSets() {
        ClusterGateway g = open(settings(bed.kubeconfig()).build());
        String yaml = g.render(JobSpec.builder().name("valence-r-n1").image("busybox:1").vcpu("250m").memory("128Mi")
                .memoryLimit("128Mi").label(ClusterGateway.DISPATCH_LABEL, "r").label(ClusterGateway.NODE_LABEL, "n1")
                .command(List.of("echo", "hi")).build());
        assertFalse(yaml.replace("emptyDir: {}", "").contains("{}"), "only /tmp's emptyDir is empty: " + yaml);
        assertFalse(yaml.contains("&id"), "no YAML anchors: " + yaml);
        assertTrue(yaml.contains("namespace: " + ns()), yaml);
        assertEquals(1, yaml.split("cpu: 250m", -1).length - 1, "a cpu request, no cpu limit: " + yaml);
        assertEquals(2, yaml.split("memory: 128Mi", -1).length - 1, "memory in requests and limits: " + yaml);
    }
}
