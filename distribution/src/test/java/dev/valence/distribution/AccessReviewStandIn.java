package dev.valence.distribution;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;

/**
 * Test stand-in for the API server's authorizer: a loopback front for the mock API server (whose CRUD
 * mode cannot decide a SelfSubjectAccessReview) that answers access reviews itself, allowing every
 * verb except those in {@link #deny}, and passes every other request through unchanged.
 */
final class AccessReviewStandIn implements AutoCloseable {
    private static final String REVIEWS = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    private final HttpClient client = HttpClient.newHttpClient();
    private final String backend;
    private final Set<String> denied = ConcurrentHashMap.newKeySet();

    AccessReviewStandIn(String backendUrl) {
        this.backend = backendUrl;
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.setExecutor(Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "access-review-stand-in");
            t.setDaemon(true);
            return t;
        }));
        server.createContext("/", this::handle);
        server.start();
    }

    /** The front's URL, for a kubeconfig. */
    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** From now on, reviews of this permission ({@code batch/jobs:delete}, {@code pods/log:get}) answer "not allowed". */
    void deny(String permission) {
        denied.add(permission);
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            byte[] body = ex.getRequestBody().readAllBytes();
            if (ex.getRequestMethod().equals("POST") && ex.getRequestURI().getPath().equals(REVIEWS)) {
                answerReview(ex, body);
                return;
            }
            HttpRequest.Builder forward = HttpRequest.newBuilder(URI.create(backend + ex.getRequestURI()))
                    .method(ex.getRequestMethod(), body.length == 0 ? HttpRequest.BodyPublishers.noBody()
                            : HttpRequest.BodyPublishers.ofByteArray(body));
            String type = ex.getRequestHeaders().getFirst("Content-Type");
            if (type != null) {
                forward.header("Content-Type", type);
            }
            HttpResponse<byte[]> answer = client.send(forward.build(), HttpResponse.BodyHandlers.ofByteArray());
            answer.headers().firstValue("Content-Type").ifPresent(v -> ex.getResponseHeaders().add("Content-Type", v));
            ex.sendResponseHeaders(answer.statusCode(), answer.body().length == 0 ? -1 : answer.body().length);
            ex.getResponseBody().write(answer.body());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            ex.sendResponseHeaders(503, -1);
        }
    }

    private void answerReview(HttpExchange ex, byte[] body) throws IOException {
        ObjectNode review = (ObjectNode) JSON.readTree(body);
        JsonNode attrs = review.path("spec").path("resourceAttributes");
        String group = attrs.path("group").asText("");
        String sub = attrs.path("subresource").asText("");
        String permission = (group.isEmpty() ? "" : group + "/") + attrs.path("resource").asText()
                + (sub.isEmpty() ? "" : "/" + sub) + ":" + attrs.path("verb").asText();
        boolean allowed = !denied.contains(permission);
        ObjectNode status = review.putObject("status");
        status.put("allowed", allowed);
        if (!allowed) {
            status.put("reason", "the stand-in denies " + permission);
        }
        byte[] out = JSON.writeValueAsBytes(review);
        ex.getResponseHeaders().add("Content-Type", "application/json");
        ex.sendResponseHeaders(201, out.length);
        ex.getResponseBody().write(out);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
