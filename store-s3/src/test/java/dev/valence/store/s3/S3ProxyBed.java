package dev.valence.store.s3;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.blobstore.BlobStore;
import org.gaul.s3proxy.nio2blob.FilesystemNio2BlobStore;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Test bed: S3Proxy embedded on 127.0.0.1 (file-system backend in a temp directory, AWS v2/v4
 * signatures with a generated key pair), plus the static credentials the AWS SDK's default chain
 * finds through the {@code aws.accessKeyId} / {@code aws.secretAccessKey} system properties.
 */
public final class S3ProxyBed implements AutoCloseable {
    public static final String ACCESS_KEY = "valence-test-access";
    public static final String REGION = "us-east-1";

    private final String secretKey = "valence-test-secret-" + UUID.randomUUID();
    private final Path dir;
    private final BlobStore blobs;
    private final S3Proxy proxy;
    private final Properties saved = new Properties();

    private S3ProxyBed(Path dir, SSLContext tls) {
        this.dir = dir;
        this.blobs = new FilesystemNio2BlobStore(dir.toString());
        S3Proxy.Builder builder = S3Proxy.builder()
                .blobStore(blobs)
                .endpoint(URI.create("http://127.0.0.1:0"))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, secretKey)
                .ignoreUnknownHeaders(true);
        if (tls != null) {
            builder.secureEndpoint(URI.create("https://127.0.0.1:0")).sslContext(tls);
        }
        this.proxy = builder.build();
    }

    /** Starts S3Proxy and puts its credentials where the SDK's default chain looks first. */
    public static S3ProxyBed start() throws Exception {
        return start(null);
    }

    /**
     * Starts S3Proxy serving plain HTTP ({@link #endpoint()}) and, with {@code tls} (a server context,
     * e.g. {@code TestPki.serverContext}), HTTPS ({@link #httpsEndpoint()}) on the same blobs.
     */
    public static S3ProxyBed start(SSLContext tls) throws Exception {
        S3ProxyBed bed = new S3ProxyBed(Files.createTempDirectory("valence-s3proxy"), tls);
        bed.proxy.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!"STARTED".equals(bed.proxy.getState())) {
            if (System.nanoTime() > deadline) {
                bed.close();
                throw new IllegalStateException("S3Proxy did not start within 30 s (state " + bed.proxy.getState() + ")");
            }
            Thread.sleep(10);
        }
        bed.useCredentials(ACCESS_KEY, bed.secretKey);
        return bed;
    }

    /** The endpoint, for {@code s3_endpoint}. */
    public String endpoint() {
        return "http://127.0.0.1:" + proxy.getPort();
    }

    /** The HTTPS endpoint, when started with a TLS context. */
    public String httpsEndpoint() {
        return "https://127.0.0.1:" + proxy.getSecurePort();
    }

    /** The secret key, which must never reach pod env or messages. */
    public String secretKey() {
        return secretKey;
    }

    /** Sets the credentials the default chain finds ({@code null} clears them). */
    public void useCredentials(String accessKey, String secret) {
        for (String[] p : new String[][] {{"aws.accessKeyId", accessKey}, {"aws.secretAccessKey", secret}}) {
            if (!saved.containsKey(p[0])) {
                saved.setProperty(p[0], System.getProperty(p[0], "\0"));
            }
            if (p[1] == null) {
                System.clearProperty(p[0]);
            } else {
                System.setProperty(p[0], p[1]);
            }
        }
    }

    /** A plain SDK client on the proxy, for the tests' own checks. */
    public S3Client client() {
        return S3Client.builder()
                .endpointOverride(URI.create(endpoint()))
                .forcePathStyle(true)
                .region(Region.of(REGION))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY, secretKey)))
                .httpClientBuilder(UrlConnectionHttpClient.builder())
                .build();
    }

    /** Creates a bucket. */
    public void createBucket(String bucket) {
        try (S3Client s3 = client()) {
            s3.createBucket(b -> b.bucket(bucket));
        }
    }

    @Override
    public void close() throws Exception {
        saved.forEach((k, v) -> {
            if ("\0".equals(v)) {
                System.clearProperty((String) k);
            } else {
                System.setProperty((String) k, (String) v);
            }
        });
        try {
            proxy.stop();
        } finally {
            blobs.close();
            deleteTree(dir);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
