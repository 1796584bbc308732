package dev.valence.store.azure;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

/** Azurite over https behind a certificate of a private CA made here: {@code ca_bundle_file} and {@code ca_bundle}. */
@Timeout(120)
class AzureBlobStorePrivateCaTest {
    private static final String CONTAINER = "valence-tls";
    private static AzuriteBed bed;
    @TempDir
    static Path dir;
    private static Path caPem;

    @BeforeAll
    static void startAzuriteOverHttps() throws Exception {
        TestPki pki = TestPki.create("valence-test-azure-ca");
        TestPki.Issued server = pki.server();
        caPem = Files.writeString(dir.resolve("ca.pem"), pki.ca().certificatePem());
        bed = AzuriteBed.startHttps(Files.writeString(dir.resolve("server.pem"), server.certificatePem()),
                Files.writeString(dir.resolve("server-key.pem"), server.keyPem()));
        bed.client(CaBundleTrust.okHttp(caPem)).createBlobContainer(CONTAINER);
    }

    @AfterAll
    static void stopAzurite() throws Exception {
        if (bed != null) {
            bed.close();
        }
    }

    private static Settings.Builder settings() {
        AzureBlobStoreFactory f = new AzureBlobStoreFactory();
        Settings.Builder b = Settings.builder().environment(Map.of()).dataStore("azblob://" + CONTAINER + "/p");
        f.settingKeys().forEach(b::knownKey);
        return b.sensitiveKeys(f.sensitiveKeys()).set("azure_account", AzuriteBed.ACCOUNT)
                .set("azure_account_key", AzuriteBed.KEY).set("azure_blob_endpoint", bed.endpoint());
    }

    private static ArtifactStore open(Settings settings) {
        return new AzureBlobStoreFactory().create(settings);
    }

    @Test
    void withTheCaBundleFileTheClientReadsAndWritesOverHttps() throws Exception {
        try (ArtifactStore store = open(settings().caBundleFile(caPem).build())) {
            byte[] data = "over TLS".getBytes(StandardCharsets.UTF_8);
            store.put("d1/n1/input", new ByteArrayInputStream(data));
            try (InputStream in = store.get("d1/n1/input")) {
                assertArrayEquals(data, in.readAllBytes());
            }
            assertEquals(List.of("d1/n1/input"), store.list("d1"));
            store.deletePrefix("d1");
        }
    }

    @Test
    void withoutTheCaTheStoreFailsNamingTheTlsTrustProblemAndTheSettings() {
        ValenceException e = assertThrows(ValenceException.class, () -> open(settings().build()));
        assertEquals(ErrorKind.STORE, e.kind());
        assertTrue(e.getMessage().contains("the TLS certificate of " + bed.endpoint() + " is not trusted"),
                e.getMessage());
        assertTrue(e.getMessage().contains("ca_bundle_file") && e.getMessage().contains("ca_bundle (secret:<name>/<key>"),
                e.getMessage());
        assertTrue(!e.getMessage().contains(AzuriteBed.KEY), "no secret in " + e.getMessage());
    }

    @Test
    void aCaBundleOfAnotherCaIsNotTrusted() throws Exception {
        Path other = Files.writeString(dir.resolve("other.pem"), TestPki.create("another-ca").ca().certificatePem());
        ValenceException e = assertThrows(ValenceException.class, () -> open(settings().caBundleFile(other).build()));
        assertTrue(e.getMessage().contains("is not trusted"), e.getMessage());
    }

    @Test
    void aCaBundleFileWithoutACertificateIsAConfigErrorNamingTheKey() throws Exception {
        Path junk = Files.writeString(dir.resolve("junk.pem"), "not a certificate\n");
        ValenceException e = assertThrows(ValenceException.class, () -> open(settings().caBundleFile(junk).build()));
        assertEquals(ErrorKind.CONFIG, e.kind());
        assertTrue(e.getMessage().startsWith("ca_bundle_file '" + junk + "' is not valid: expected a PEM file"),
                e.getMessage());
    }

    @Test
    void theCaBundleIsMountedFromItsConfigMapAndTheStoreInThePodIsPointedAtIt() {
        try (ArtifactStore store = open(settings().caBundleFile(caPem).caBundle("configmap:store-ca/bundle.pem").build())) {
            StoreAccess access = store.podAccess();
            assertEquals(List.of(StoreAccess.ObjectVolume.builder().configMap("store-ca").volumeName("valence-ca-bundle")
                    .mountPath("/etc/valence/ca-bundle").item("bundle.pem", "bundle.pem").build()), access.objectVolumes());
            assertEquals("/etc/valence/ca-bundle/bundle.pem", access.env().get("VALENCE_K8S_CA_BUNDLE_FILE"));
            assertEquals(bed.endpoint(), access.env().get("VALENCE_K8S_AZURE_BLOB_ENDPOINT"));
        }
        try (ArtifactStore store = open(settings().caBundleFile(caPem).build())) {
            assertEquals(List.of(), store.podAccess().objectVolumes(), "no ca_bundle, no volume");
            assertEquals(null, store.podAccess().env().get("VALENCE_K8S_CA_BUNDLE_FILE"),
                    "the client's own file is not the pod's");
        }
    }

    @Test
    void thePodSideStoreReadsItsSettingsFromThePodEnvAndTrustsTheMountedBundle() throws Exception {
        // What the launcher in the pod sees: the store's pod env (with the CA bundle file at its mount path,
        // here the same PEM in a temp dir) plus the key from an env_from_secrets Secret.
        StoreAccess access;
        try (ArtifactStore client = open(settings().caBundleFile(caPem).caBundle("secret:store-ca/ca.crt").build())) {
            access = client.podAccess();
            client.put("d2/n1/input", new ByteArrayInputStream("from the client".getBytes(StandardCharsets.UTF_8)));
        }
        Path mounted = Files.createDirectories(dir.resolve("mount")).resolve("ca.crt");
        Files.copy(caPem, mounted);
        Map<String, String> podEnv = new java.util.HashMap<>(access.env());
        podEnv.put("VALENCE_K8S_CA_BUNDLE_FILE", mounted.toString());
        podEnv.put("VALENCE_K8S_AZURE_ACCOUNT_KEY", AzuriteBed.KEY);
        AzureBlobStoreFactory f = new AzureBlobStoreFactory();
        Settings pod = Settings.builder().environment(Map.of()).knownKeys(f.settingKeys().keySet()).sensitiveKeys(f.sensitiveKeys())
                .environmentValues(podEnv).build();
        try (ArtifactStore store = f.create(pod); InputStream in = store.get("d2/n1/input")) {
            assertEquals("from the client", new String(in.readAllBytes(), StandardCharsets.UTF_8));
            store.deletePrefix("d2");
        }
    }
}
