package dev.valence.store.s3;

import dev.valence.api.ErrorKind;
import dev.valence.api.ValenceException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.regions.PartitionMetadata;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.utils.http.SdkHttpUtils;

/**
 * The S3 REST requests of {@link S3PodStore}: built for one bucket (path-style under an {@code s3_endpoint},
 * virtual-hosted on AWS), signed by the SDK's SigV4 signer with a signed payload, which S3 checks (object
 * data {@code aws-chunked}, a signature per chunk as it streams; S3's small XML bodies by their SHA-256),
 * sent over {@code HttpURLConnection} from {@link Connections} (so {@code ca_bundle_file} is trusted).
 * A bounded retry stands in for the SDK client's: up to {@value #ATTEMPTS} attempts on 500, 502,
 * 503 (SlowDown), 504 and on a request that got no answer (connection refused or reset), 100 ms then
 * 200 ms apart; never on another status or a TLS trust failure.
 */
final class S3Requests {
    private static final Logger LOG = LoggerFactory.getLogger(S3Requests.class);
    static final int ATTEMPTS = 3;
    private static final long FIRST_BACKOFF_MS = 100;
    private static final byte[] EMPTY = new byte[0];

    private final URI base;
    private final String bucketPath;
    private final String region;
    private final Connections connections;
    private final Supplier<AwsCredentialsIdentity> credentials;
    private final S3Errors errors;
    private final AwsV4HttpSigner signer = AwsV4HttpSigner.create();

    /**
     * Requests to {@code bucket}: with an {@code endpoint}, path-style ({@code <endpoint>/<bucket>/<key>}), else
     * virtual-hosted on AWS ({@code https://<bucket>.s3.<region>.<dns suffix>/<key>}) or, for a bucket name
     * with dots (no certificate covers it), path-style on {@code https://s3.<region>.<dns suffix>} — as the
     * SDK's endpoint rules answer.
     */
    S3Requests(String bucket, String region, String endpoint, Connections connections,
            Supplier<AwsCredentialsIdentity> credentials, S3Errors errors) {
        this.region = region;
        this.connections = connections;
        this.credentials = credentials;
        this.errors = errors;
        if (!endpoint.isEmpty()) {
            this.base = URI.create(endpoint);
            String path = base.getRawPath() == null ? "" : base.getRawPath();
            this.bucketPath = (path.endsWith("/") ? path.substring(0, path.length() - 1) : path) + "/" + bucket;
        } else if (bucket.contains(".")) {
            this.base = URI.create("https://s3." + region + "." + dnsSuffix(region));
            this.bucketPath = "/" + bucket;
        } else {
            this.base = URI.create("https://" + bucket + ".s3." + region + "." + dnsSuffix(region));
            this.bucketPath = "";
        }
    }

    /** The URL of an object, or of the bucket with {@code objectKey} empty (tests compare it with the SDK's rules). */
    URI uri(String objectKey) {
        return request(SdkHttpMethod.GET, objectKey, Map.of(), Map.of()).getUri();
    }

    /** An answer of S3: its status and open connection; {@link #close()} releases it for reuse. */
    static final class Response implements AutoCloseable {
        private final HttpURLConnection connection;
        private final int status;

        Response(HttpURLConnection connection, int status) {
            this.connection = connection;
            this.status = status;
        }

        int status() {
            return status;
        }

        boolean ok() {
            return status / 100 == 2;
        }

        String header(String name) {
            String value = connection.getHeaderField(name);
            return value == null ? "" : value;
        }

        /** The body of a 2xx answer, streamed. */
        InputStream body() throws IOException {
            return connection.getInputStream();
        }

        /** Drops the connection instead of reading the rest of the body. */
        void abort() {
            connection.disconnect();
        }

        /** The S3 error of a non-2xx answer: its {@code Code} and {@code Message} (empty for a body-less one, as HEAD's). */
        S3Error error() {
            try (InputStream in = connection.getErrorStream()) {
                return in == null ? new S3Error("", "") : S3Error.parse(in);
            } catch (IOException | XMLStreamException e) {
                return new S3Error("", "unreadable error body (" + e.getMessage() + ")");
            }
        }

        @Override
        public void close() {
            try (InputStream in = ok() ? connection.getInputStream() : connection.getErrorStream()) {
                if (in != null) {
                    in.readAllBytes(); // small (errors, XML results): read to the end so the connection is reused
                }
            } catch (IOException e) {
                connection.disconnect();
            }
        }
    }

    /** An S3 error body: {@code <Error><Code>..</Code><Message>..</Message></Error>}. */
    record S3Error(String code, String message) {
        static S3Error parse(InputStream in) throws XMLStreamException {
            XMLStreamReader xml = Xml.reader(in);
            String code = "";
            String message = "";
            while (xml.hasNext()) {
                if (xml.next() == XMLStreamConstants.START_ELEMENT) {
                    switch (xml.getLocalName()) {
                        case "Code" -> code = xml.getElementText();
                        case "Message" -> message = xml.getElementText();
                        default -> { }
                    }
                }
            }
            return new S3Error(code, message);
        }
    }

    /** The JDK's StAX, without DTDs or external entities. */
    static final class Xml {
        private static final XMLInputFactory FACTORY = factory();

        private Xml() {
        }

        static XMLStreamReader reader(InputStream in) throws XMLStreamException {
            return FACTORY.createXMLStreamReader(in);
        }

        private static XMLInputFactory factory() {
            XMLInputFactory f = XMLInputFactory.newDefaultFactory();
            f.setProperty(XMLInputFactory.SUPPORT_DTD, false);
            f.setProperty(XMLInputFactory.IS_SUPPORTING_EXTERNAL_ENTITIES, false);
            return f;
        }
    }

    /**
     * Sends a request for {@code objectKey} ("" for the bucket) and returns S3's answer, retrying as the class
     * says; a request that never got an answer is a {@code STORE} error for {@code what} naming the endpoint.
     */
    Response send(String what, SdkHttpMethod method, String objectKey, Map<String, String> query,
            Map<String, String> headers, byte[] body, int length) {
        byte[] payload = body == null ? EMPTY : body;
        int size = body == null ? 0 : length;
        // object data (PutObject, UploadPart) is signed chunk by chunk as it streams (aws-chunked, as the SDK
        // client sends it): no server has to hold a part to check one hash; S3's small XML bodies are signed whole.
        // An empty object is signed whole too: its aws-chunked body (the final chunk) is one a server may answer
        // and close on without reading, so the write of it raced the answer ("Error writing request body")
        boolean chunked = method == SdkHttpMethod.PUT && body != null && size > 0;
        Map<String, String> all = new LinkedHashMap<>(headers);
        if (chunked) {
            all.put("Content-Length", String.valueOf(size));
        }
        SdkHttpRequest unsigned = request(method, objectKey, query, all);
        for (int attempt = 1; ; attempt++) {
            SignedRequest signed = sign(unsigned, payload, size, chunked);
            IOException failure;
            try {
                Response r = exchange(signed, method, body != null, size);
                if (!retryable(r.status()) || attempt == ATTEMPTS) {
                    return r;
                }
                LOG.debug("{}: S3 answered {}, attempt {} of {}", what, r.status(), attempt, ATTEMPTS);
                r.close();
                failure = null;
            } catch (IOException e) {
                if (S3Errors.tlsTrust(e) || attempt == ATTEMPTS) {
                    throw errors.translate(what, e);
                }
                LOG.debug("{}: no answer ({}), attempt {} of {}", what, e.toString(), attempt, ATTEMPTS);
                failure = e;
            }
            try {
                Thread.sleep(FIRST_BACKOFF_MS << (attempt - 1));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ValenceException(ErrorKind.STORE, what + " failed: interrupted while retrying"
                        + (failure == null ? "" : " (" + failure.getMessage() + ")"), e);
            }
        }
    }

    /** The DNS suffix of the region's AWS partition ({@code amazonaws.com}, {@code amazonaws.com.cn}, ...), from the SDK. */
    private static String dnsSuffix(String region) {
        return PartitionMetadata.of(Region.of(region)).dnsSuffix();
    }

    private static boolean retryable(int status) {
        return status == 500 || status == 502 || status == 503 || status == 504;
    }

    private SdkHttpRequest request(SdkHttpMethod method, String objectKey, Map<String, String> query,
            Map<String, String> headers) {
        String path = objectKey.isEmpty() ? (bucketPath.isEmpty() ? "/" : bucketPath)
                : bucketPath + "/" + SdkHttpUtils.urlEncodeIgnoreSlashes(objectKey);
        SdkHttpRequest.Builder b = SdkHttpRequest.builder().method(method).protocol(base.getScheme()).host(base.getHost())
                .encodedPath(path);
        if (base.getPort() != -1) {
            b.port(base.getPort());
        }
        query.forEach(b::putRawQueryParameter);
        if (method == SdkHttpMethod.POST) {
            // S3's POSTs carry XML; without a type HttpURLConnection says form data, which a server may consume as such
            b.putHeader("Content-Type", "application/xml");
        }
        headers.forEach(b::putHeader);
        return b.build();
    }

    private SignedRequest sign(SdkHttpRequest request, byte[] payload, int length, boolean chunked) {
        AwsCredentialsIdentity identity = credentials.get();
        return signer.sign(r -> r.identity(identity).request(request)
                .payload(() -> new ByteArrayInputStream(payload, 0, length))
                .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "s3")
                .putProperty(AwsV4HttpSigner.REGION_NAME, region)
                .putProperty(AwsV4HttpSigner.DOUBLE_URL_ENCODE, false)
                .putProperty(AwsV4HttpSigner.NORMALIZE_PATH, false)
                .putProperty(AwsV4HttpSigner.CHUNK_ENCODING_ENABLED, chunked));
    }

    /**
     * One HTTP exchange of a signed request and its signed payload; {@code Host} and {@code Content-Length} are
     * the connection's own (the same values as signed: the length is the signed payload's).
     */
    private Response exchange(SignedRequest signed, SdkHttpMethod method, boolean hasBody, int size) throws IOException {
        SdkHttpRequest request = signed.request();
        HttpURLConnection c = connections.createConnection(request.getUri());
        c.setRequestMethod(method.name());
        c.setInstanceFollowRedirects(false);
        request.headers().forEach((name, values) -> {
            if (!"host".equalsIgnoreCase(name) && !"content-length".equalsIgnoreCase(name)) {
                values.forEach(v -> c.addRequestProperty(name, v));
            }
        });
        try {
            if (hasBody) {
                long length = request.firstMatchingHeader("Content-Length").map(Long::parseLong).orElse((long) size);
                c.setDoOutput(true);
                c.setFixedLengthStreamingMode(length);
                try (OutputStream out = c.getOutputStream();
                     InputStream in = signed.payload().orElseThrow().newStream()) {
                    in.transferTo(out);
                }
            }
            return new Response(c, c.getResponseCode());
        } catch (IOException e) {
            c.disconnect();
            throw e;
        }
    }
}
