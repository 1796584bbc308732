package dev.valence.store.s3;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.valence.api.ClusterFileRef;
import dev.valence.api.ErrorKind;
import dev.valence.api.Settings;
import dev.valence.api.ValenceException;
import dev.valence.spi.ArtifactStore;
import dev.valence.spi.StoreAccess;
import dev.valence.tck.cluster.TestPki;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** An S3-compatible store behind a certificate of a private CA: {@code ca_bundle_file} and {@code ca_bundle}. */
@Timeout(120)
class S3StorePrivateCaTest {
    private static final String BUCKET = "valence-tls";
    private static S3ProxyBed bed;
    private static TestPki pki;
    @TempDir
    static Path dir;
    private static Path caPem;

    @BeforeAll
    static void startS3OverHttps() throws Exception {
        pki = TestPki.create("valence-test-store-ca");
        bed = S3ProxyBed.start(pki.serverContext(pki.server()));
        bed.createBucket(BUCKET);
        caPem = Files.writeString(dir.resolve("ca.pem"), pki.ca().certificatePem());
    }

    @AfterAll
    static void stopS3() throws Exception {
        if (bed != null) {
            bed.close();
        }
    }

    private static Settings.Builder settings() {
        return Settings.builder().knownKey(S3StoreFactory.ENDPOINT_KEY, "").dataStore("s3://" + BUCKET + "/p")
                .region(S3ProxyBed.REGION).set(S3StoreFactory.ENDPOINT_KEY, bed.httpsEndpoint());
    }

    @Test
    void withTheCaBundleFileTheClientReadsAndWritesOverHttps() throws Exception {
        try (ArtifactStore store = new S3StoreFactory().create(settings().caBundleFile(caPem).build())) {
            byte[] data = "over TLS".getBytes(StandardCharsets.UTF_8);
            store.put("d1/n1/input", new ByteArrayInputStream(data));
            try (InputStream in = store.get("d1/n1/input")) {
                assertArrayEquals(data, in.readAllBytes());
            }
            store.deletePrefix("d1");
        }
    }

    @Test
    void withoutTheCaTheStoreFailsNamingTheTlsTrustProblemAndTheSettings() {
        ValenceException e = assertThrows(ValenceException.class, () -> new S3StoreFactory().create(settings().build()));
        assertEquals(ErrorKind.STORE, e.kind());
        assertTrue(e.getMessage().contains("the TLS certificate of " + bed.httpsEndpoint() + " is not trusted"),
                e.getMessage());
        assertTrue(e.getMessage().contains("ca_bundle_file") && e.getMessage().contains("ca_bundle"), e.getMessage());
    }

    @Test
    void withTheCaBundleFileThePodsStoreReadsAndWritesOverHttps() throws Exception {
        try (ArtifactStore client = new S3StoreFactory().create(settings().caBundleFile(caPem).build());
             ArtifactStore pod = S3StoreFactory.openInPod(settings().caBundleFile(caPem).build(), Map.of(
                     "AWS_ACCESS_KEY_ID", S3ProxyBed.ACCESS_KEY, "AWS_SECRET_ACCESS_KEY", bed.secretKey()))) {
            assertInstanceOf(S3PodStore.class, pod);
            byte[] data = "to the pod over TLS".getBytes(StandardCharsets.UTF_8);
            client.put("d2/n1/input", data);
            assertArrayEquals(data, pod.getBytes("d2/n1/input"));
            pod.put("d2/n1/output", data);
            assertArrayEquals(data, client.getBytes("d2/n1/output"));
            pod.deletePrefix("d2");
            assertEquals(List.of(), client.list("d2"));
        }
    }

    @Test
    void withoutTheCaThePodsStoreFailsNamingTheTlsTrustProblemAndTheSettings() {
        try (ArtifactStore pod = S3StoreFactory.openInPod(settings().build(), Map.of(
                "AWS_ACCESS_KEY_ID", S3ProxyBed.ACCESS_KEY, "AWS_SECRET_ACCESS_KEY", bed.secretKey()))) {
            ValenceException e = assertThrows(ValenceException.class, () -> pod.getBytes("d1/n1/input"));
            assertEquals(ErrorKind.STORE, e.kind());
            assertTrue(e.getMessage().contains("the TLS certificate of " + bed.httpsEndpoint() + " is not trusted"),
                    e.getMessage());
            assertTrue(e.getMessage().contains("ca_bundle_file") && e.getMessage().contains("ca_bundle"), e.getMessage());
        }
    }

    @Test
    void aCaBundleOfAnotherCaIsNotTrusted() throws Exception {
        Path other = Files.writeString(dir.resolve("other.pem"), TestPki.create("another-ca").ca().certificatePem());
        ValenceException e = assertThrows(ValenceException.class,
                () -> new S3StoreFactory().create(settings().caBundleFile(other).build()));
        assertTrue(e.getMessage().contains("is not trusted"), e.getMessage());
    }

    @Test
    void aCaBundleFileWithoutACertificateIsAConfigErrorNamingTheKey() throws Exception {
        Path junk = Files.writeString(dir.resolve("junk.pem"), "not a certificate\n");
        ValenceException e = assertThrows(ValenceException.class,
                () -> new S3StoreFactory().create(settings().caBundleFile(junk).build()));
        assertEquals(ErrorKind.CONFIG, e.kind());
        assertTrue(e.getMessage().startsWith("ca_bundle_file '" + junk + "' is not valid: expected a PEM file"),
                e.getMessage());
    }

    @Test
    void theCaBundleIsMountedFromItsSecretAndTheStoreInThePodIsPointedAtIt() {
        try (ArtifactStore store = new S3StoreFactory().create(settings().caBundleFile(caPem)
                .caBundle("secret:store-ca/ca.crt").build())) {
            StoreAccess access = store.podAccess();
            assertEquals(List.of(StoreAccess.ObjectVolume.builder().secret("store-ca").volumeName("valence-ca-bundle")
                    .mountPath("/etc/valence/ca-bundle").item("ca.crt", "ca.crt").build()), access.objectVolumes());
            assertEquals("/etc/valence/ca-bundle/ca.crt", access.env().get("VALENCE_K8S_CA_BUNDLE_FILE"));
            assertEquals(bed.httpsEndpoint(), access.env().get("VALENCE_K8S_S3_ENDPOINT"));
            assertTrue(access.objectVolumes().get(0).readOnly());
            assertEquals(0644, access.objectVolumes().get(0).defaultMode());
        }
        try (ArtifactStore store = new S3StoreFactory().create(settings().caBundleFile(caPem).build())) {
            assertEquals(List.of(), store.podAccess().objectVolumes(), "no ca_bundle, no volume");
            assertEquals(null, store.podAccess().env().get("VALENCE_K8S_CA_BUNDLE_FILE"),
                    "the client's own file is not the pod's");
        }
    }

    @Test
    void aMalformedCaBundleIsRefusedAtLoadNamingTheAcceptedForms() {
        for (String bad : List.of("ca.crt", "secret:store-ca", "vault:x/y", "secret:Store_CA/ca.crt", "configmap:a/b/c")) {
            ValenceException e = assertThrows(ValenceException.class, () -> settings().caBundle(bad).build(), bad);
            assertEquals(ErrorKind.CONFIG, e.kind(), bad);
            assertTrue(e.getMessage().contains("ca_bundle") && e.getMessage().contains("'" + bad + "'")
                    && e.getMessage().contains("secret:<name>/<key> or configmap:<name>/<key>"), e.getMessage());
        }
        assertEquals(new ClusterFileRef(ClusterFileRef.Kind.CONFIG_MAP, "ca", "bundle.pem"),
                settings().caBundle("configmap:ca/bundle.pem").build().caBundle().orElseThrow());
    }
}
