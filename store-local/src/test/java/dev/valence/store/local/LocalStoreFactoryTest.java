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
            assertEquals(Map.of("VALENCE_K8S_DATA_STORE", "/data", "VALENCE_K8S_FS_GROUP", "1000"), access.env());
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
    void aTasksPodMountsOnlyItsOwnFolder() {
        try (ArtifactStore store = open(dir.toString())) {
            StoreAccess access = store.podAccess("d1/n1/");
            assertEquals(List.of(new StoreAccess.HostPathVolume("valence-data", "/data/d1/n1", "/data/d1/n1",
                    "DirectoryOrCreate")), access.volumes(), "not the whole store: other dispatches stay out of reach");
            assertEquals("/data", access.env().get("VALENCE_K8S_DATA_STORE"), "keys still resolve from the root");
        }
    }

    // ---- sharing with the pod's identity (fs_group) ----

    private static final int FS_GROUP = 4321;

    private ArtifactStore openShared(Path root, String fsGroup) {
        return factory.create(Settings.builder().dataStore(root.toString()).set("fs_group", fsGroup).build());
    }

    @Test
    void foldersGetTheFsGroupWithSetgidAndFilesAreReadableByThatGroupOnly() throws IOException {
        Path root = dir.resolve("root");
        try (ArtifactStore store = openShared(root, String.valueOf(FS_GROUP))) {
            store.put("d1/n1/input", new byte[] {1});
        }
        for (Path folder : List.of(root.resolve("d1"), root.resolve("d1/n1"))) {
            assertEquals(FS_GROUP, Files.getAttribute(folder, "unix:gid"), folder.toString());
            assertEquals("2770", mode(folder), folder.toString());
        }
        Path input = root.resolve("d1/n1/input");
        assertEquals(FS_GROUP, Files.getAttribute(input, "unix:gid"), "the folder's group, through setgid");
        assertEquals("640", mode(input));
    }

    @Test
    void withoutAnFsGroupFoldersAreOpenToEveryUserAndFilesReadable() throws IOException {
        Path root = dir.resolve("root");
        try (ArtifactStore store = openShared(root, "")) {
            store.put("d1/n1/input", new byte[] {1});
        }
        assertEquals("777", mode(root.resolve("d1/n1")));
        assertEquals("644", mode(root.resolve("d1/n1/input")));
    }

    @Test
    void aPodUserInTheFsGroupReadsItsInputAndWritesItsOutputAndAnotherUserCannot() throws Exception {
        assumeRootWithSetpriv();
        Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        Path root = dir.resolve("root");
        try (ArtifactStore store = openShared(root, String.valueOf(FS_GROUP))) {
            store.put("d1/n1/input", "in".getBytes(StandardCharsets.UTF_8));
            // the pod: another uid and gid, with fs_group as its supplementary group (what fsGroup gives it)
            Result pod = asUser(root, "--reuid=4000", "--regid=4000", "--groups=" + FS_GROUP,
                    "cat d1/n1/input && printf out > d1/n1/.part && mv d1/n1/.part d1/n1/output");
            assertEquals(0, pod.code(), pod.output());
            assertEquals("in", pod.output());
            assertEquals("out", new String(store.getBytes("d1/n1/output"), StandardCharsets.UTF_8));
            Result stranger = asUser(root, "--reuid=4001", "--regid=4001", "--clear-groups", "cat d1/n1/input");
            assertTrue(stranger.code() != 0 && stranger.output().contains("Permission denied"), stranger.output());
            store.deletePrefix("d1/n1/");
        }
        try (Stream<Path> left = Files.list(root)) {
            assertEquals(List.of(), left.toList(), "the pod's output deleted and no empty dispatch folder left");
        }
    }

    @Test
    void aClientThatCannotGiveTheFsGroupOpensTheFoldersToAllInstead() throws Exception {
        assumeRootWithSetpriv();
        Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        Path root = Files.createDirectories(dir.resolve("root"));
        Files.setAttribute(root, "unix:uid", 4002);
        Result put = putAsUid4002(root, String.valueOf(FS_GROUP), "d1/n1/input");
        assertEquals(0, put.code(), put.output());
        assertEquals("777", mode(root.resolve("d1/n1")), "not group 4321's: open to the pod's uid instead");
        assertEquals("644", mode(root.resolve("d1/n1/input")));
        assertEquals(4002, Files.getAttribute(root.resolve("d1/n1/input"), "unix:uid"));
    }

    @Test
    void aPodThatSeesOnlyItsTaskFolderOpensTheStoreAndWritesItsOutput() throws Exception {
        // as in a real pod: the runtime made the mount's parents (root-owned 0755); only the task's folder is the pod's
        assumeRootWithSetpriv();
        Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        Path root = Files.createDirectories(dir.resolve("data"));
        Path task = Files.createDirectories(root.resolve("d1/n1"));
        Files.setPosixFilePermissions(root, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(root.resolve("d1"), java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(task, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
        Result put = putAsUid4002(root, "", "d1/n1/output");
        assertEquals(0, put.code(), put.output());
        assertEquals(4002, Files.getAttribute(task.resolve("output"), "unix:uid"));
    }

    @Test
    void aWriteTheStoreRefusesSaysWhichFolderAndWhatToCheck() throws Exception {
        assumeRootWithSetpriv();
        Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        Path root = Files.createDirectories(dir.resolve("data"));
        Files.createDirectories(root.resolve("d1/n1"));
        Result put = putAsUid4002(root, "", "d1/n1/output");
        assertTrue(put.code() != 0, put.output());
        assertTrue(put.output().contains("not writable by uid 4002") && put.output().contains(root.resolve("d1/n1").toString())
                && put.output().contains("run_as_user"), put.output());
    }

    /** Runs {@link PutAsAnotherUser} in a child JVM as uid 4002 (outside every group), from a class path it may read. */
    private Result putAsUid4002(Path root, String fsGroup, String key) throws Exception {
        // the child JVM runs as uid 4002, outside group 4321: it reads this test's classes from a copy it may read
        Path cp = Files.createDirectories(dir.resolve("cp"));
        List<String> entries = new java.util.ArrayList<>();
        int n = 0;
        for (String e : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            Path p = Path.of(e);
            if (e.contains("executor-api") || e.contains("slf4j") || e.contains("store-local")) {
                Path copy = cp.resolve(n++ + "-" + p.getFileName());
                if (Files.isDirectory(p)) {
                    try (Stream<Path> files = Files.walk(p)) {
                        for (Path f : files.toList()) {
                            Path to = copy.resolve(p.relativize(f).toString());
                            if (Files.isDirectory(f)) {
                                Files.createDirectories(to);
                            } else {
                                Files.copy(f, to);
                            }
                        }
                    }
                } else {
                    Files.copy(p, copy);
                }
                entries.add(copy.toString());
            }
        }
        try (Stream<Path> all = Files.walk(cp)) {
            for (Path p : all.toList()) {
                Files.setPosixFilePermissions(p, java.nio.file.attribute.PosixFilePermissions.fromString(
                        Files.isDirectory(p) ? "rwxr-xr-x" : "rw-r--r--"));
            }
        }
        Process p = new ProcessBuilder("setpriv", "--reuid=4002", "--regid=4002", "--clear-groups",
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp", String.join(":", entries),
                PutAsAnotherUser.class.getName(), root.toString(), fsGroup, key)
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Result(p.waitFor(), out);
    }

    @Test
    void deletingTheLastTaskOfADispatchRemovesTheDispatchFolderButNotOneStillInUse() throws IOException {
        Path root = dir.resolve("root");
        try (ArtifactStore store = open(root.toString())) {
            store.put("d1/n1/input", new byte[] {1});
            store.put("d1/n2/input", new byte[] {2});
            store.deletePrefix("d1/n1/");
            assertTrue(Files.isDirectory(root.resolve("d1")), "n2 is still there");
            store.deletePrefix("d1/n2/");
            assertFalse(Files.exists(root.resolve("d1")), "no empty <dispatch>/ folder");
            assertTrue(Files.isDirectory(root), "the store's root stays");
        }
    }

    private record Result(int code, String output) {
    }

    private static Result asUser(Path cwd, String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of("setpriv"));
        command.addAll(List.of(args).subList(0, args.length - 1));
        command.addAll(List.of("sh", "-c", args[args.length - 1]));
        Process p = new ProcessBuilder(command).directory(cwd.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Result(p.waitFor(), out);
    }

    private static void assumeRootWithSetpriv() throws IOException {
        assertEquals("root", System.getProperty("user.name"),
                "this test plays a pod's user with setpriv, which needs root (the build runs as root)");
        assertTrue(Files.isExecutable(Path.of("/usr/bin/setpriv")), "install util-linux (setpriv)");
    }

    private static String mode(Path p) throws IOException {
        return Integer.toOctalString((Integer) Files.getAttribute(p, "unix:mode") & 07777);
    }

    @Test
    void filesWrittenAtOnceIntoANewFolderAreAllSharedAsTheFolderIs() throws Exception {
        // a map writes its items 16 at once into a new items/ folder: a writer that saw the folder before its
        // creator had shared it gave its file the unshared mode (0640), which a pod's user could not read
        Path root = dir.resolve("root");
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(16);
        try (ArtifactStore store = open(root.toString())) {
            for (int round = 0; round < 40; round++) {
                String folder = "d" + round + "/n/items/";
                java.util.concurrent.CyclicBarrier together = new java.util.concurrent.CyclicBarrier(16);
                List<java.util.concurrent.Future<?>> puts = new java.util.ArrayList<>();
                for (int i = 0; i < 16; i++) {
                    String key = folder + i;
                    puts.add(pool.submit(() -> {
                        together.await();
                        store.put(key, new byte[] {1});
                        return null;
                    }));
                }
                for (java.util.concurrent.Future<?> f : puts) {
                    f.get();
                }
                Path shared = root.resolve(folder);
                String fileMode = mode(shared).endsWith("7") ? "644" : "640";
                Object gid = Files.getAttribute(shared, "unix:gid");
                for (int i = 0; i < 16; i++) {
                    Path file = root.resolve(folder + i);
                    assertEquals(fileMode, mode(file), file + " in round " + round + " (folder " + mode(shared) + ")");
                    assertEquals(gid, Files.getAttribute(file, "unix:gid"), file + "'s group in round " + round);
                }
            }
        } finally {
            pool.shutdownNow();
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
