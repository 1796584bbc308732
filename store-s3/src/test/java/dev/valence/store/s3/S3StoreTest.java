package dev.valence.store.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.valence.api.ErrorKind;
import dev.valence.api.Settings;
import dev.valence.api.ValenceException;
import dev.valence.spi.ArtifactStore;
import dev.valence.spi.Plugins;
import dev.valence.tck.store.BlobDigest;
import dev.valence.tck.store.GeneratedBlob;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/** What the S3 store does beyond the shared contract: its URI, settings, errors and multipart uploads. */
@Timeout(120)
class S3StoreTest {
    private static final String BUCKET = "valence-store";
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

    private static Settings.Builder settings(String dataStore) {
        return Settings.builder().knownKey(S3StoreFactory.ENDPOINT_KEY, "").dataStore(dataStore);
    }

    private static ArtifactStore open(String dataStore) {
        return new S3StoreFactory().create(settings(dataStore).region(S3ProxyBed.REGION)
                .set(S3StoreFactory.ENDPOINT_KEY, bed.endpoint()).build());
    }

    @Test
    void isDiscoveredForTheS3SchemeAndDeclaresItsSetting() {
        S3StoreFactory f = new S3StoreFactory();
        assertInstanceOf(S3StoreFactory.class, Plugins.load(getClass().getClassLoader()).artifactStore("s3://b/p"));
        assertEquals("s3", f.name());
        assertEquals(Set.of("s3"), f.schemes());
        assertEquals(Map.of("s3_endpoint", ""), f.settingKeys());
        assertEquals(Set.of(), f.sensitiveKeys());
    }

    @Test
    void aDataStoreWithoutABucketIsRefusedAtLoad() {
        ValenceException e = assertThrows(ValenceException.class, () -> settings("s3://").build());
        assertEquals(ErrorKind.CONFIG, e.kind());
        assertTrue(e.getMessage().contains("data_store 's3://'"), e.getMessage());
    }

    @Test
    void aMalformedDataStoreIsAConfigErrorNamingItAndTheAcceptedForm() {
        for (String bad : List.of("s3://Bad_Bucket/x", "s3://ab/x", "s3://bucket/a//b", "s3://bucket/a/../b", "/tmp/x",
                "s3://-bucket")) {
            ValenceException e = assertThrows(ValenceException.class,
                    () -> new S3StoreFactory().create(settings(bad).region(S3ProxyBed.REGION).build()), bad);
            assertEquals(ErrorKind.CONFIG, e.kind(), bad);
            assertTrue(e.getMessage().startsWith("data_store '" + bad + "' is not valid: expected s3://bucket/prefix"),
                    e.getMessage());
        }
    }

    @Test
    void aMalformedEndpointIsAConfigErrorNamingIt() {
        ValenceException e = assertThrows(ValenceException.class, () -> new S3StoreFactory().create(
                settings("s3://bucket/x").region(S3ProxyBed.REGION).set("s3_endpoint", "127.0.0.1:9000").build()));
        assertEquals(ErrorKind.CONFIG, e.kind());
        assertTrue(e.getMessage().startsWith("s3_endpoint '127.0.0.1:9000' is not valid: expected an http or https URL"),
                e.getMessage());
    }

    @Test
    void aMissingBucketIsAStoreErrorNamingTheBucketAndTheEndpoint() {
        ValenceException e = assertThrows(ValenceException.class, () -> open("s3://no-such-bucket/runs"));
        assertEquals(ErrorKind.STORE, e.kind());
        assertTrue(e.getMessage().contains("S3 bucket 'no-such-bucket' at " + bed.endpoint() + " does not exist"),
                e.getMessage());
    }

    @Test
    void inThePodAMissingBucketFailsTheFirstReadAsClearlyWithoutACheckAtOpen() {
        Settings pod = settings("s3://no-such-bucket/runs").region(S3ProxyBed.REGION)
                .set(S3StoreFactory.ENDPOINT_KEY, bed.endpoint()).build();
        try (ArtifactStore store = new S3StoreFactory().openInPod(pod)) {
            ValenceException e = assertThrows(ValenceException.class, () -> store.getBytes("d1/n1/input"));
            assertEquals(ErrorKind.STORE, e.kind());
            assertTrue(e.getMessage().contains("S3 bucket 'no-such-bucket' at " + bed.endpoint() + " does not exist"),
                    e.getMessage());
        }
    }

    @Test
    void pathStyleEndpointsAreWhatTheSdksRulesAnswer() {
        var rules = software.amazon.awssdk.services.s3.endpoints.S3EndpointProvider.defaultProvider();
        var fast = new PathStyleEndpoints();
        for (String endpoint : List.of("http://127.0.0.1:9000", "https://minio.example.com", "http://h:9000/base/",
                "https://s3.local:8443/a/b")) {
            for (String key : List.of("d1/n1/input", "")) {
                var params = software.amazon.awssdk.services.s3.endpoints.S3EndpointParams.builder()
                        .region(software.amazon.awssdk.regions.Region.of("eu-west-3")).bucket("valence-data.v1")
                        .endpoint(endpoint).forcePathStyle(true).useFips(false).useDualStack(false).accelerate(false)
                        .key(key.isEmpty() ? null : key).build();
                var expected = rules.resolveEndpoint(params).join();
                var actual = fast.resolveEndpoint(params).join();
                assertEquals(expected.url(), actual.url(), endpoint);
                assertEquals(expected.headers(), actual.headers(), endpoint);
                var e = (software.amazon.awssdk.awscore.endpoints.authscheme.SigV4AuthScheme) expected.attribute(
                        software.amazon.awssdk.awscore.endpoints.AwsEndpointAttribute.AUTH_SCHEMES).get(0);
                var a = (software.amazon.awssdk.awscore.endpoints.authscheme.SigV4AuthScheme) actual.attribute(
                        software.amazon.awssdk.awscore.endpoints.AwsEndpointAttribute.AUTH_SCHEMES).get(0);
                assertEquals(List.of(e.name(), e.signingName(), e.signingRegion(), String.valueOf(e.disableDoubleEncoding())),
                        List.of(a.name(), a.signingName(), a.signingRegion(), String.valueOf(a.disableDoubleEncoding())));
                assertEquals(1, actual.attribute(software.amazon.awssdk.awscore.endpoints.AwsEndpointAttribute.AUTH_SCHEMES)
                        .size());
                assertEquals(expected.attribute(software.amazon.awssdk.awscore.endpoints.AwsEndpointAttribute.AUTH_SCHEMES)
                        .size(), 1);
            }
        }
    }

    @Test
    void objectsLandUnderThePrefixOfDataStore() {
        try (ArtifactStore store = open("s3://" + BUCKET + "/team/valence/")) {
            assertEquals("s3://" + BUCKET + "/team/valence", store.location());
            store.put("d1/n1/input", new byte[] {1});
            store.put("d1/n1/output", new byte[] {2});
            assertEquals("s3://" + BUCKET + "/team/valence/d1/n1/output", store.describe("d1/n1/output"));
        }
        try (S3Client s3 = bed.client()) {
            List<String> keys = s3.listObjectsV2(b -> b.bucket(BUCKET).prefix("team/")).contents().stream()
                    .map(S3Object::key).sorted().toList();
            assertEquals(List.of("team/valence/d1/n1/input", "team/valence/d1/n1/output"), keys);
        }
        try (ArtifactStore whole = open("s3://" + BUCKET)) {
            assertTrue(whole.list("team").contains("team/valence/d1/n1/input"), "a store without prefix is the bucket");
        }
    }

    @Test
    void aLargeBlobIsUploadedInPartsAndReadBackWhole() throws Exception {
        GeneratedBlob blob = GeneratedBlob.of(3L * S3ArtifactStore.PART_SIZE - 5, 7);
        try (ArtifactStore store = open("s3://" + BUCKET + "/multipart")) {
            store.put("d1/n1/output", blob.stream());
            try (InputStream in = store.get("d1/n1/output")) {
                assertEquals(blob.digest(), BlobDigest.of(in));
            }
        }
        try (S3Client s3 = bed.client()) {
            String etag = s3.headObject(b -> b.bucket(BUCKET).key("multipart/d1/n1/output")).eTag();
            assertTrue(etag.replace("\"", "").endsWith("-3"), "a 3-part upload's ETag, got " + etag);
        }
    }

    @Test
    void aFailedUploadIsAbortedAndLeavesNoParts() {
        GeneratedBlob blob = GeneratedBlob.of(3L * S3ArtifactStore.PART_SIZE, 8);
        try (ArtifactStore store = open("s3://" + BUCKET + "/aborted")) {
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
    void podAccessIsTheDataStoreRegionAndEndpointOnly() {
        try (ArtifactStore store = open("s3://" + BUCKET + "/runs")) {
            assertEquals(Map.of("VALENCE_K8S_DATA_STORE", "s3://" + BUCKET + "/runs",
                    "VALENCE_K8S_REGION", S3ProxyBed.REGION,
                    "VALENCE_K8S_S3_ENDPOINT", bed.endpoint()), store.podAccess().env());
            assertEquals(List.of(), store.podAccess().volumes());
        }
    }

    @Test
    void podsGetThePodSideEndpointWhenItDiffersFromTheClients() {
        Settings settings = Plugins.load(getClass().getClassLoader()).declareKeys(Settings.builder())
                .dataStore("s3://" + BUCKET + "/runs").region(S3ProxyBed.REGION)
                .set(S3StoreFactory.ENDPOINT, bed.endpoint())
                .set(S3StoreFactory.POD_ENDPOINT, "http://host.minikube.internal:9000").build();
        try (ArtifactStore store = new S3StoreFactory().create(settings)) {
            store.put("probe", new byte[] {1});
            assertTrue(store.exists("probe"), "the client uses s3_endpoint");
            assertEquals("http://host.minikube.internal:9000", store.podAccess().env().get("VALENCE_K8S_S3_ENDPOINT"));
            store.deletePrefix("probe");
        }
        ValenceException bad = assertThrows(ValenceException.class, () -> new S3StoreFactory().create(
                Plugins.load(getClass().getClassLoader()).declareKeys(Settings.builder())
                        .dataStore("s3://" + BUCKET + "/runs").region(S3ProxyBed.REGION)
                        .set(S3StoreFactory.ENDPOINT, bed.endpoint()).set("pod_s3_endpoint", "minio:9000").build()));
        assertTrue(bad.getMessage().startsWith("pod_s3_endpoint 'minio:9000'"), bad.getMessage());
    }

    @Test
    void withAnEndpointAndNoRegionAnywhereTheRegionIsUsEast1() {
        try (ArtifactStore store = new S3StoreFactory().create(
                settings("s3://" + BUCKET + "/runs").set("s3_endpoint", bed.endpoint()).build())) {
            assertEquals("us-east-1", store.podAccess().env().get("VALENCE_K8S_REGION"));
        }
    }

    @Test
    void withoutARegionForAwsS3ItIsAConfigErrorSayingWhereToSetIt() {
        ValenceException e = assertThrows(ValenceException.class,
                () -> new S3StoreFactory().create(settings("s3://" + BUCKET + "/runs").build()));
        assertEquals(ErrorKind.CONFIG, e.kind());
        assertTrue(e.getMessage().startsWith("region is not set and the AWS SDK found none for data_store 's3://"
                + BUCKET + "/runs'"), e.getMessage());
        assertTrue(e.getMessage().contains("AWS_REGION"), e.getMessage());
    }

    @Test
    void missingCredentialsAreAStoreErrorSayingWhereTheSdkLooked() {
        bed.useCredentials(null, null);
        try {
            ValenceException e = assertThrows(ValenceException.class, () -> open("s3://" + BUCKET + "/runs"));
            assertEquals(ErrorKind.STORE, e.kind());
            assertTrue(e.getMessage().contains("no AWS credentials found for S3 bucket '" + BUCKET + "'"), e.getMessage());
            assertTrue(e.getMessage().contains("SystemPropertyCredentialsProvider")
                    && e.getMessage().contains("EnvironmentVariableCredentialsProvider")
                    && e.getMessage().contains("ProfileCredentialsProvider"), "where the SDK looked: " + e.getMessage());
        } finally {
            bed.useCredentials(S3ProxyBed.ACCESS_KEY, bed.secretKey());
        }
    }

    @Test
    void wrongCredentialsAreAStoreErrorThatShowsNoSecret() {
        String wrong = "wrong-secret-" + System.nanoTime();
        bed.useCredentials(S3ProxyBed.ACCESS_KEY, wrong);
        try {
            ValenceException e = assertThrows(ValenceException.class, () -> open("s3://" + BUCKET + "/runs"));
            assertEquals(ErrorKind.STORE, e.kind());
            assertTrue(e.getMessage().contains("access to S3 bucket '" + BUCKET + "' at " + bed.endpoint() + " was denied"),
                    e.getMessage());
            assertFalse(e.getMessage().contains(wrong) || e.getMessage().contains(bed.secretKey()), e.getMessage());
        } finally {
            bed.useCredentials(S3ProxyBed.ACCESS_KEY, bed.secretKey());
        }
    }
}
