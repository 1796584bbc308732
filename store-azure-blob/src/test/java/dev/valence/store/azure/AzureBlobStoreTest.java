package dev.valence.store.azure;

import dev.valence.spi.StoreLocation;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.azure.storage.blob.BlobServiceClient;
import com.azure.storage.blob.models.BlobItem;
import com.azure.storage.blob.models.BlockListType;
import com.azure.storage.blob.sas.BlobContainerSasPermission;
import com.azure.storage.blob.sas.BlobServiceSasSignatureValues;
import dev.valence.api.ErrorKind;
import dev.valence.api.Settings;
import dev.valence.api.ValenceException;
import dev.valence.spi.ArtifactStore;
import dev.valence.spi.Plugins;
import dev.valence.tck.store.BlobDigest;
import dev.valence.tck.store.GeneratedBlob;
import java.io.InputStream;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** What the Azure Blob store does beyond the shared contract: its URI, credentials, errors and block uploads. */
@Timeout(120)
class AzureBlobStoreTest {
    private static final String CONTAINER = "valence-store";
    private static AzuriteBed bed;

    @BeforeAll
    static void startAzurite() throws Exception {
        bed = AzuriteBed.start();
        bed.createContainer(CONTAINER);
    }

    @AfterAll
    static void stopAzurite() throws Exception {
        if (bed != null) {
            bed.close();
        }
    }

    private static Settings.Builder settings(String dataStore) {
        AzureBlobStoreFactory f = new AzureBlobStoreFactory();
        Settings.Builder b = Settings.builder().environment(Map.of()).dataStore(dataStore);
        f.settingKeys().forEach(b::knownKey);
        return b.sensitiveKeys(f.sensitiveKeys());
    }

    private static Settings.Builder withKey(String dataStore) {
        return settings(dataStore).set("azure_account", AzuriteBed.ACCOUNT).set("azure_account_key", AzuriteBed.KEY)
                .set("azure_blob_endpoint", bed.endpoint());
    }

    private static ArtifactStore open(Settings.Builder settings) {
        return new AzureBlobStoreFactory().create(settings.build());
    }

    private static ValenceException failure(Map<String, String> env, Settings.Builder settings) {
        return assertThrows(ValenceException.class, () -> new AzureBlobStoreFactory().create(settings.environment(env).build()));
    }

    /**
     * The JVM waits up to 0.3 s at exit for every thread running in native code: an HTTP client whose
     * thread sits in epoll_wait (the JDK client's selector) adds that to every command and task pod.
     */
    @Test
    void usingTheStoreLeavesNoHttpClientThreadWaitingInNativeCode() throws Exception {
        ArtifactStore store = open(withKey("azblob://" + CONTAINER + "/threads"));
        store.put("k", new java.io.ByteArrayInputStream(new byte[] {1, 2, 3}));
        try (var in = store.get("k")) {
            assertArrayEquals(new byte[] {1, 2, 3}, in.readAllBytes());
        }
        store.close();
        List<String> inNative = dev.valence.tck.ThreadsInNative.leftBy(e -> java.util.Arrays.stream(e.getValue())
                .anyMatch(f -> f.getClassName().startsWith("jdk.internal.net.http.") || f.getClassName().startsWith(
                        "okhttp3.") || f.getClassName().startsWith("com.azure.") || f.getClassName().startsWith("reactor.")));
        assertTrue(inNative.isEmpty(), "HTTP client threads in native code (each holds the JVM's exit): " + inNative);
    }

    @Test
    void isDiscoveredForTheAzblobSchemeAndDeclaresItsSettings() {
        AzureBlobStoreFactory f = new AzureBlobStoreFactory();
        assertInstanceOf(AzureBlobStoreFactory.class, Plugins.load(getClass().getClassLoader()).artifactStore("azblob://c/p"));
        assertEquals("azblob", f.name());
        assertEquals(Set.of("azblob"), f.schemes());
        assertEquals(Set.of("azure_connection_string", "azure_account", "azure_account_key", "azure_sas_token",
                "azure_blob_endpoint"), f.settingKeys().keySet());
        assertEquals(Set.of("azure_connection_string", "azure_account_key", "azure_sas_token"), f.sensitiveKeys());
    }

    @Test
    void aDataStoreWithoutAContainerIsRefusedAtLoad() {
        ValenceException e = assertThrows(ValenceException.class, () -> settings("azblob://").build());
        assertEquals(ErrorKind.CONFIG, e.kind());
        assertTrue(e.getMessage().contains("data_store 'azblob://'"), e.getMessage());
    }

    @Test
    void aMalformedDataStoreIsAConfigErrorNamingItAndTheAcceptedForm() {
        for (String bad : List.of("azblob://Bad_Container/x", "azblob://ab", "azblob://a--b/x", "azblob://cont/a//b",
                "azblob://-cont", "/tmp/x", "s3://bucket/x")) {
            ValenceException e = failure(Map.of(), withKey(bad));
            assertEquals(ErrorKind.CONFIG, e.kind(), bad);
            assertTrue(e.getMessage().startsWith("data_store '" + bad + "' is not valid: expected azblob://container/prefix"),
                    e.getMessage());
        }
    }

    @Test
    void withoutAnAccountItIsAConfigErrorSayingWhatToSet() {
        ValenceException e = failure(Map.of(), settings("azblob://" + CONTAINER + "/runs"));
        assertEquals(ErrorKind.CONFIG, e.kind());
        assertTrue(e.getMessage().startsWith("no Azure storage account for data_store 'azblob://" + CONTAINER + "/runs'"),
                e.getMessage());
        assertTrue(e.getMessage().contains("AZURE_STORAGE_ACCOUNT") && e.getMessage().contains("azure_connection_string"),
                e.getMessage());
    }

    @Test
    void anAccountWithoutAKeyOrSasIsAConfigError() {
        ValenceException e = failure(Map.of("AZURE_STORAGE_ACCOUNT", "someaccount"), settings("azblob://" + CONTAINER));
        assertEquals(ErrorKind.CONFIG, e.kind());
        assertTrue(e.getMessage().startsWith("no credential for Azure storage account 'someaccount'"), e.getMessage());
    }

    @Test
    void aKeyThatIsNotBase64IsAConfigErrorThatDoesNotShowIt() {
        ValenceException e = failure(Map.of(), settings("azblob://" + CONTAINER).set("azure_account", "acct")
                .set("azure_account_key", "not base64 !!"));
        assertEquals(ErrorKind.CONFIG, e.kind());
        assertTrue(e.getMessage().startsWith("azure_account_key '****' is not valid"), e.getMessage());
        assertFalse(e.getMessage().contains("not base64 !!"), e.getMessage());
    }

    @Test
    void aMalformedEndpointIsAConfigErrorNamingIt() {
        ValenceException e = failure(Map.of(), withKey("azblob://" + CONTAINER).set("azure_blob_endpoint", "localhost:10000"));
        assertEquals(ErrorKind.CONFIG, e.kind());
        assertTrue(e.getMessage().startsWith("azure_blob_endpoint 'localhost:10000' is not valid"), e.getMessage());
    }

    @Test
    void aMissingContainerIsAStoreErrorNamingItTheAccountAndTheEndpoint() {
        ValenceException e = failure(Map.of(), withKey("azblob://no-such-container/runs"));
        assertEquals(ErrorKind.STORE, e.kind());
        assertTrue(e.getMessage().contains("Azure container 'no-such-container' in account '" + AzuriteBed.ACCOUNT + "' at "
                + bed.endpoint() + " does not exist"), e.getMessage());
    }

    @Test
    void aWrongKeyIsAStoreErrorThatShowsNoKey() {
        String wrong = java.util.Base64.getEncoder().encodeToString("not the account key at all".getBytes());
        ValenceException e = failure(Map.of(), withKey("azblob://" + CONTAINER).set("azure_account_key", wrong));
        assertEquals(ErrorKind.STORE, e.kind());
        assertTrue(e.getMessage().contains("access to Azure container '" + CONTAINER + "'") && e.getMessage().contains("denied"),
                e.getMessage());
        assertFalse(e.getMessage().contains(wrong), e.getMessage());
    }

    @Test
    void aConnectionStringOpensTheStoreAndPodsGetTheAccountAndEndpointButNeverTheString() {
        try (ArtifactStore store = open(settings("azblob://" + CONTAINER + "/cs").set("azure_connection_string",
                bed.connectionString()))) {
            store.put("d1/n1/input", new byte[] {4, 2});
            assertArrayEquals(new byte[] {4, 2}, store.getBytes("d1/n1/input"));
            assertEquals(Map.of("VALENCE_K8S_DATA_STORE", "azblob://" + CONTAINER + "/cs",
                    "VALENCE_K8S_AZURE_ACCOUNT", AzuriteBed.ACCOUNT,
                    "VALENCE_K8S_AZURE_BLOB_ENDPOINT", bed.endpoint()), store.podAccess().env());
            assertFalse(store.toString().contains(AzuriteBed.KEY), store.toString());
        }
    }

    @Test
    void theStandardAzureStorageVariablesAreHonoured() {
        Map<String, String> env = Map.of("AZURE_STORAGE_ACCOUNT", AzuriteBed.ACCOUNT, "AZURE_STORAGE_KEY", AzuriteBed.KEY);
        try (ArtifactStore store = new AzureBlobStoreFactory().create(settings("azblob://" + CONTAINER + "/env")
                .set("azure_blob_endpoint", bed.endpoint()).environment(env).build())) {
            store.put("d1/n1/input", new byte[] {1});
            assertTrue(store.exists("d1/n1/input"));
        }
        try (ArtifactStore store = new AzureBlobStoreFactory().create(settings("azblob://" + CONTAINER + "/env")
                .environment(Map.of("AZURE_STORAGE_CONNECTION_STRING", bed.connectionString())).build())) {
            assertTrue(store.exists("d1/n1/input"));
        }
    }

    @Test
    void aContainerSasTokenIsEnoughToReadWriteListAndDelete() {
        String sas;
        BlobServiceClient admin = bed.client();
        sas = admin.getBlobContainerClient(CONTAINER).generateSas(new BlobServiceSasSignatureValues(
                OffsetDateTime.now().plusHours(1), BlobContainerSasPermission.parse("racwdl")));
        try (ArtifactStore store = open(settings("azblob://" + CONTAINER + "/sas").set("azure_account", AzuriteBed.ACCOUNT)
                .set("azure_sas_token", sas).set("azure_blob_endpoint", bed.endpoint()))) {
            store.put("d1/n1/input", GeneratedBlob.of(2L * AzureBlobArtifactStore.BLOCK_SIZE + 1, 3).stream());
            assertEquals(List.of("d1/n1/input"), store.list("d1"));
            store.deletePrefix("d1");
            assertEquals(List.of(), store.list(""));
            assertFalse(store.toString().contains(sas), store.toString());
            store.podAccess().env().values().forEach(v -> assertFalse(v.contains(sas)));
        }
    }

    @Test
    void blobsLandUnderThePrefixOfDataStore() {
        try (ArtifactStore store = open(withKey("azblob://" + CONTAINER + "/team/valence/"))) {
            assertEquals("azblob://" + CONTAINER + "/team/valence", store.location());
            store.put("d1/n1/input", new byte[] {1});
            store.put("d1/n1/output", new byte[] {2});
        }
        List<String> names = bed.client().getBlobContainerClient(CONTAINER).listBlobs().stream().map(BlobItem::getName)
                .filter(n -> n.startsWith("team/")).sorted().toList();
        assertEquals(List.of("team/valence/d1/n1/input", "team/valence/d1/n1/output"), names);
        try (ArtifactStore whole = open(withKey("azblob://" + CONTAINER))) {
            assertTrue(whole.list("team").contains("team/valence/d1/n1/input"), "a store without prefix is the container");
        }
    }

    @Test
    void aLargeBlobIsCommittedAsABlockListAndReadBackWhole() throws Exception {
        GeneratedBlob blob = GeneratedBlob.of(3L * AzureBlobArtifactStore.BLOCK_SIZE - 5, 9);
        try (ArtifactStore store = open(withKey("azblob://" + CONTAINER + "/blocks"))) {
            store.put("d1/n1/output", blob.stream());
            try (InputStream in = store.get("d1/n1/output")) {
                assertEquals(blob.digest(), BlobDigest.of(in));
            }
        }
        var blocks = bed.client().getBlobContainerClient(CONTAINER).getBlobClient("blocks/d1/n1/output")
                .getBlockBlobClient().listBlocks(BlockListType.ALL);
        assertEquals(3, blocks.getCommittedBlocks().size(), "committed blocks");
        assertEquals(List.of(), blocks.getUncommittedBlocks(), "uncommitted blocks");
    }

    @Test
    void podAccessWithTheDefaultEndpointNamesNoEndpoint() {
        // The store is not opened against Azure here: the env a pod gets depends on the settings alone.
        StoreLocation where = AzureLocation.parse("azblob://" + CONTAINER + "/runs");
        AzureBlobArtifactStore store = new AzureBlobArtifactStore(null, null, where,
                new AzureErrors(where, "acct", "https://acct.blob.core.windows.net", List.of()), "acct",
                "https://acct.blob.core.windows.net", true, java.util.Optional.empty());
        assertEquals(Map.of("VALENCE_K8S_DATA_STORE", "azblob://" + CONTAINER + "/runs", "VALENCE_K8S_AZURE_ACCOUNT", "acct"),
                store.podAccess().env());
    }
}
