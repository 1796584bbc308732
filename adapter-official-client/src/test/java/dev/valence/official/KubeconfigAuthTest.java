package dev.valence.official;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.valence.api.ErrorKind;
import dev.valence.api.Settings;
import dev.valence.api.ValenceException;
import dev.valence.spi.ClusterGateway;
import dev.valence.tck.cluster.ApiServerBed;
import dev.valence.tck.cluster.KubeconfigFixture;
import dev.valence.tck.cluster.TestPki;
import dev.valence.tck.cluster.TlsFrontDoor;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What this adapter adds to {@code KubeconfigAuthContract}: the in-cluster service account, an
 * exec plugin that gives a client certificate, exec credentials kept until they expire and renewed
 * after a 401, what the plugin is told ({@code KUBERNETES_EXEC_INFO}), and the exec versions refused.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class KubeconfigAuthTest {
    private static final String V1 = "client.authentication.k8s.io/v1";
    private static ApiServerBed bed;
    private static TestPki pki;
    private static TlsFrontDoor front;
    private static TlsFrontDoor mtlsFront;

    @TempDir
    Path dir;
    private final List<ClusterGateway> opened = new ArrayList<>();

    @BeforeAll
    static void start() {
        bed = ApiServerBed.start();
        pki = TestPki.create("valence-test-ca");
        front = TlsFrontDoor.open(bed, pki, false);
        mtlsFront = TlsFrontDoor.open(bed, pki, true);
    }

    @AfterAll
    static void stop() {
        mtlsFront.close();
        front.close();
        bed.close();
    }

    @BeforeEach
    void forgetRequests() {
        bed.takeRequests();
    }

    @AfterEach
    void close() {
        opened.forEach(ClusterGateway::close);
        bed.requireBearer(null);
    }

    private Settings settings(Path kubeconfig) {
        return Settings.builder().environment(Map.of()).userHome(dir).k8sConfigFile(kubeconfig).build();
    }

    private ClusterGateway open(Path kubeconfig) {
        ClusterGateway g = new OfficialGatewayFactory().create(settings(kubeconfig));
        opened.add(g);
        return g;
    }

    private ClusterGateway open(ClusterConnection connection) {
        ClusterGateway g = new OfficialGateway(connection, Duration.ofSeconds(1), Duration.ofSeconds(1), Clock.systemUTC());
        opened.add(g);
        return g;
    }

    private static List<String> authorizations() {
        return bed.takeRequests().stream().map(r -> r.header("Authorization")).toList();
    }

    private Path script(String name, String body) throws IOException {
        Path p = dir.resolve("plugins").resolve(name);
        Files.createDirectories(p.getParent());
        Files.writeString(p, "#!/bin/sh\n# stand-in for an exec credential plugin\n" + body);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx------"));
        return p;
    }

    /** Prints an ExecCredential of {@code $1}, token {@code tok-<run number>}, expiring at {@code $2}; records its env. */
    private Path countingPlugin() throws IOException {
        return script("counting", """
                d=$(dirname "$0")
                n=$(( $(cat "$d/count" 2>/dev/null || echo 0) + 1 ))
                echo "$n" > "$d/count"
                printf '%s' "$KUBERNETES_EXEC_INFO" > "$d/exec-info"
                printf '{"apiVersion":"%s","kind":"ExecCredential","status":{"token":"tok-%s","expirationTimestamp":"%s"}}\\n' \\
                    "$1" "$n" "$2"
                """);
    }

    private int runs() throws IOException {
        return Integer.parseInt(Files.readString(dir.resolve("plugins/count")).strip());
    }

    // ---- 401 and 403 ----

    @Test
    void unauthorizedAndForbiddenAreToldApart() {
        bed.requireBearer("right"::equals);
        Path wrong = KubeconfigFixture.forServer(front.url()).caData(pki.ca().certificatePem()).token("tok-7f3a9c")
                .write(dir.resolve("bad/kubeconfig"));
        ValenceException unauthorized = org.junit.jupiter.api.Assertions.assertThrows(ValenceException.class,
                open(wrong)::check);
        assertEquals(ErrorKind.PERMISSION, unauthorized.kind());
        assertTrue(unauthorized.getMessage().contains("401") && unauthorized.getMessage().contains("rejected the credentials"),
                unauthorized.getMessage());
        assertTrue(!unauthorized.getMessage().contains("tok-7f3a9c"), "the token is not shown: " + unauthorized.getMessage());

        Path right = KubeconfigFixture.forServer(front.url()).caData(pki.ca().certificatePem()).token("right")
                .write(dir.resolve("right/kubeconfig"));
        bed.failNext("GET", "/api/v1/namespaces/" + ApiServerBed.NAMESPACE, 1, 403,
                "namespaces \"" + ApiServerBed.NAMESPACE + "\" is forbidden: User \"ci\" cannot get resource \"namespaces\"");
        bed.failNext("GET", "/apis/batch/v1/namespaces/" + ApiServerBed.NAMESPACE + "/jobs", 1, 403,
                "jobs.batch is forbidden: User \"ci\" cannot list resource \"jobs\"");
        ValenceException forbidden = org.junit.jupiter.api.Assertions.assertThrows(ValenceException.class, open(right)::check);
        assertEquals(ErrorKind.PERMISSION, forbidden.kind());
        assertTrue(forbidden.getMessage().contains("403") && forbidden.getMessage().contains("may not list jobs.batch")
                && forbidden.getMessage().contains("User \"ci\""), forbidden.getMessage());
    }

    // ---- in-cluster ----

    @Test
    void inAPodTheServiceAccountTokenCaAndNamespaceAreUsed() throws Exception {
        Path sa = Files.createDirectories(dir.resolve("serviceaccount"));
        Files.writeString(sa.resolve("token"), "sa-token-1\n");
        Files.writeString(sa.resolve("ca.crt"), pki.ca().certificatePem());
        Files.writeString(sa.resolve("namespace"), ApiServerBed.NAMESPACE);
        Settings s = Settings.builder().environment(Map.of("KUBERNETES_SERVICE_HOST", "127.0.0.1")).userHome(dir).build();
        bed.requireBearer("sa-token-1"::equals);
        ClusterGateway g = open(ClusterConnection.open(s, Map.of("KUBERNETES_SERVICE_HOST", "127.0.0.1",
                "KUBERNETES_SERVICE_PORT", String.valueOf(URI.create(front.url()).getPort())), sa, Duration.ofMinutes(1)));
        assertEquals(ApiServerBed.NAMESPACE, g.namespace());
        g.check();
        assertTrue(authorizations().stream().allMatch("Bearer sa-token-1"::equals));
        // the kubelet rotates the projected token: the next 401 makes the gateway read it again
        Files.writeString(sa.resolve("token"), "sa-token-2\n");
        bed.requireBearer("sa-token-2"::equals);
        g.check();
        assertTrue(authorizations().contains("Bearer sa-token-2"));
    }

    // ---- exec plugins ----

    @Test
    void anExecTokenIsKeptUntilItExpiresAndThePluginToldItsVersion() throws Exception {
        Path kc = KubeconfigFixture.forServer(front.url()).caData(pki.ca().certificatePem())
                .exec(V1, countingPlugin().toString(), List.of(V1, "2999-01-01T00:00:00Z"), Map.of(), "")
                .write(dir.resolve("kubeconfig"));
        ClusterGateway g = open(kc);
        g.check();
        g.check();
        List<String> auth = authorizations();
        assertTrue(auth.size() >= 4 && auth.stream().allMatch("Bearer tok-1"::equals), auth.toString());
        assertEquals(1, runs(), "the plugin runs once while its token is valid");
        String info = Files.readString(dir.resolve("plugins/exec-info"));
        assertTrue(info.contains("\"apiVersion\":\"" + V1 + "\"") && info.contains("\"interactive\":false"),
                "KUBERNETES_EXEC_INFO tells the plugin which version to print (aws eks get-token reads it): " + info);
    }

    @Test
    void anExpiredExecTokenIsRenewedBeforeEveryUse() throws Exception {
        Path kc = KubeconfigFixture.forServer(front.url()).caData(pki.ca().certificatePem())
                .exec(V1, countingPlugin().toString(), List.of(V1, "2001-01-01T00:00:00Z"), Map.of(), "")
                .write(dir.resolve("kubeconfig"));
        open(kc).check();
        List<String> auth = authorizations();
        assertTrue(auth.size() >= 2, auth.toString());
        assertEquals(auth.size(), auth.stream().distinct().count(), "a fresh token for every request: " + auth);
        assertEquals(auth.size(), runs());
    }

    @Test
    void aRejectedExecTokenIsRenewedOnceAndTheRequestRetried() throws Exception {
        Path kc = KubeconfigFixture.forServer(front.url()).caData(pki.ca().certificatePem())
                .exec(V1, countingPlugin().toString(), List.of(V1, "2999-01-01T00:00:00Z"), Map.of(), "")
                .write(dir.resolve("kubeconfig"));
        ClusterGateway g = open(kc);
        bed.requireBearer(t -> !t.equals("tok-1")); // revoked before it expired
        g.check();
        List<String> auth = authorizations();
        assertEquals("Bearer tok-1", auth.get(0));
        assertTrue(auth.subList(1, auth.size()).stream().allMatch("Bearer tok-2"::equals), auth.toString());
        assertEquals(2, runs());
    }

    @Test
    void anExecPluginMayGiveAClientCertificate() throws Exception {
        TestPki.Issued cert = pki.client("exec-cert-user", "system:masters");
        Path plugin = script("cert", "cat <<'JSON'\n{\"apiVersion\":\"" + V1 + "\",\"kind\":\"ExecCredential\",\"status\":{"
                + "\"clientCertificateData\":" + json(cert.certificatePem()) + ",\"clientKeyData\":" + json(cert.keyPem())
                + "}}\nJSON\n");
        Path kc = KubeconfigFixture.forServer(mtlsFront.url()).caData(pki.ca().certificatePem())
                .exec(V1, plugin.toString(), List.of(), Map.of(), "").write(dir.resolve("kubeconfig"));
        int before = mtlsFront.clientSubjects().size();
        open(kc).check();
        List<String> seen = mtlsFront.clientSubjects();
        assertTrue(seen.size() > before && seen.subList(before, seen.size()).stream().allMatch(cert.subject()::equals),
                seen.toString());
    }

    @Test
    void anExecPluginPrintingSomethingElseIsAPermissionError() throws Exception {
        Path plugin = script("wrong", "echo '{\"apiVersion\":\"client.authentication.k8s.io/v1beta1\",\"kind\":\"ExecCredential\","
                + "\"status\":{\"token\":\"t\"}}'\n");
        Path kc = KubeconfigFixture.forServer(front.url()).caData(pki.ca().certificatePem())
                .exec(V1, plugin.toString(), List.of(), Map.of(), "").write(dir.resolve("kubeconfig"));
        ValenceException e = org.junit.jupiter.api.Assertions.assertThrows(ValenceException.class, open(kc)::check);
        assertEquals(ErrorKind.PERMISSION, e.kind());
        assertTrue(e.getMessage().contains("v1beta1") && e.getMessage().contains(V1), e.getMessage());
        assertTrue(authorizations().isEmpty(), "no request without credentials");
    }

    @Test
    void anExecApiVersionThatIsGoneIsAConfigError() {
        Path kc = KubeconfigFixture.forServer(front.url()).caData(pki.ca().certificatePem())
                .exec("client.authentication.k8s.io/v1alpha1", "aws", List.of(), Map.of(), "").write(dir.resolve("kubeconfig"));
        ValenceException e = org.junit.jupiter.api.Assertions.assertThrows(ValenceException.class, () -> open(kc));
        assertEquals(ErrorKind.CONFIG, e.kind());
        assertTrue(e.getMessage().contains("v1alpha1") && e.getMessage().contains(V1), e.getMessage());
    }

    private static String json(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"";
    }
}
