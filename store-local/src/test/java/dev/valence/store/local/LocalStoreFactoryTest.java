package dev.valence.store.local;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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
import dev.valence.spi.StoreAccess;
import dev.valence.tck.store.GeneratedBlob;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalStoreFactoryTest {
    @TempDir
    Path dir;

    private final LocalStoreFactory factory = new LocalStoreFactory();

    private ArtifactStore open(String dataStore) {
        return factory.create(Settings.builder().dataStore(dataStore).build());
    }

    @Test
    void isDiscoveredForPathsAndFileUris() {
        Plugins plugins = Plugins.load(getClass().getClassLoader());
        assertInstanceOf(LocalStoreFactory.class, plugins.artifactStore("/var/valence"));
        assertInstanceOf(LocalStoreFactory.class, plugins.artifactStore("file:///var/valence"));
        assertEquals("file", factory.name());
        assertEquals(Set.of("file"), factory.schemes());
        assertEquals(Map.of(), factory.settingKeys());
    }

    @Test
    void opensTheSameDirectoryFromAPathOrAFileUri() {
        Path root = dir.resolve("data with space");
        try (ArtifactStore byPath = open(root.toString())) {
            byPath.put("d1/n1/input", new byte[] {42});
            for (String form : List.of("file:" + root, "file://" + root, root.toUri().toString())) {
                try (ArtifactStore other = open(form)) {
                    assertEquals(root.toString(), other.location(), form);
                    assertArrayEquals(new byte[] {42}, other.getBytes("d1/n1/input"), form);
                }
            }
        }
        assertTrue(Files.isRegularFile(root.resolve("d1/n1/input")), "blobs are plain files under the directory");
    }

    @Test
    void createsTheDirectoryWhenMissing() {
        Path root = dir.resolve("a/b/c");
        open(root.toString()).close();
        assertTrue(Files.isDirectory(root));
    }

    @Test
    void aDataStoreThatIsAFileIsAStoreErrorNamingIt() throws IOException {
        Path file = Files.writeString(dir.resolve("plain-file"), "x");
        ValenceException e = assertThrows(ValenceException.class, () -> open(file.toString()));
        assertEquals(ErrorKind.STORE, e.kind());
        assertTrue(e.getMessage().contains("data_store '" + file + "'"), e.getMessage());
    }

    @Test
    void aDataStoreOfAnotherSchemeIsAConfigErrorNamingTheAcceptedForm() {
        ValenceException e = assertThrows(ValenceException.class, () -> open("s3://bucket/prefix"));
        assertEquals(ErrorKind.CONFIG, e.kind());
        assertTrue(e.getMessage().startsWith("data_store 's3://bucket/prefix' is not valid"), e.getMessage());
        assertTrue(e.getMessage().contains("absolute path or a file: URI"), e.getMessage());
        ValenceException remote = assertThrows(ValenceException.class, () -> LocalStoreFactory.root("file://host/x"));
        assertEquals(ErrorKind.CONFIG, remote.kind());
    }

    @Test
    void podsMountDataStoreMountByHostPathAtTheSamePath() {
        try (ArtifactStore store = open(dir.toString())) {
            StoreAccess access = store.podAccess();
            assertEquals(Map.of("VALENCE_K8S_DATA_STORE", "/data"), access.env());
            assertEquals(List.of(new StoreAccess.HostPathVolume("valence-data", "/data", "/data")), access.volumes());
        }
        try (ArtifactStore custom = factory.create(
                Settings.builder().dataStore(dir.toString()).dataStoreMount("/mnt/valence").build())) {
            assertEquals(List.of(new StoreAccess.HostPathVolume("valence-data", "/mnt/valence", "/mnt/valence")),
                    custom.podAccess().volumes());
            assertEquals("/mnt/valence", custom.podAccess().env().get("VALENCE_K8S_DATA_STORE"));
        }
    }

    @Test
    void keysThatLeaveTheDirectoryNameTheKeyAndWriteNothing() throws IOException {
        Path root = dir.resolve("root");
        try (ArtifactStore store = open(root.toString())) {
            ValenceException e = assertThrows(ValenceException.class, () -> store.put("../outside", new byte[] {1}));
            assertEquals(ErrorKind.STORE, e.kind());
            assertTrue(e.getMessage().contains("'../outside'") && e.getMessage().contains("'..'"), e.getMessage());
            assertThrows(ValenceException.class, () -> store.deletePrefix(".."));
        }
        try (Stream<Path> all = Files.list(dir)) {
            assertEquals(List.of(root), all.toList(), "nothing written beside the store");
        }
    }

    @Test
    void writesLeaveNoTempFilesEvenWhenTheSourceFails() throws IOException {
        Path root = dir.resolve("root");
        try (ArtifactStore store = open(root.toString())) {
            store.put("d1/n1/input", GeneratedBlob.of(1 << 20, 1).stream());
            assertThrows(ValenceException.class, () -> store.put("d1/n1/output",
                    GeneratedBlob.of(1 << 20, 2).streamFailingAt(1000)));
        }
        try (Stream<Path> all = Files.walk(root)) {
            assertEquals(List.of(root.resolve("d1/n1/input")), all.filter(Files::isRegularFile).toList());
        }
    }

    @Test
    void writtenFilesAreReadableLikeAnyOtherFileInTheDirectory() throws IOException {
        Path root = dir.resolve("root");
        try (ArtifactStore store = open(root.toString())) {
            store.put("d1/n1/input", "x".getBytes(StandardCharsets.UTF_8));
        }
        Path plain = Files.writeString(root.resolve("d1/n1/plain"), "y");
        assertEquals(Files.getPosixFilePermissions(plain), Files.getPosixFilePermissions(root.resolve("d1/n1/input")),
                "a pod running as another user must read what the executor wrote");
    }

    @Test
    void aKeyBelowAnExistingBlobIsAStoreError() {
        try (ArtifactStore store = open(dir.resolve("root").toString())) {
            store.put("d1/n1/input", new byte[] {1});
            ValenceException e = assertThrows(ValenceException.class, () -> store.put("d1/n1/input/x", new byte[] {2}));
            assertEquals(ErrorKind.STORE, e.kind());
            assertTrue(e.getMessage().contains(store.describe("d1/n1/input/x")), e.getMessage());
            assertFalse(store.exists("d1/n1/input/x"));
        }
    }
}
