package dev.valence.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.valence.tck.cluster.ApiServerBed;
import dev.valence.tck.image.RegistryBed;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code valence doctor}: one line per check, a fix for each failure, exit 1 when one fails — with
 * no cluster, a missing namespace, a bad context, against the mock API server, and against a real
 * registry with and without the right credentials.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class DoctorCommandTest {
    static ClusterBed cluster;
    static RegistryBed registry;

    @TempDir
    Path home;

    CliFixture cli;

    @BeforeAll
    static void start() {
        cluster = new ClusterBed();
        registry = RegistryBed.builder().htpasswd("valence", "right-password").start();
    }

    @AfterAll
    static void stop() {
        registry.close();
        cluster.close();
    }

    @BeforeEach
    void setUp() {
        cli = new CliFixture(home);
    }

    @Test
    void withNoClusterTheClusterChecksFailWithAFixAndTheExitCodeIsOne() {
        cli.env.put("KUBECONFIG", cli.kubeconfig("kube/dead", ApiServerBed.closedPortUrl(), "dead", "ns1").toString());
        String closedRegistry = ApiServerBed.closedPortUrl().replace("http://", "");
        CliFixture.Result r = cli.run("doctor", "--set", "registry=" + closedRegistry);
        assertEquals(1, r.code(), r.toString());
        assertEquals(List.of("PASS settings", "PASS kubeconfig found", "PASS context exists", "FAIL API reachable",
                "SKIP namespace exists", "SKIP permissions", "FAIL registry reachable", "SKIP registry credentials",
                "PASS store writable", "SKIP probe pod", "PASS plugins found"), statuses(r));
        assertEquals("SKIP  probe pod             the 'API reachable' check did not pass", check(r, "probe pod"));
        assertTrue(check(r, "API reachable").contains("cannot reach the Kubernetes API at http://127.0.0.1:"), r.out());
        assertTrue(fix(r, "API reachable").startsWith("fix: start the cluster (minikube start)"), r.out());
        assertTrue(fix(r, "registry reachable").startsWith("fix: start a registry on " + closedRegistry), r.out());
        assertTrue(r.out().endsWith("some checks failed; fix them from the top, as later checks depend on earlier ones\n"));
    }

    @Test
    void jsonOutputListsEveryCheckWithItsFix() throws Exception {
        cli.env.put("KUBECONFIG", cli.kubeconfig("kube/dead", ApiServerBed.closedPortUrl(), "dead", "ns1").toString());
        CliFixture.Result r = cli.run("doctor", "-o", "json", "--set", "registry=tar");
        assertEquals(1, r.code(), r.toString());
        JsonNode doc = new ObjectMapper().readTree(r.out());
        assertTrue(doc.get("failed").asBoolean(), r.out());
        List<String> names = new ArrayList<>();
        doc.get("checks").forEach(c -> names.add(c.get("name").asText() + " " + c.get("status").asText()));
        assertEquals(List.of("settings PASS", "kubeconfig found PASS", "context exists PASS", "API reachable FAIL",
                "namespace exists SKIP", "permissions SKIP", "registry reachable SKIP", "registry credentials SKIP",
                "store writable PASS", "probe pod SKIP", "plugins found PASS"), names);
        assertTrue(doc.get("checks").get(3).get("fix").asText().startsWith("start the cluster (minikube start)"), r.out());
    }

    @Test
    void theStoreCheckLeavesNoFolderBehind() throws IOException {
        Path data = Files.createDirectories(home.resolve("data"));
        CliFixture.Result r = cli.run("doctor", "--set", "registry=tar", "--set", "data_store=" + data);
        assertTrue(check(r, "store writable").startsWith("PASS"), r.out());
        try (var left = Files.list(data)) {
            assertEquals(List.of(), left.toList(), "the store is as it was");
        }
    }

    @Test
    void aTimeoutBelowOneSecondIsAUsageError() {
        CliFixture.Result r = cli.run("doctor", "--timeout", "0");
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().startsWith("valence: --timeout must be 1 or more seconds, was 0"), r.err());
    }

    @Test
    void withoutAKubeconfigSaysWhereItLookedAndHowToGetOne() {
        CliFixture.Result r = cli.run("doctor", "--set", "registry=tar");
        assertEquals(1, r.code(), r.toString());
        assertTrue(check(r, "kubeconfig found").startsWith("FAIL  kubeconfig found      no file at "
                + home.resolve(".kube/config")), r.out());
        assertTrue(fix(r, "kubeconfig found").contains("minikube start"), r.out());
        assertTrue(check(r, "registry reachable").startsWith("SKIP"), r.out());
    }

    @Test
    void againstAClusterThatAllowsEverythingEveryCheckPasses() {
        String ns = cluster.newNamespace();
        try (AccessReviewStandIn authorizer = new AccessReviewStandIn(cluster.bed.url())) {
            cli.env.put("KUBECONFIG", cli.kubeconfig("kube/front", authorizer.url(), "front", ns).toString());
            CliFixture.Result r = cli.run("doctor", "--set", "registry=tar");
            assertTrue(check(r, "API reachable").startsWith("PASS"), r.out());
            assertTrue(check(r, "namespace exists").startsWith("PASS  namespace exists      " + ns), r.out());
            assertTrue(check(r, "permissions").startsWith("PASS  permissions           10 verbs allowed in namespace "
                    + ns), r.out());
            assertEquals(0, r.code(), r.toString());
            assertTrue(r.out().endsWith("all checks passed (or were skipped, as said)\n"), r.out());
        }
    }

    @Test
    void aMissingPermissionIsNamedWithTheRoleThatGrantsIt() {
        String ns = cluster.newNamespace();
        try (AccessReviewStandIn authorizer = new AccessReviewStandIn(cluster.bed.url())) {
            authorizer.deny("batch/jobs:delete");
            authorizer.deny("pods/log:get");
            cli.env.put("KUBECONFIG", cli.kubeconfig("kube/front", authorizer.url(), "front", ns).toString());
            CliFixture.Result r = cli.run("doctor", "--set", "registry=tar");
            assertEquals(1, r.code(), r.toString());
            assertEquals("FAIL  permissions           not allowed in namespace " + ns + ": batch/jobs:delete, pods/log:get",
                    check(r, "permissions"));
            assertEquals("fix: apply infra/rbac.yaml (kubectl apply -n " + ns + " -f infra/rbac.yaml) or ask your admin "
                    + "for a Role with these verbs", fix(r, "permissions"));
        }
    }

    @Test
    void aServerThatCannotDecideAccessReviewsFailsThePermissionsCheck() {
        // the mock API server itself answers 422 to a review: doctor says what failed rather than guessing
        cluster.use(cli, cluster.newNamespace());
        CliFixture.Result r = cli.run("doctor", "--set", "registry=tar");
        assertEquals(1, r.code(), r.toString());
        assertTrue(check(r, "permissions").startsWith("FAIL  permissions           access review for batch/jobs:create "
                + "failed: "), r.out());
    }

    @Test
    void aMissingNamespaceFailsWithTheCommandThatCreatesIt() {
        cluster.use(cli, "no-such-namespace");
        CliFixture.Result r = cli.run("doctor", "--set", "registry=tar");
        assertEquals(1, r.code(), r.toString());
        assertTrue(check(r, "API reachable").startsWith("PASS"), r.out());
        assertTrue(check(r, "namespace exists").startsWith("FAIL"), r.out());
        assertTrue(fix(r, "namespace exists").startsWith("fix: kubectl create namespace no-such-namespace"), r.out());
        assertTrue(check(r, "permissions").startsWith("SKIP"), r.out());
    }

    @Test
    void aBadContextFailsListingTheKnownContexts() {
        cluster.use(cli, cluster.newNamespace());
        CliFixture.Result r = cli.run("doctor", "--set", "k8s_context=prod", "--set", "registry=tar");
        assertEquals(1, r.code(), r.toString());
        assertTrue(check(r, "context exists").startsWith("FAIL") && check(r, "context exists").contains("prod")
                && check(r, "context exists").contains(ApiServerBed.CONTEXT), r.out());
        assertTrue(fix(r, "context exists").startsWith("fix: set k8s_context to one of the contexts listed"), r.out());
        assertTrue(check(r, "API reachable").startsWith("SKIP"), r.out());
    }

    @Test
    void aRegistryWithTheRightCredentialsPasses() throws IOException {
        Path creds = credentials("right-password");
        CliFixture.Result r = cli.run("doctor", "--set", "registry=" + registry.host(), "--set",
                "registry_credentials_file=" + creds);
        assertTrue(check(r, "registry reachable").startsWith("PASS  registry reachable    " + registry.host()
                + " answered"), r.out());
        assertTrue(check(r, "registry credentials").startsWith("PASS  registry credentials  accepted, as valence (from "
                + "registry_credentials_file " + creds), r.out());
    }

    @Test
    void aRegistryRefusingTheCredentialsFailsWithTheirSource() throws IOException {
        Path creds = credentials("wrong-password");
        CliFixture.Result r = cli.run("doctor", "--set", "registry=" + registry.host(), "--set",
                "registry_credentials_file=" + creds);
        assertEquals(1, r.code(), r.toString());
        assertTrue(check(r, "registry reachable").startsWith("PASS"), r.out());
        assertTrue(check(r, "registry credentials").startsWith("FAIL  registry credentials  refused as valence"), r.out());
        assertTrue(fix(r, "registry credentials").startsWith("fix: correct the credentials from "), r.out());
        assertTrue(!r.all().contains("wrong-password"), "the password never shows");

        CliFixture.Result anonymous = cli.run("doctor", "--set", "registry=" + registry.host());
        assertTrue(check(anonymous, "registry credentials").startsWith("FAIL  registry credentials  refused anonymously"),
                anonymous.out());
        assertTrue(fix(anonymous, "registry credentials").startsWith("fix: give credentials: registry_credentials_file"),
                anonymous.out());
    }

    private Path credentials(String password) throws IOException {
        Path f = home.resolve("registry.toml");
        Files.writeString(f, "username = \"valence\"\npassword = \"" + password + "\"\n");
        return f;
    }

    private static List<String> statuses(CliFixture.Result r) {
        return r.out().lines().filter(l -> l.matches("(PASS|FAIL|SKIP)  .*"))
                .map(l -> l.substring(0, 4) + " " + l.substring(6, 27).trim()).collect(Collectors.toList());
    }

    private static String check(CliFixture.Result r, String name) {
        return r.out().lines().filter(l -> l.matches("(PASS|FAIL|SKIP)  " + name + " .*")).findFirst().orElse("");
    }

    private static String fix(CliFixture.Result r, String name) {
        List<String> lines = r.out().lines().toList();
        for (int i = 0; i < lines.size() - 1; i++) {
            if (lines.get(i).matches("(PASS|FAIL|SKIP)  " + name + " .*")) {
                return lines.get(i + 1).trim();
            }
        }
        return "";
    }
}
