package dev.valence.fabric8;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.valence.api.ErrorKind;
import dev.valence.api.Settings;
import dev.valence.api.ValenceException;
import dev.valence.spi.ClusterGateway;
import dev.valence.tck.cluster.ApiServerBed;
import dev.valence.tck.cluster.TestPki;
import dev.valence.tck.cluster.TlsFrontDoor;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * In a pod (no kubeconfig): the service account's token, CA and namespace, here pointed at test
 * files through fabric8's system properties, with the API server behind TLS; a rotated token file
 * is picked up when the server starts refusing the old token.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class InClusterConfigTest {
    private static final List<String> PROPERTIES = List.of("KUBERNETES_SERVICE_HOST", "KUBERNETES_SERVICE_PORT",
            "kubernetes.auth.serviceAccount.token", "kubernetes.certs.ca.file", "kubernetes.auth.tryKubeConfig",
            "kubenamespace");

    @TempDir
    Path dir;

    @AfterEach
    void clearProperties() {
        PROPERTIES.forEach(System::clearProperty);
    }

    private Settings inPodSettings() {
        return Settings.builder().environment(Map.of("KUBERNETES_SERVICE_HOST", "127.0.0.1")).userHome(dir).build();
    }

    @Test
    void usesTheServiceAccountAndPicksUpARotatedToken() throws Exception {
        TestPki pki = TestPki.create("in-cluster-ca");
        try (ApiServerBed bed = ApiServerBed.start(); TlsFrontDoor front = TlsFrontDoor.open(bed, pki, false)) {
            Path token = Files.writeString(dir.resolve("token"), "sa-token-1");
            Path ca = Files.writeString(dir.resolve("ca.crt"), pki.ca().certificatePem());
            Path ns = Files.writeString(dir.resolve("namespace"), ApiServerBed.NAMESPACE);
            URI url = URI.create(front.url());
            System.setProperty("KUBERNETES_SERVICE_HOST", url.getHost());
            System.setProperty("KUBERNETES_SERVICE_PORT", String.valueOf(url.getPort()));
            System.setProperty("kubernetes.auth.serviceAccount.token", token.toString());
            System.setProperty("kubernetes.certs.ca.file", ca.toString());
            System.setProperty("kubernetes.auth.tryKubeConfig", "false");
            System.setProperty("kubenamespace", ns.toString());
            Settings settings = inPodSettings();
            assertTrue(settings.k8sConfigFile().isEmpty(), "no kubeconfig in a pod");
            bed.requireBearer("sa-token-1"::equals);
            try (ClusterGateway g = new Fabric8GatewayFactory().create(settings)) {
                assertEquals(ApiServerBed.NAMESPACE, g.namespace());
                g.check();
                assertTrue(bed.takeRequests().stream().allMatch(r -> r.header("Authorization").equals("Bearer sa-token-1")));
                Files.writeString(token, "sa-token-2");
                bed.requireBearer("sa-token-2"::equals);
                g.check();
                assertTrue(bed.takeRequests().stream().anyMatch(r -> r.header("Authorization").equals("Bearer sa-token-2")));
            }
        }
    }

    @Test
    void withoutKubeconfigOutsideAPodSaysWhatToSet() {
        org.junit.jupiter.api.Assumptions.assumeTrue(System.getenv("KUBERNETES_SERVICE_HOST") == null, "runs outside a pod");
        Settings settings = Settings.builder().environment(Map.of("KUBERNETES_SERVICE_HOST", "10.0.0.1")).userHome(dir).build();
        ValenceException e = assertThrows(ValenceException.class, () -> new Fabric8GatewayFactory().create(settings));
        assertEquals(ErrorKind.CONFIG, e.kind());
        assertTrue(e.getMessage().contains("k8s_config_file"), e.getMessage());
    }
}
