package dev.valence.tck.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.valence.api.ErrorKind;
import dev.valence.api.Settings;
import dev.valence.api.ValenceException;
import dev.valence.spi.ClusterGateway;
import dev.valence.spi.ClusterGatewayFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * How a {@link ClusterGateway} authenticates, through {@code k8s_config_file} + {@code k8s_context}
 * as real clusters use them: client certificates (files and {@code -data}), CA (file and
 * {@code -data}), {@code insecure-skip-tls-verify}, bearer token and token file, exec credential
 * plugins ({@code v1} and {@code v1beta1}, env, args, install hint, expiry). The API server is an
 * {@link ApiServerBed} behind a {@link TlsFrontDoor} with a CA made in the test ({@link TestPki});
 * what reached the server is asserted from the recorded requests and client certificates. Exec
 * plugins are shell scripts written by the test.
 *
 * <p>Errors: a missing exec command is {@code CONFIG} with the kubeconfig's install hint; a failing
 * plugin is {@code PERMISSION} with its stderr; an expired client certificate is {@code CONFIG}
 * saying so; a CA that does not match is {@code CLUSTER} naming the server; 401 and 403 are both
 * {@code PERMISSION} and say which they are.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
public abstract class KubeconfigAuthContract {
    private static ApiServerBed bed;
    private static TestPki pki;
    private static TestPki strangerPki;
    private static TestPki.Issued user;
    private static TlsFrontDoor front;
    private static TlsFrontDoor mtlsFront;

    private final List<ClusterGateway> opened = new ArrayList<>();

    @TempDir
    Path dir;

    /** The factory of the adapter under test. */
    protected abstract ClusterGatewayFactory factory();

    @BeforeAll
    static void startTlsBed() {
        bed = ApiServerBed.start();
        pki = TestPki.create("valence-test-ca");
        strangerPki = TestPki.create("someone-elses-ca");
        user = pki.client("valence-user", "system:masters");
        front = TlsFrontDoor.open(bed, pki, false);
        mtlsFront = TlsFrontDoor.open(bed, pki, true);
    }

    @AfterAll
    static void stopTlsBed() {
        if (front != null) {
            front.close();
        }
        if (mtlsFront != null) {
            mtlsFront.close();
        }
        if (bed != null) {
            bed.close();
        }
    }

    @AfterEach
    void reset() {
        opened.forEach(ClusterGateway::close);
        opened.clear();
        bed.requireBearer(null);
        bed.takeRequests();
    }

    /** Settings for a kubeconfig written by a test: context {@value KubeconfigFixture#CONTEXT}, no environment. */
    protected Settings settings(Path kubeconfig) {
        Settings.Builder b = Settings.builder().environment(Map.of()).userHome(dir).k8sConfigFile(kubeconfig)
                .k8sContext(KubeconfigFixture.CONTEXT).pollFreq(Duration.ofSeconds(1))
                .sensitiveKeys(factory().sensitiveKeys());
        factory().settingKeys().forEach(b::knownKey);
        return b.build();
    }

    /** A gateway on the kubeconfig, checked (version + namespace), closed after the test. */
    protected ClusterGateway checked(Path kubeconfig) {
        ClusterGateway g = factory().create(settings(kubeconfig));
        opened.add(g);
        g.check();
        return g;
    }

    private Path file(String name, String text) throws IOException {
        Path p = dir.resolve(name);
        Files.createDirectories(p.getParent());
        Files.writeString(p, text);
        return p;
    }

    private List<String> authorizations() {
        return bed.takeRequests().stream().map(r -> r.header("Authorization")).toList();
    }

    // ---- TLS and client certificates ----

    @Test
    void clientCertificateAndCaFromFiles() throws Exception {
        Path kc = KubeconfigFixture.forServer(mtlsFront.url()).caFile(file("pki/ca.pem", pki.ca().certificatePem()))
                .clientCertFiles(file("pki/user.pem", user.certificatePem()), file("pki/user.key", user.keyPem()))
                .write(dir.resolve("kubeconfig"));
        int before = mtlsFront.clientSubjects().size();
        checked(kc);
        List<String> subjects = mtlsFront.clientSubjects();
        assertTrue(subjects.size() > before, "no connection reached the server");
        assertTrue(subjects.subList(before, subjects.size()).stream().allMatch(user.subject()::equals),
                "every connection must present the kubeconfig's client certificate: " + subjects);
    }

    @Test
    void clientCertificateAndCaInlineWithAnRsaKey() {
        Path kc = KubeconfigFixture.forServer(mtlsFront.url()).caData(pki.ca().certificatePem())
                .clientCertData(user.certificatePem(), user.rsaKeyPem()).write(dir.resolve("kubeconfig"));
        int before = mtlsFront.clientSubjects().size();
        checked(kc);
        List<String> subjects = mtlsFront.clientSubjects();
        assertTrue(subjects.size() > before && subjects.subList(before, subjects.size()).stream()
                .allMatch(user.subject()::equals), subjects.toString());
    }

    @Test
    void aCaThatDidNotSignTheServerIsAClusterErrorNamingTheServer() {
        Path kc = KubeconfigFixture.forServer(front.url()).caData(strangerPki.ca().certificatePem())
                .token("t").write(dir.resolve("kubeconfig"));
        ValenceException e = assertThrows(ValenceException.class, () -> checked(kc));
        assertEquals(ErrorKind.CLUSTER, e.kind(), e.getMessage());
        assertTrue(e.getMessage().contains(front.url().replace("https://", "")), e.getMessage());
        assertTrue(e.getMessage().toLowerCase().contains("certificate"), e.getMessage());
    }

    @Test
    void insecureSkipTlsVerifyTrustsAnyServer() {
        Path kc = KubeconfigFixture.forServer(front.url()).insecureSkipTlsVerify().token("t")
                .write(dir.resolve("kubeconfig"));
        checked(kc);
    }

    @Test
    void anExpiredClientCertificateIsAConfigErrorSayingSo() {
        Instant now = Instant.now();
        TestPki.Issued expired = pki.client("old-user", "system:masters", now.minus(Duration.ofDays(3)),
                now.minus(Duration.ofDays(1)));
        Path kc = KubeconfigFixture.forServer(mtlsFront.url()).caData(pki.ca().certificatePem())
                .clientCertData(expired.certificatePem(), expired.keyPem()).write(dir.resolve("kubeconfig"));
        ValenceException e = assertThrows(ValenceException.class, () -> checked(kc));
        assertEquals(ErrorKind.CONFIG, e.kind(), e.getMessage());
        assertTrue(e.getMessage().contains("expired"), e.getMessage());
    }

    // ---- tokens ----

    @Test
    void bearerTokenIsSent() {
        bed.requireBearer("s3cret-token"::equals);
        Path kc = KubeconfigFixture.forServer(front.url()).caData(pki.ca().certificatePem()).token("s3cret-token")
                .write(dir.resolve("kubeconfig"));
        checked(kc);
        List<String> auth = authorizations();
        assertFalse(auth.isEmpty());
        assertTrue(auth.stream().allMatch("Bearer s3cret-token"::equals), auth.toString());
    }

    @Test
    void tokenFileIsReadAgainWhenRotated() throws Exception {
        Path token = file("token", "file-token-1\n");
        bed.requireBearer("file-token-1"::equals);
        Path kc = KubeconfigFixture.forServer(front.url()).caData(pki.ca().certificatePem()).tokenFile(token)
                .write(dir.resolve("kubeconfig"));
        ClusterGateway g = checked(kc);
        assertTrue(authorizations().stream().allMatch("Bearer file-token-1"::equals));
        Files.writeString(token, "file-token-2\n");
        bed.requireBearer("file-token-2"::equals);
        g.check();
        assertTrue(authorizations().contains("Bearer file-token-2"));
    }

    @Test
    void unauthorizedAndForbiddenAreToldApart() {
        bed.requireBearer("right"::equals);
        Path wrong = KubeconfigFixture.forServer(front.url()).caData(pki.ca().certificatePem()).token("tok-7f3a9c")
                .write(dir.resolve("bad/kubeconfig"));
        ValenceException unauthorized = assertThrows(ValenceException.class, () -> checked(wrong));
        assertEquals(ErrorKind.PERMISSION, unauthorized.kind());
        assertTrue(unauthorized.getMessage().contains("401"), unauthorized.getMessage());
        assertFalse(unauthorized.getMessage().contains("tok-7f3a9c"), "the token must not be shown: " + unauthorized.getMessage());

        Path right = KubeconfigFixture.forServer(front.url()).caData(pki.ca().certificatePem()).token("right")
                .write(dir.resolve("right/kubeconfig"));
        bed.failNext("GET", "/api/v1/namespaces/" + ApiServerBed.NAMESPACE, 1, 403,
                "namespaces \"" + ApiServerBed.NAMESPACE + "\" is forbidden: User \"ci\" cannot get resource \"namespaces\"");
        bed.failNext("GET", "/apis/batch/v1/namespaces/" + ApiServerBed.NAMESPACE + "/jobs", 1, 403,
                "jobs.batch is forbidden: User \"ci\" cannot list resource \"jobs\"");
        ValenceException forbidden = assertThrows(ValenceException.class, () -> checked(right));
        assertEquals(ErrorKind.PERMISSION, forbidden.kind());
        assertTrue(forbidden.getMessage().contains("403"), forbidden.getMessage());
        assertNotEquals(unauthorized.getMessage(), forbidden.getMessage());
    }

    // ---- exec credential plugins ----

    /** Writes a plugin printing an ExecCredential whose token is {@code <arg1>-<$VALENCE_STAGE>-<run number>}. */
    private Path execPlugin(String name, String apiVersion, int ttlSeconds) throws IOException {
        String script = "#!/bin/sh\n"
                + "# stand-in for an exec credential plugin such as 'aws eks get-token'\n"
                + "d=$(dirname \"$0\")\n"
                + "n=$(cat \"$d/" + name + ".count\" 2>/dev/null || echo 0)\n"
                + "n=$((n+1))\n"
                + "echo \"$n\" > \"$d/" + name + ".count\"\n"
                + "exp=$(date -u -d \"@$(( $(date +%s) + " + ttlSeconds + " ))\" +%Y-%m-%dT%H:%M:%SZ)\n"
                + "printf '{\"apiVersion\":\"%s\",\"kind\":\"ExecCredential\",\"status\":{\"token\":\"%s-%s-%s\","
                + "\"expirationTimestamp\":\"%s\"}}\\n' \"" + apiVersion + "\" \"$1\" \"$VALENCE_STAGE\" \"$n\" \"$exp\"\n";
        Path p = file("plugins/" + name, script);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        return p;
    }

    private void execWorks(String apiVersion) throws Exception {
        Path plugin = execPlugin("get-token", apiVersion, 3600);
        bed.requireBearer(t -> t.startsWith("exec-prod-"));
        Path kc = KubeconfigFixture.forServer(front.url()).caData(pki.ca().certificatePem())
                .exec(apiVersion, plugin.toString(), List.of("exec"), Map.of("VALENCE_STAGE", "prod"), "")
                .write(dir.resolve("kubeconfig"));
        checked(kc);
        List<String> auth = authorizations();
        assertFalse(auth.isEmpty());
        assertTrue(auth.stream().allMatch(a -> a.startsWith("Bearer exec-prod-")), auth.toString());
    }

    @Test
    void execPluginV1WithArgsAndEnv() throws Exception {
        execWorks("client.authentication.k8s.io/v1");
    }

    @Test
    void execPluginV1beta1WithArgsAndEnv() throws Exception {
        execWorks("client.authentication.k8s.io/v1beta1");
    }

    @Test
    void aMissingExecCommandShowsTheInstallHint() {
        Path kc = KubeconfigFixture.forServer(front.url()).caData(pki.ca().certificatePem())
                .exec("client.authentication.k8s.io/v1beta1", "valence-no-such-plugin", List.of("eks", "get-token"),
                        Map.of(), "valence-no-such-plugin is needed: install it from https://example.invalid/plugin")
                .write(dir.resolve("kubeconfig"));
        ValenceException e = assertThrows(ValenceException.class, () -> checked(kc));
        assertEquals(ErrorKind.CONFIG, e.kind(), e.getMessage());
        assertTrue(e.getMessage().contains("valence-no-such-plugin"), e.getMessage());
        assertTrue(e.getMessage().contains("install it from https://example.invalid/plugin"), e.getMessage());
    }

    @Test
    void aFailingExecPluginShowsItsStderr() throws Exception {
        Path plugin = file("plugins/failing", "#!/bin/sh\necho 'error: profile prod has no credentials' >&2\nexit 3\n");
        Files.setPosixFilePermissions(plugin, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path kc = KubeconfigFixture.forServer(front.url()).caData(pki.ca().certificatePem())
                .exec("client.authentication.k8s.io/v1", plugin.toString(), List.of(), Map.of(), "")
                .write(dir.resolve("kubeconfig"));
        ValenceException e = assertThrows(ValenceException.class, () -> checked(kc));
        assertEquals(ErrorKind.PERMISSION, e.kind(), e.getMessage());
        assertTrue(e.getMessage().contains("error: profile prod has no credentials"), e.getMessage());
    }

    @Test
    void anExpiredExecTokenIsFetchedAgain() throws Exception {
        Path plugin = execPlugin("short-lived", "client.authentication.k8s.io/v1", 3);
        bed.requireBearer(t -> t.startsWith("exec-ci-"));
        Path kc = KubeconfigFixture.forServer(front.url()).caData(pki.ca().certificatePem())
                .exec("client.authentication.k8s.io/v1", plugin.toString(), List.of("exec"), Map.of("VALENCE_STAGE", "ci"), "")
                .write(dir.resolve("kubeconfig"));
        ClusterGateway g = checked(kc);
        List<String> first = authorizations();
        assertTrue(first.contains("Bearer exec-ci-1"), first.toString());
        // the server stops accepting the first token once it has expired
        Instant expired = Instant.now().plusSeconds(4);
        bed.requireBearer(t -> t.startsWith("exec-ci-") && !t.equals("exec-ci-1"));
        while (Instant.now().isBefore(expired)) {
            Thread.sleep(200);
        }
        g.check();
        List<String> later = authorizations();
        assertTrue(later.stream().anyMatch(a -> a.startsWith("Bearer exec-ci-") && !a.equals("Bearer exec-ci-1")),
                "a new token must be fetched after expiry: " + later);
    }
}
