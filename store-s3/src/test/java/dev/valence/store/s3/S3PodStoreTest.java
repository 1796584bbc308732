package dev.valence.store.s3;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.valence.api.ErrorKind;
import dev.valence.api.Settings;
import dev.valence.api.ValenceException;
import dev.valence.spi.ArtifactStore;
import dev.valence.tck.store.BlobDigest;
import dev.valence.tck.store.GeneratedBlob;
import java.io.File;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.MalformedURLException;
import java.net.ServerSocket;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.endpoints.S3EndpointParams;
import software.amazon.awssdk.services.s3.endpoints.S3EndpointProvider;

/** The pod's own S3 store ({@link S3PodStore}) beyond the contract: the SDK stays unloaded, interplay, URLs, errors, retries. */
@Timeout(120)
class S3PodStoreTest {
    private static final String BUCKET = "valence-pod";
    private static S3ProxyBed bed;

    @BeforeAll
    static void startS3() throws Exception {
        bed = S3ProxyBed.start();
        bed.createBucket(BUCKET);
    }

    @AfterAll
    static void stopS3() throws Exception {
        if (bed != null) {
            bed.close();
        }
    }

    private static Settings settings(String dataStore, String endpoint) {
        return Settings.builder().knownKey(S3StoreFactory.ENDPOINT_KEY, "").dataStore(dataStore).region(S3ProxyBed.REGION)
                .set(S3StoreFactory.ENDPOINT_KEY, endpoint).build();
    }

    private static Map<String, String> keys() {
        return Map.of("AWS_ACCESS_KEY_ID", S3ProxyBed.ACCESS_KEY, "AWS_SECRET_ACCESS_KEY", bed.secretKey());
    }

    private static ArtifactStore pod(String dataStore) {
        return S3StoreFactory.openInPod(settings(dataStore, bed.endpoint()), keys());
    }

    private static ArtifactStore client(String dataStore) {
        return new S3StoreFactory().create(settings(dataStore, bed.endpoint()));
    }

    /** A class loader of the test's class path alone (not this JVM's loaded classes), and what it has loaded. */
    private static final class FreshLoader extends URLClassLoader {
        FreshLoader() throws MalformedURLException {
            super(classPath(), ClassLoader.getPlatformClassLoader());
        }

        boolean loaded(String name) {
            return findLoadedClass(name) != null;
        }

        private static URL[] classPath() throws MalformedURLException {
            List<URL> urls = new ArrayList<>();
            for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
                urls.add(new File(entry).toURI().toURL());
            }
            return urls.toArray(URL[]::new);
        }
    }

    private static String probe(FreshLoader loader, boolean pod, String dataStore) throws Exception {
        return (String) Class.forName(PodStoreProbe.class.getName(), true, loader)
                .getMethod("roundTrip", boolean.class, String.class, String.class, String.class, String.class)
                .invoke(null, pod, bed.endpoint(), dataStore, S3ProxyBed.ACCESS_KEY, bed.secretKey());
    }

    @Test
    void thePodsStoreNeverLoadsTheSdksS3Client() throws Exception {
        List<String> sdkClient = List.of("software.amazon.awssdk.services.s3.S3Client",
                "software.amazon.awssdk.services.s3.DefaultS3Client",
                "software.amazon.awssdk.regions.GeneratedServiceMetadataProvider");
        try (FreshLoader pod = new FreshLoader()) {
            assertEquals("probe", probe(pod, true, "s3://" + BUCKET + "/loader/pod"));
            assertTrue(pod.loaded(S3StoreFactory.class.getName()), "the probe ran in the fresh loader");
            for (String name : sdkClient) {
                assertFalse(pod.loaded(name), name + " was loaded by the pod's store");
            }
        }
        try (FreshLoader client = new FreshLoader()) {
            assertEquals("probe", probe(client, false, "s3://" + BUCKET + "/loader/client"));
            for (String name : sdkClient) {
                assertTrue(client.loaded(name), "the check sees what the client's store loads: " + name);
            }
        }
    }

    @Test
    void thePodReadsWhatTheClientWroteAndTheClientWhatThePodWrote() throws Exception {
        GeneratedBlob large = GeneratedBlob.of(2L * S3ArtifactStore.PART_SIZE + 4099, 11);
        byte[] small = "from the client".getBytes(StandardCharsets.UTF_8);
        String odd = "d1/ünï cödé/a+b=c/100% & #?";
        try (ArtifactStore client = client("s3://" + BUCKET + "/both"); ArtifactStore pod = pod("s3://" + BUCKET + "/both")) {
            client.put("d1/n1/input", small);
            client.put("d1/n1/large", large.stream());
            client.put(odd, small);
            assertArrayEquals(small, pod.getBytes("d1/n1/input"));
            assertArrayEquals(small, pod.getBytes(odd));
            try (InputStream in = pod.get("d1/n1/large")) {
                assertEquals(large.digest(), BlobDigest.of(in), "a multipart object of the client, read by the pod");
            }
            assertTrue(pod.exists("d1/n1/large"));
            assertEquals(client.list("d1"), pod.list("d1"));

            pod.put("d2/n1/output", "from the pod".getBytes(StandardCharsets.UTF_8));
            pod.put("d2/n1/large", large.stream());
            assertEquals("from the pod", new String(client.getBytes("d2/n1/output"), StandardCharsets.UTF_8));
            try (InputStream in = client.get("d2/n1/large")) {
                assertEquals(large.digest(), BlobDigest.of(in), "a multipart object of the pod, read by the client");
            }
            pod.deletePrefix("d1");
            assertEquals(List.of("d2/n1/large", "d2/n1/output"), client.list(""));
        }
        try (S3Client s3 = bed.client()) {
            String etag = s3.headObject(b -> b.bucket(BUCKET).key("both/d2/n1/large")).eTag();
            assertTrue(etag.replace("\"", "").endsWith("-3"), "a 3-part upload's ETag, got " + etag);
        }
    }

    @Test
    void listingAndDeletingFollowS3sPagesToTheEnd() {
        List<String> keys = List.of("d1/n1/a", "d1/n1/b", "d1/n2/c", "d1/n3/d", "d1/n4/e");
        try (ArtifactStore client = client("s3://" + BUCKET + "/pages")) {
            keys.forEach(k -> client.put(k, new byte[] {1}));
        }
        S3Errors errors = new S3Errors(S3Location.parse("s3://" + BUCKET + "/pages"),
                S3ProxyBed.REGION, bed.endpoint());
        S3Requests requests = new S3Requests(BUCKET, S3ProxyBed.REGION, bed.endpoint(), new Connections(java.util.Optional.empty()),
                () -> software.amazon.awssdk.identity.spi.AwsCredentialsIdentity.create(S3ProxyBed.ACCESS_KEY, bed.secretKey()),
                errors);
        try (ArtifactStore paged = new S3PodStore(S3Location.parse("s3://" + BUCKET + "/pages"), S3ProxyBed.REGION,
                bed.endpoint(), java.util.Optional.empty(), requests, 2)) {
            assertEquals(keys, paged.list("d1"), "three pages of two keys at most");
            paged.deletePrefix("d1/");
            assertEquals(List.of(), paged.list(""));
        }
    }

    @Test
    void aFailedUploadFromThePodIsAbortedAndLeavesNoParts() {
        GeneratedBlob blob = GeneratedBlob.of(3L * S3ArtifactStore.PART_SIZE, 8);
        try (ArtifactStore store = pod("s3://" + BUCKET + "/aborted")) {
            ValenceException e = assertThrows(ValenceException.class,
                    () -> store.put("d1/n1/output", blob.streamFailingAt(2L * S3ArtifactStore.PART_SIZE + 10)));
            assertEquals(ErrorKind.STORE, e.kind());
            assertTrue(e.getMessage().startsWith("writing s3://" + BUCKET + "/aborted/d1/n1/output failed"), e.getMessage());
            assertFalse(store.exists("d1/n1/output"));
        }
        try (S3Client s3 = bed.client()) {
            assertEquals(List.of(), s3.listMultipartUploads(b -> b.bucket(BUCKET).prefix("aborted/")).uploads(),
                    "the multipart upload was aborted");
        }
    }

    @Test
    void urlsAreWhatTheSdksEndpointRulesAnswer() {
        S3EndpointProvider rules = S3EndpointProvider.defaultProvider();
        record Case(String bucket, String region, String endpoint) { }
        List<Case> cases = List.of(new Case("valence-data", "us-east-1", ""), new Case("valence-data", "eu-west-3", ""),
                new Case("valence-data", "cn-north-1", ""), new Case("valence.data.v1", "us-west-2", ""),
                new Case("valence-data", "eu-west-3", "http://127.0.0.1:9000"),
                new Case("valence.data", "eu-west-3", "https://s3.local:8443/a/b/"));
        for (Case c : cases) {
            S3Requests requests = new S3Requests(c.bucket(), c.region(), c.endpoint(), new Connections(java.util.Optional.empty()),
                    () -> { throw new AssertionError("no request is sent"); }, null);
            for (String key : List.of("d1/n1/input", "")) {
                S3EndpointParams.Builder params = S3EndpointParams.builder().region(Region.of(c.region())).bucket(c.bucket())
                        .useFips(false).useDualStack(false).accelerate(false).key(key.isEmpty() ? null : key);
                if (!c.endpoint().isEmpty()) {
                    params.endpoint(c.endpoint()).forcePathStyle(true);
                }
                String base = strip(rules.resolveEndpoint(params.build()).join().url().toString());
                String actual = requests.uri(key).toString();
                assertEquals(key.isEmpty() ? base : base + "/" + key, key.isEmpty() ? strip(actual) : actual,
                        c + " key '" + key + "'");
            }
        }
    }

    @Test
    void withoutCredentialsAnywhereTheFirstRequestIsAStoreErrorSayingWhereTheSdkLooked() {
        bed.useCredentials(null, null);
        try (ArtifactStore store = S3StoreFactory.openInPod(settings("s3://" + BUCKET + "/runs", bed.endpoint()), Map.of())) {
            ValenceException e = assertThrows(ValenceException.class, () -> store.getBytes("d1/n1/input"));
            assertEquals(ErrorKind.STORE, e.kind());
            assertTrue(e.getMessage().contains("no AWS credentials found for S3 bucket '" + BUCKET + "'"), e.getMessage());
            assertTrue(e.getMessage().contains("EnvironmentVariableCredentialsProvider")
                    && e.getMessage().contains("WebIdentityTokenFileCredentialsProvider"), e.getMessage());
        } finally {
            bed.useCredentials(S3ProxyBed.ACCESS_KEY, bed.secretKey());
        }
    }

    @Test
    void withoutEnvKeysThePodSignsWithTheSdksChain() {
        try (ArtifactStore store = S3StoreFactory.openInPod(settings("s3://" + BUCKET + "/chain", bed.endpoint()), Map.of())) {
            store.put("d1/n1/output", new byte[] {4, 2});
            assertArrayEquals(new byte[] {4, 2}, store.getBytes("d1/n1/output"), "keys from aws.accessKeyId / aws.secretAccessKey");
        }
    }

    @Test
    void wrongCredentialsAreADeniedAccessThatShowsNoSecret() {
        String wrong = "wrong-secret-" + System.nanoTime();
        try (ArtifactStore store = S3StoreFactory.openInPod(settings("s3://" + BUCKET + "/runs", bed.endpoint()),
                Map.of("AWS_ACCESS_KEY_ID", S3ProxyBed.ACCESS_KEY, "AWS_SECRET_ACCESS_KEY", wrong))) {
            ValenceException e = assertThrows(ValenceException.class, () -> store.put("d1/n1/output", new byte[] {1}));
            assertEquals(ErrorKind.STORE, e.kind());
            assertTrue(e.getMessage().contains("access to S3 bucket '" + BUCKET + "' at " + bed.endpoint() + " was denied (403"),
                    e.getMessage());
            assertTrue(e.getMessage().contains("check the AWS credentials"), e.getMessage());
            assertFalse(e.getMessage().contains(wrong) || e.getMessage().contains(bed.secretKey()), e.getMessage());
        }
    }

    @Test
    void aSessionTokenFromTheEnvIsSent() throws Exception {
        List<String> tokens = new ArrayList<>();
        HttpServer server = server(exchange -> {
            tokens.add(exchange.getRequestHeaders().getFirst("x-amz-security-token"));
            return 200;
        });
        try (ArtifactStore store = S3StoreFactory.openInPod(settings("s3://b-1/p", endpoint(server)),
                Map.of("AWS_ACCESS_KEY_ID", "id", "AWS_SECRET_ACCESS_KEY", "secret", "AWS_SESSION_TOKEN", "session-1"))) {
            assertEquals("hello", new String(store.getBytes("d1/n1/input"), StandardCharsets.UTF_8));
        } finally {
            server.stop(0);
        }
        assertEquals(List.of("session-1"), tokens);
    }

    @Test
    void anUnreachableEndpointIsAStoreErrorNamingIt() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        String endpoint = "http://127.0.0.1:" + port;
        try (ArtifactStore store = S3StoreFactory.openInPod(settings("s3://" + BUCKET + "/runs", endpoint), keys())) {
            ValenceException e = assertThrows(ValenceException.class, () -> store.getBytes("d1/n1/input"));
            assertEquals(ErrorKind.STORE, e.kind());
            assertTrue(e.getMessage().startsWith("reading s3://" + BUCKET + "/runs/d1/n1/input failed: cannot reach S3 bucket '"
                    + BUCKET + "' at " + endpoint), e.getMessage());
            assertTrue(e.getMessage().endsWith("check the endpoint and the network"), e.getMessage());
        }
    }

    @Test
    void slowDownAndServerErrorsAreRetriedABoundedNumberOfTimes() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        HttpServer flaky = server(exchange -> calls.incrementAndGet() <= 2 ? 503 : 200);
        try (ArtifactStore store = S3StoreFactory.openInPod(settings("s3://b-1/p", endpoint(flaky)), keys())) {
            assertEquals("hello", new String(store.getBytes("d1/n1/input"), StandardCharsets.UTF_8));
            assertEquals(3, calls.get(), "two SlowDown answers, then the object");
        } finally {
            flaky.stop(0);
        }
        AtomicInteger always = new AtomicInteger();
        HttpServer down = server(exchange -> always.incrementAndGet() > 0 ? 503 : 200);
        try (ArtifactStore store = S3StoreFactory.openInPod(settings("s3://b-1/p", endpoint(down)), keys())) {
            ValenceException e = assertThrows(ValenceException.class, () -> store.getBytes("d1/n1/input"));
            assertTrue(e.getMessage().contains("answered 503 SlowDown: Please reduce your request rate."), e.getMessage());
            assertEquals(S3Requests.ATTEMPTS, always.get(), "bounded");
        } finally {
            down.stop(0);
        }
    }

    @Test
    void aForbiddenAnswerIsNotRetried() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        HttpServer server = server(exchange -> {
            calls.incrementAndGet();
            return 403;
        });
        try (ArtifactStore store = S3StoreFactory.openInPod(settings("s3://b-1/p", endpoint(server)), keys())) {
            assertThrows(ValenceException.class, () -> store.getBytes("d1/n1/input"));
            assertEquals(1, calls.get());
        } finally {
            server.stop(0);
        }
    }

    @Test
    void openInPodGivesThePodsOwnStore() {
        try (ArtifactStore store = new S3StoreFactory().openInPod(settings("s3://" + BUCKET + "/runs", bed.endpoint()))) {
            assertInstanceOf(S3PodStore.class, store);
            assertEquals(Map.of("VALENCE_K8S_DATA_STORE", "s3://" + BUCKET + "/runs", "VALENCE_K8S_REGION", S3ProxyBed.REGION,
                    "VALENCE_K8S_S3_ENDPOINT", bed.endpoint()), store.podAccess().env());
            assertNotNull(store.toString());
            assertNull(store.podAccess().env().get("AWS_SECRET_ACCESS_KEY"));
        }
    }

    private static String strip(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    private interface Answer {
        int status(com.sun.net.httpserver.HttpExchange exchange);
    }

    /**
     * A stand-in S3 on loopback answering every request with {@code answer}'s status: 200 with "hello", 503 with
     * S3's SlowDown error, anything else with an AccessDenied error.
     */
    private static HttpServer server(Answer answer) throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            int status = answer.status(exchange);
            byte[] body = (status == 200 ? "hello" : status == 503
                    ? "<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>"
                    : "<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>").getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(status, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        return server;
    }

    private static String endpoint(HttpServer server) {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }
}
