package dev.valence.tck.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 2, unit = TimeUnit.MINUTES)
class RegistryBedTest {
    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void countsCompletedBlobUploadsFromTheRegistryLog() throws Exception {
        try (RegistryBed bed = RegistryBed.start()) {
            int mark = bed.mark();
            byte[] blob = "hello blob".getBytes(StandardCharsets.UTF_8);
            String digest = "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(blob));

            HttpResponse<String> start = http.send(HttpRequest.newBuilder(
                    URI.create("http://" + bed.host() + "/v2/bed/blobs/uploads/"))
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(202, start.statusCode(), start.body());
            String location = start.headers().firstValue("Location").orElseThrow();
            URI put = URI.create(location.startsWith("http") ? location : "http://" + bed.host() + location);
            String sep = put.toString().contains("?") ? "&" : "?";
            HttpResponse<String> done = http.send(HttpRequest.newBuilder(URI.create(put + sep + "digest=" + digest))
                    .PUT(HttpRequest.BodyPublishers.ofByteArray(blob)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(201, done.statusCode(), done.body());

            assertEquals(List.of(digest), bed.blobUploadsSince(mark));
            assertEquals("hello blob", new String(bed.blob("bed", digest), StandardCharsets.UTF_8));
            assertEquals(Optional.empty(), bed.manifest("bed", "latest"));
            assertTrue(bed.requestsSince(mark).stream().anyMatch(r -> r.method().equals("POST")));
        }
    }

    @Test
    void withHtpasswdItRejectsAnonymousAndWrongCredentialsAndAcceptsTheRightOnes() throws Exception {
        try (RegistryBed bed = RegistryBed.builder().htpasswd("alice", "secret-1").start()) {
            assertEquals(401, status(bed, null));
            assertEquals(401, status(bed, "alice:wrong"));
            assertEquals(200, status(bed, "alice:secret-1"));
            assertEquals("alice", bed.credentials().orElseThrow().username());
            assertTrue(!bed.toString().contains("secret-1"), bed.toString());
        }
    }

    @Test
    void closingStopsTheRegistry() throws Exception {
        RegistryBed bed = RegistryBed.start();
        String host = bed.host();
        bed.close();

        try {
            http.send(HttpRequest.newBuilder(URI.create("http://" + host + "/v2/")).build(),
                    HttpResponse.BodyHandlers.discarding());
            throw new AssertionError("the registry still answers at " + host);
        } catch (java.net.ConnectException expected) {
            // stopped
        }
    }

    private int status(RegistryBed bed, String userColonPassword) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://" + bed.host() + "/v2/"));
        if (userColonPassword != null) {
            b.header("Authorization", "Basic "
                    + Base64.getEncoder().encodeToString(userColonPassword.getBytes(StandardCharsets.UTF_8)));
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }
}
