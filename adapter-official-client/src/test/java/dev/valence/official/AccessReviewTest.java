package dev.valence.official;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.sun.net.httpserver.HttpServer;
import dev.valence.api.ErrorKind;
import dev.valence.api.Settings;
import dev.valence.api.ValenceException;
import dev.valence.spi.ClusterGateway;
import dev.valence.tck.cluster.ApiServerBed;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code allowed(...)} asks the server with a SelfSubjectAccessReview. The mock API server in CRUD
 * mode cannot decide a review, so the answering side is a test authorizer: a loopback HTTP server
 * that allows reading pod logs and nothing else, and records what it was asked.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class AccessReviewTest {
    @TempDir
    Path home;

    @Test
    void accessReviewsAskTheServerForTheGatewaysNamespace() throws IOException {
        List<JsonObject> asked = new CopyOnWriteArrayList<>();
        HttpServer authorizer = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        authorizer.createContext("/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", exchange -> {
            JsonObject review = JsonParser.parseString(new String(exchange.getRequestBody().readAllBytes(),
                    StandardCharsets.UTF_8)).getAsJsonObject();
            asked.add(review);
            JsonObject attributes = review.getAsJsonObject("spec").getAsJsonObject("resourceAttributes");
            boolean allowed = "get".equals(attributes.get("verb").getAsString())
                    && "pods".equals(attributes.get("resource").getAsString())
                    && attributes.has("subresource") && "log".equals(attributes.get("subresource").getAsString());
            JsonObject status = new JsonObject();
            status.addProperty("allowed", allowed);
            review.add("status", status);
            byte[] body = review.toString().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(201, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        authorizer.start();
        try (ApiServerBed bed = ApiServerBed.start()) {
            Path kc = bed.writeKubeconfig("authorizer", "a", new ApiServerBed.KubeContext("a",
                    "http://127.0.0.1:" + authorizer.getAddress().getPort(), "team-a"));
            try (ClusterGateway g = new OfficialGatewayFactory().create(
                    Settings.builder().environment(Map.of()).userHome(home).k8sConfigFile(kc).build())) {
                assertTrue(g.allowed("get", "", "pods", "log"));
                assertFalse(g.allowed("delete", "batch", "jobs", ""));
            }
            JsonObject first = asked.get(0).getAsJsonObject("spec").getAsJsonObject("resourceAttributes");
            assertEquals("team-a", first.get("namespace").getAsString());
            assertEquals("SelfSubjectAccessReview", asked.get(0).get("kind").getAsString());
            JsonObject second = asked.get(1).getAsJsonObject("spec").getAsJsonObject("resourceAttributes");
            assertEquals("batch", second.get("group").getAsString());
            assertFalse(second.has("subresource"), "an empty subresource is left out: " + second);

            // a server that refuses the review itself: PERMISSION
            try (ClusterGateway g = new OfficialGatewayFactory().create(Settings.builder().environment(Map.of())
                    .userHome(home).k8sConfigFile(bed.kubeconfig()).build())) {
                bed.failNext("POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", 1, 403, "forbidden");
                ValenceException e = assertThrows(ValenceException.class, () -> g.allowed("get", "", "pods", "log"));
                assertEquals(ErrorKind.PERMISSION, e.kind());
            }
        } finally {
            authorizer.stop(0);
        }
    }
}
