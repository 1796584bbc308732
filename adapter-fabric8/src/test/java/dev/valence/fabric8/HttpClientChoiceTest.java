package dev.valence.fabric8;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.valence.api.Settings;
import dev.valence.tck.ThreadsInNative;
import dev.valence.tck.cluster.ApiServerBed;
import io.fabric8.kubernetes.client.http.HttpClient;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway talks through fabric8's OkHttp client even with Vert.x on the class path (here, through
 * the mock server): Vert.x's event loop could be shut down under a listener at exit ("rejectedExecution
 * ... Event loop shut down?") and brings Netty; the JDK's client leaves its selector thread waiting in
 * native code after close, and the JVM waits 0.3 s for such threads at every exit.
 */
class HttpClientChoiceTest {
    @TempDir
    Path home;

    @Test
    void theGatewayUsesOkHttpWhateverIsOnTheClassPath() throws Exception {
        try (ApiServerBed bed = ApiServerBed.start()) {
            Fabric8Gateway g = Fabric8Gateway.connect(settings(bed));
            try {
                g.check();
                HttpClient http = g.httpClient();
                assertEquals("io.fabric8.kubernetes.client.okhttp.OkHttpClientImpl", http.getClass().getName());
            } finally {
                g.close();
            }
        }
    }

    @Test
    void aClosedGatewayLeavesNoThreadWaitingInNativeCode() throws Exception {
        try (ApiServerBed bed = ApiServerBed.start()) {
            Set<Thread> before = Thread.getAllStackTraces().keySet();
            Fabric8Gateway g = Fabric8Gateway.connect(settings(bed));
            g.check();
            g.list(Map.of());
            g.close();
            List<String> inNative = ThreadsInNative.leftBy(e -> !before.contains(e.getKey()));
            assertTrue(inNative.isEmpty(), "threads the gateway left in native code (each holds the JVM's exit): "
                    + inNative);
        }
    }

    @Test
    void aRefusedFirstContactBuildsNoClientAndAnAnsweringServerGetsOne() throws Exception {
        try (ApiServerBed bed = ApiServerBed.start()) {
            Path refused = bed.writeKubeconfig("refused", "refused",
                    new ApiServerBed.KubeContext("refused", ApiServerBed.closedPortUrl(), "default"));
            Fabric8Gateway g = Fabric8Gateway.connect(Settings.builder().environment(Map.of()).userHome(home)
                    .k8sConfigFile(refused).k8sContext("refused").build());
            try {
                dev.valence.api.ValenceException e = org.junit.jupiter.api.Assertions.assertThrows(
                        dev.valence.api.ValenceException.class, () -> g.list(Map.of()));
                assertTrue(e.getMessage().contains("connection refused"), e.getMessage());
                assertTrue(!g.clientBuilt(), "a refused first contact built the client");
            } finally {
                g.close();
            }
            Fabric8Gateway answered = Fabric8Gateway.connect(settings(bed));
            try {
                assertTrue(!answered.clientBuilt(), "connect() alone talks to no server and builds no client");
                answered.list(Map.of());
                assertTrue(answered.clientBuilt());
            } finally {
                answered.close();
            }
        }
    }

    private Settings settings(ApiServerBed bed) {
        return Settings.builder().environment(Map.of()).userHome(home).k8sConfigFile(bed.kubeconfig())
                .k8sContext(ApiServerBed.CONTEXT).build();
    }
}
