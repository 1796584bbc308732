package dev.valence.store.s3;

import dev.valence.spi.StoreLocation;
import dev.valence.api.ErrorKind;
import dev.valence.api.SettingKey;
import dev.valence.api.Settings;
import dev.valence.api.ValenceException;
import dev.valence.spi.ArtifactStore;
import dev.valence.spi.ArtifactStoreFactory;
import java.net.URI;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * The S3 store: {@code data_store = s3://bucket/prefix}; region from {@code region} or the AWS SDK's
 * chain, credentials from the SDK's default chain, and {@code s3_endpoint} for S3-compatible stores.
 */
public final class S3StoreFactory implements ArtifactStoreFactory {
    private static final Logger LOG = LoggerFactory.getLogger(S3StoreFactory.class);
    /** Plugin setting: endpoint of an S3-compatible store; empty means AWS S3. */
    static final String ENDPOINT_KEY = "s3_endpoint";
    /** {@code s3_endpoint}, typed: {@code KubernetesExecutor.builder().set(S3StoreFactory.ENDPOINT, "http://...")}. */
    public static final SettingKey<String> ENDPOINT = SettingKey.of(ENDPOINT_KEY, String.class);
    /**
     * {@code pod_s3_endpoint}: the endpoint as pods reach it, when it differs from the client's
     * ({@code http://host.minikube.internal:9000} for a MinIO the client reaches on {@code localhost}).
     */
    public static final SettingKey<String> POD_ENDPOINT = SettingKey.of(Settings.POD_PREFIX + ENDPOINT_KEY, String.class);
    /** Region used with an {@code s3_endpoint} when nothing else names one (S3-compatible stores ignore it). */
    static final String ENDPOINT_DEFAULT_REGION = "us-east-1";

    @Override
    public String name() {
        return "s3";
    }

    @Override
    public Set<String> schemes() {
        return Set.of("s3");
    }

    @Override
    public Map<String, String> settingKeys() {
        return Map.of(ENDPOINT_KEY, "");
    }

    @Override
    public Set<String> podSettingKeys() {
        return Set.of(ENDPOINT_KEY);
    }

    @Override
    public java.util.Optional<String> locationProblem(String dataStore) {
        try {
            S3Location.parse(dataStore);
            return java.util.Optional.empty();
        } catch (ValenceException e) {
            return java.util.Optional.of(S3Location.ACCEPTED);
        }
    }

    @Override
    public ArtifactStore create(Settings settings) {
        return open(settings, true);
    }

    /** The client without {@code HeadBucket}: nothing is sent until the store is used. */
    @Override
    public ArtifactStore describe(Settings settings) {
        return open(settings, false);
    }

    private ArtifactStore open(Settings settings, boolean check) {
        StoreLocation where = S3Location.parse(settings.dataStore());
        String endpoint = endpoint(ENDPOINT_KEY, settings.getString(ENDPOINT_KEY).orElse(""));
        String podEndpoint = endpoint(POD_ENDPOINT.name(), settings.podString(ENDPOINT_KEY).orElse(""));
        String region = settings.region().orElseGet(() -> defaultRegion(where, endpoint));
        S3Client s3 = client(settings, region, endpoint, DefaultCredentialsProvider.builder().build());
        S3Errors errors = new S3Errors(where, region, endpoint);
        if (!check) {
            return new S3ArtifactStore(s3, where, region, endpoint, podEndpoint, settings.caBundle());
        }
        try {
            s3.headBucket(b -> b.bucket(where.root()));
        } catch (S3Exception e) {
            s3.close();
            if (e.statusCode() == 404) {
                throw new ValenceException(ErrorKind.STORE, "opening data_store '" + where + "' failed: S3 bucket '"
                        + where.root() + "' at " + errors.endpoint() + " does not exist; create it or fix data_store", e);
            }
            throw errors.translate("opening data_store '" + where + "'", e);
        } catch (SdkException e) {
            s3.close();
            throw errors.translate("opening data_store '" + where + "'", e);
        }
        LOG.debug("S3 data store {} at {}", where, errors.endpoint());
        return new S3ArtifactStore(s3, where, region, endpoint, podEndpoint, settings.caBundle());
    }

    /**
     * In the pod: a small client of its own ({@link S3PodStore}: the few S3 REST calls the launcher needs, signed
     * by the SDK's SigV4 signer) instead of the SDK's {@code S3Client}, whose start was most of what S3 cost a task;
     * no {@code HeadBucket} (the input's read fails as clearly on a missing bucket); the region the client resolved
     * (the pod's {@code VALENCE_K8S_REGION}); credentials from the pod's env when it has them, else the SDK's chain.
     */
    @Override
    public ArtifactStore openInPod(Settings settings) {
        return openInPod(settings, settings.environment());
    }

    /** {@link #openInPod(Settings)} with the pod's env given. */
    static ArtifactStore openInPod(Settings settings, Map<String, String> env) {
        StoreLocation where = S3Location.parse(settings.dataStore());
        String endpoint = endpoint(ENDPOINT_KEY, settings.getString(ENDPOINT_KEY).orElse(""));
        String region = settings.region().orElseGet(() -> defaultRegion(where, endpoint));
        settings.caBundleFile().ifPresent(pem -> LOG.debug("the S3 client trusts the CAs in {} and the JRE's", pem));
        S3Errors errors = new S3Errors(where, region, endpoint);
        S3Requests requests = new S3Requests(where.root(), region, endpoint, new Connections(settings.caBundleFile()),
                PodCredentials.of(env, errors, where.toString()), errors);
        return new S3PodStore(where, region, endpoint, settings.caBundle(), requests);
    }

    /**
     * The SDK client: HttpURLConnection (the lightest of the SDK's HTTP clients to start), the region
     * given (never the region chain), path-style with an {@code s3_endpoint} and its endpoints resolved
     * by {@link PathStyleEndpoints}.
     */
    private static S3Client client(Settings settings, String region, String endpoint, AwsCredentialsProvider credentials) {
        S3ClientBuilder builder = S3Client.builder()
                .region(Region.of(region))
                .credentialsProvider(credentials)
                .httpClient(http(settings));
        if (!endpoint.isEmpty()) {
            builder.endpointOverride(URI.create(endpoint)).forcePathStyle(true).endpointProvider(new PathStyleEndpoints());
        }
        return builder.build();
    }

    /**
     * The HTTP client over {@link Connections}: TLS starts on the first https connection (with
     * {@code ca_bundle_file}, trusting its CAs besides the JRE's), never for a plain-http endpoint.
     */
    private static SdkHttpClient http(Settings settings) {
        settings.caBundleFile().ifPresent(pem -> LOG.debug("the S3 client trusts the CAs in {} and the JRE's", pem));
        return UrlConnectionHttpClient.create(new Connections(settings.caBundleFile()));
    }

    private static String endpoint(String key, String value) {
        String endpoint = value.trim();
        if (endpoint.isEmpty()) {
            return "";
        }
        String accepted = "expected an http or https URL of an S3-compatible store, such as http://127.0.0.1:9000,"
                + " or empty for AWS S3";
        URI uri;
        try {
            uri = URI.create(endpoint);
        } catch (IllegalArgumentException e) {
            throw ValenceException.config(key, endpoint, accepted);
        }
        if (uri.getHost() == null || !("http".equalsIgnoreCase(uri.getScheme()) || "https".equalsIgnoreCase(uri.getScheme()))) {
            throw ValenceException.config(key, endpoint, accepted);
        }
        return endpoint.endsWith("/") ? endpoint.substring(0, endpoint.length() - 1) : endpoint;
    }

    private static String defaultRegion(StoreLocation where, String endpoint) {
        try {
            return new DefaultAwsRegionProviderChain().getRegion().id();
        } catch (SdkException e) {
            if (!endpoint.isEmpty()) {
                return ENDPOINT_DEFAULT_REGION;
            }
            throw new ValenceException(ErrorKind.CONFIG, "region is not set and the AWS SDK found none for data_store '"
                    + where + "' (" + e.getMessage() + "); set region (VALENCE_K8S_REGION, or region in the settings"
                    + " file), AWS_REGION, or a region in the AWS profile", e);
        }
    }
}
