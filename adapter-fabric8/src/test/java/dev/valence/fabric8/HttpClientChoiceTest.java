package dev.valence.fabric8;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.valence.api.Settings;
import dev.valence.tck.cluster.ApiServerBed;
import io.fabric8.kubernetes.client.http.HttpClient;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway talks through the JDK's HTTP client even with Vert.x on the class path (here, through
 * the mock server): Vert.x's event loop could be shut down under a listener at exit ("rejectedExecution
 * ... Event loop shut down?"), and it brings Netty (24 jars, 8 MB) for nothing Valence needs.
 */
class HttpClientChoiceTest {
    @TempDir
    Path home;

    @Test
    void theGatewayUsesTheJdkHttpClientWhateverIsOnTheClassPath() throws Exception {
        try (ApiServerBed bed = ApiServerBed.start()) {
            Settings s = Settings.builder().environment(Map.of()).userHome(home).k8sConfigFile(bed.kubeconfig())
                    .k8sContext(ApiServerBed.CONTEXT).build();
            Fabric8Gateway g = Fabric8Gateway.connect(s);
            try {
                g.check();
                HttpClient http = g.httpClient();
                assertEquals("io.fabric8.kubernetes.client.jdkhttp.JdkHttpClientImpl", http.getClass().getName());
            } finally {
                g.close();
            }
        }
    }
}
