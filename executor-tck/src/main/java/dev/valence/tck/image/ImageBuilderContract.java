package dev.valence.tck.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.valence.api.ErrorKind;
import dev.valence.api.ValenceException;
import dev.valence.spi.Credentials;
import dev.valence.spi.ImageBuilder;
import dev.valence.spi.ImageRef;
import dev.valence.spi.ImageSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * The contract every {@link ImageBuilder} meets, run against real CNCF registries on loopback
 * ({@link RegistryBed}: one open, one with htpasswd auth). Extend it and provide the builder.
 * Images are built from {@code scratch} plus files, so no network is needed.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 3, unit = TimeUnit.MINUTES)
public abstract class ImageBuilderContract {

    /** User and password of the registry with auth. */
    protected static final String USER = "valence";
    private static final String PASSWORD = "contract-Pa55word";

    private static final String ENTRYPOINT_MAIN = "dev.valence.core.launcher.Main";

    /** The registry without auth. */
    protected RegistryBed registry;
    /** The registry with htpasswd auth (user {@link #USER}). */
    protected RegistryBed securedRegistry;
    /** A fresh directory for each test. */
    protected Path work;

    /** The builder under test; {@code workDir} is an empty directory it may use for caches. */
    protected abstract ImageBuilder newBuilder(Path workDir);

    /** Capability: the builder writes {@code tar://} targets. */
    protected boolean supportsTarTarget() {
        return true;
    }

    @BeforeAll
    final void startRegistries() {
        registry = RegistryBed.start();
        securedRegistry = RegistryBed.builder().htpasswd(USER, PASSWORD).start();
    }

    @AfterAll
    final void stopRegistries() {
        if (registry != null) {
            registry.close();
        }
        if (securedRegistry != null) {
            securedRegistry.close();
        }
    }

    @BeforeEach
    final void createWorkDir() throws IOException {
        work = Files.createTempDirectory("valence-image-contract-");
    }

    @AfterEach
    final void deleteWorkDir() throws IOException {
        try (Stream<Path> walk = Files.walk(work)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    // ---------------------------------------------------------------- push

    @Test
    void pushesTheImageAndReturnsTheManifestDigest() {
        ImageRef ref = newBuilder(work.resolve("cache")).build(spec(registry.reference("app", "t1")).build());

        assertTrue(ref.digest().matches("sha256:[0-9a-f]{64}"), ref.digest());
        assertEquals(registry.host() + "/app", ref.repository());
        assertEquals("t1", ref.tag());
        assertEquals(Optional.empty(), ref.loadCommand());
        assertEquals(registry.host() + "/app@" + ref.digest(), ref.jobReference());
        RegistryBed.Manifest byTag = registry.manifest("app", "t1").orElseThrow();
        assertEquals(ref.digest(), byTag.digest(), "the tag points at the returned digest");
        assertTrue(registry.manifest("app", ref.digest()).isPresent());
    }

    @Test
    @SuppressWarnings("unchecked")
    void imageHasTheLayersEntrypointUserAndEnvironmentOfTheSpec() {
        ImageRef ref = newBuilder(work.resolve("cache")).build(spec(registry.reference("app", "shape")).build());

        RegistryBed.Manifest manifest = registry.manifest("app", ref.digest()).orElseThrow();
        assertEquals(3, manifest.layerDigests().size(), "scratch + 3 layers: " + manifest.json());
        Map<String, Object> config = (Map<String, Object>) registry.config("app", manifest).get("config");
        assertEquals(List.of("java", "-cp", "/app/classes:/app/lib/*:/app/runtime/*", ENTRYPOINT_MAIN),
                config.get("Entrypoint"));
        assertEquals("1000:1000", config.get("User"));
        List<Object> env = (List<Object>) config.get("Env");
        assertTrue(env.contains("LANG=C.UTF-8") && env.contains("VALENCE_K8S_POLL_FREQ=1"), "Env: " + env);

        assertEquals(List.of("app/lib/a.jar", "app/lib/b.jar"), files(layer("app", manifest, 0)));
        assertEquals(List.of("app/classes/app.properties", "app/classes/dev/valence/Main.class"),
                files(layer("app", manifest, 1)));
        assertEquals(List.of("app/runtime/launcher.jar"), files(layer("app", manifest, 2)));
        Tars.Entry jar = layer("app", manifest, 0).stream().filter(e -> e.name().equals("app/lib/b.jar")).findFirst()
                .orElseThrow();
        assertEquals("jar b", jar.text());
    }

    @Test
    void layerEntriesAreSortedAndCarryOneFixedTimestamp() throws IOException {
        Path classes = work.resolve("src/classes");
        Files.createDirectories(classes);
        List<ImageSpec.Entry> unsorted = new ArrayList<>();
        for (String name : List.of("zeta.txt", "alpha.txt", "mid.txt")) {
            unsorted.add(new ImageSpec.Entry(write(classes.resolve(name), name), "/app/data/" + name));
        }
        Files.setLastModifiedTime(classes.resolve("mid.txt"), FileTime.from(Instant.parse("2024-02-03T04:05:06Z")));
        ImageSpec spec = ImageSpec.builder().baseImage("scratch").target(registry.reference("sorted", "1"))
                .layer(new ImageSpec.Layer("data", unsorted)).entrypoint(List.of("/bin/true")).build();

        ImageRef ref = newBuilder(work.resolve("cache")).build(spec);

        List<Tars.Entry> entries = layer("sorted", registry.manifest("sorted", ref.digest()).orElseThrow(), 0);
        assertEquals(List.of("app/data/alpha.txt", "app/data/mid.txt", "app/data/zeta.txt"), files(entries));
        Set<Long> times = new HashSet<>();
        entries.forEach(e -> times.add(e.mtimeSeconds()));
        assertEquals(1, times.size(), "one fixed modification time for every entry: " + times);
        assertNotEquals(Instant.parse("2024-02-03T04:05:06Z").getEpochSecond(), times.iterator().next());
    }

    @Test
    void sameContentGivesTheSameDigestWhateverTheFileTimesAndTag() throws IOException {
        ImageRef first = newBuilder(work.resolve("cache1")).build(spec(registry.reference("repro", "a")).build());
        try (Stream<Path> files = Files.walk(work.resolve("src"))) {
            for (Path p : files.filter(Files::isRegularFile).toList()) {
                Files.setLastModifiedTime(p, FileTime.from(Instant.parse("2030-01-01T00:00:00Z")));
            }
        }

        ImageRef second = newBuilder(work.resolve("cache2")).build(spec(registry.reference("repro", "b")).build());

        assertEquals(first.digest(), second.digest());
    }

    @Test
    void baseImageFromTheRegistryIsExtended() {
        ImageBuilder builder = newBuilder(work.resolve("cache"));
        ImageSpec base = ImageSpec.builder().baseImage("scratch").target(registry.reference("base", "1"))
                .layer(new ImageSpec.Layer("os", List.of(new ImageSpec.Entry(
                        write(work.resolve("base/os-release"), "NAME=contract"), "/etc/os-release"))))
                .build();
        ImageRef baseRef = builder.build(base);

        ImageRef ref = builder.build(spec(registry.reference("on-base", "1")).baseImage(baseRef.tagged()).build());

        List<String> layers = registry.manifest("on-base", ref.digest()).orElseThrow().layerDigests();
        List<String> baseLayers = registry.manifest("base", baseRef.digest()).orElseThrow().layerDigests();
        assertEquals(baseLayers.size() + 3, layers.size());
        assertEquals(baseLayers, layers.subList(0, baseLayers.size()), "base layers come first, unchanged");
    }

    @Test
    @SuppressWarnings("unchecked")
    void aSpecWithoutAUserKeepsTheBaseImagesUser() {
        ImageBuilder builder = newBuilder(work.resolve("cache"));
        ImageSpec base = ImageSpec.builder().baseImage("scratch").target(registry.reference("base-user", "1"))
                .layer(new ImageSpec.Layer("os", List.of(new ImageSpec.Entry(
                        write(work.resolve("base/os-release"), "NAME=contract"), "/etc/os-release"))))
                .user("4242:4343").build();
        ImageRef baseRef = builder.build(base);

        ImageRef ref = builder.build(spec(registry.reference("keeps-user", "1")).baseImage(baseRef.tagged()).user(null)
                .build());

        RegistryBed.Manifest manifest = registry.manifest("keeps-user", ref.digest()).orElseThrow();
        Map<String, Object> config = (Map<String, Object>) registry.config("keeps-user", manifest).get("config");
        assertEquals("4242:4343", config.get("User"), "the base image's user, not one Valence chose");
    }

    // ---------------------------------------------------------------- what is uploaded

    @Test
    void unchangedRebuildUploadsNoBlobs() {
        ImageBuilder builder = newBuilder(work.resolve("cache"));
        int beforeFirst = registry.mark();
        ImageRef first = builder.build(spec(registry.reference("cached", "1")).build());
        assertEquals(4, registry.blobUploadsSince(beforeFirst).size(), "a first push uploads 3 layers and the config");
        int mark = registry.mark();

        ImageRef second = builder.build(spec(registry.reference("cached", "2")).build());

        assertEquals(first.digest(), second.digest());
        assertEquals(List.of(), registry.blobUploadsSince(mark), "blobs uploaded by an unchanged rebuild");
    }

    @Test
    void changingOneLayerUploadsOnlyThatLayerAndTheConfig() throws IOException {
        ImageBuilder builder = newBuilder(work.resolve("cache"));
        ImageRef first = builder.build(spec(registry.reference("incremental", "1")).build());
        Files.writeString(work.resolve("src/classes/dev/valence/Main.class"), "class v2");
        int mark = registry.mark();

        ImageRef second = builder.build(spec(registry.reference("incremental", "2")).build());

        List<String> uploaded = registry.blobUploadsSince(mark);
        RegistryBed.Manifest before = registry.manifest("incremental", first.digest()).orElseThrow();
        RegistryBed.Manifest after = registry.manifest("incremental", second.digest()).orElseThrow();
        assertEquals(before.layerDigests().get(0), after.layerDigests().get(0));
        assertNotEquals(before.layerDigests().get(1), after.layerDigests().get(1));
        assertEquals(before.layerDigests().get(2), after.layerDigests().get(2));
        assertEquals(Set.of(after.layerDigests().get(1), after.configDigest()), new HashSet<>(uploaded),
                "uploaded blobs: " + uploaded);
        assertEquals(2, uploaded.size(), "uploaded blobs: " + uploaded);
    }

    // ---------------------------------------------------------------- exists

    @Test
    void existsUntilTheManifestIsDeleted() {
        ImageBuilder builder = newBuilder(work.resolve("cache"));
        ImageSpec spec = spec(registry.reference("gone", "1")).build();
        ImageRef ref = builder.build(spec);
        assertTrue(builder.exists(ref, spec));

        registry.deleteManifest("gone", ref.digest());

        assertFalse(builder.exists(ref, spec));
    }

    @Test
    void doesNotFindADigestThatWasNeverPushed() {
        ImageSpec spec = spec(registry.reference("never", "1")).build();
        ImageRef ref = new ImageRef(registry.host() + "/never", "1", "sha256:" + "ab".repeat(32), Optional.empty());

        assertFalse(newBuilder(work.resolve("cache")).exists(ref, spec));
    }

    // ---------------------------------------------------------------- credentials

    @Test
    void pushesWithTheRightCredentialsAndFindsTheImageWithThem() {
        ImageBuilder builder = newBuilder(work.resolve("cache"));
        ImageSpec spec = spec(securedRegistry.reference("private", "1"))
                .targetCredentials(securedRegistry.credentials().orElseThrow()).build();

        ImageRef ref = builder.build(spec);

        assertEquals(ref.digest(), securedRegistry.manifest("private", "1").orElseThrow().digest());
        assertTrue(builder.exists(ref, spec));
    }

    @Test
    void pullsABaseImageWithBaseCredentials() {
        ImageBuilder builder = newBuilder(work.resolve("cache"));
        Credentials creds = securedRegistry.credentials().orElseThrow();
        ImageRef base = builder.build(spec(securedRegistry.reference("private-base", "1"))
                .targetCredentials(creds).build());

        ImageRef ref = builder.build(spec(registry.reference("from-private", "1"))
                .baseImage(base.tagged()).baseCredentials(creds).build());

        assertEquals(6, registry.manifest("from-private", ref.digest()).orElseThrow().layerDigests().size());
    }

    @Test
    void missingCredentialsGiveAPermissionErrorNamingTheRegistry() {
        ImageSpec spec = spec(securedRegistry.reference("private", "anon")).build();

        ValenceException e = assertThrows(ValenceException.class, () -> newBuilder(work.resolve("cache")).build(spec));

        assertEquals(ErrorKind.PERMISSION, e.kind(), e.getMessage());
        assertTrue(e.getMessage().contains(securedRegistry.host()), e.getMessage());
        assertTrue(e.getMessage().contains("no credentials were found"), e.getMessage());
    }

    @Test
    void wrongCredentialsGiveAPermissionErrorWithoutThePassword() {
        String wrong = "not-the-Pa55word";
        ImageSpec spec = spec(securedRegistry.reference("private", "wrong"))
                .targetCredentials(new Credentials(USER, wrong, "contract test")).build();

        ValenceException e = assertThrows(ValenceException.class, () -> newBuilder(work.resolve("cache")).build(spec));

        assertEquals(ErrorKind.PERMISSION, e.kind(), e.getMessage());
        assertTrue(e.getMessage().contains(securedRegistry.host()), e.getMessage());
        assertTrue(e.getMessage().contains("rejected"), e.getMessage());
        assertTrue(e.getMessage().contains(USER) && e.getMessage().contains("contract test"), e.getMessage());
        assertFalse(e.getMessage().contains(wrong), "the password must never be shown: " + e.getMessage());
    }

    // ---------------------------------------------------------------- bad input

    @Test
    void unreachableRegistryIsNamedWithHostAndPort() {
        int port = closedPort();
        ImageSpec spec = spec("127.0.0.1:" + port + "/app:1").build();

        ValenceException e = assertThrows(ValenceException.class, () -> newBuilder(work.resolve("cache")).build(spec));

        assertEquals(ErrorKind.IMAGE, e.kind(), e.getMessage());
        assertTrue(e.getMessage().contains("127.0.0.1:" + port), e.getMessage());
    }

    @Test
    void missingBaseImageIsNamedWithItsRegistry() {
        String missing = registry.reference("no-such-base", "1");
        ImageSpec spec = spec(registry.reference("app", "on-missing")).baseImage(missing).build();

        ValenceException e = assertThrows(ValenceException.class, () -> newBuilder(work.resolve("cache")).build(spec));

        assertEquals(ErrorKind.IMAGE, e.kind(), e.getMessage());
        assertTrue(e.getMessage().contains(missing), e.getMessage());
    }

    @Test
    void missingSourceFileIsNamed() {
        Path missing = work.resolve("src/not-there.jar");
        ImageSpec spec = spec(registry.reference("app", "missing-file"))
                .layer(new ImageSpec.Layer("extra", List.of(new ImageSpec.Entry(missing, "/app/lib/x.jar")))).build();

        ValenceException e = assertThrows(ValenceException.class, () -> newBuilder(work.resolve("cache")).build(spec));

        assertEquals(ErrorKind.IMAGE, e.kind(), e.getMessage());
        assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
    }

    // ---------------------------------------------------------------- tar

    @Test
    @SuppressWarnings("unchecked")
    void tarTargetWritesALoadableTarAndSaysHowToLoadIt() {
        assumeTrue(supportsTarTarget(), "the builder does not write tar targets");
        Path tar = work.resolve("images/app.tar");
        ImageBuilder builder = newBuilder(work.resolve("cache"));
        ImageSpec spec = spec("tar://" + tar + "#valence-contract:t1").build();

        ImageRef ref = builder.build(spec);

        assertTrue(Files.isRegularFile(tar), tar + " written");
        assertEquals(Optional.of("minikube image load " + tar), ref.loadCommand());
        assertEquals("valence-contract:t1", ref.jobReference());
        assertTrue(ref.digest().matches("sha256:[0-9a-f]{64}"), ref.digest());
        assertTrue(builder.exists(ref, spec));
        List<Tars.Entry> entries = Tars.read(readAll(tar));
        Map<String, Tars.Entry> byName = new HashMap<>();
        entries.forEach(e -> byName.put(e.name(), e));
        List<Object> manifest = (List<Object>) Json.parse(byName.get("manifest.json").text());
        Map<String, Object> image = (Map<String, Object>) manifest.get(0);
        assertEquals(List.of("valence-contract:t1"), image.get("RepoTags"));
        assertTrue(byName.containsKey((String) image.get("Config")), "config file in the tar: " + byName.keySet());
        List<Object> layers = (List<Object>) image.get("Layers");
        assertEquals(3, layers.size());
        layers.forEach(l -> assertTrue(byName.containsKey((String) l), l + " in the tar: " + byName.keySet()));
    }

    @Test
    void tarTargetInADirectoryThatCannotBeCreatedFailsClearly() {
        assumeTrue(supportsTarTarget(), "the builder does not write tar targets");
        Path blocker = write(work.resolve("cache-is-a-file"), "not a directory");
        Path tar = blocker.resolve("images/app.tar");
        ImageSpec spec = spec("tar://" + tar + "#valence-contract:t1").build();

        ValenceException e = assertThrows(ValenceException.class, () -> newBuilder(work.resolve("cache")).build(spec));

        assertEquals(ErrorKind.IMAGE, e.kind(), e.getMessage());
        assertTrue(e.getMessage().contains(tar.toString()), e.getMessage());
    }

    // ---------------------------------------------------------------- fixture

    /**
     * A spec like the executor builds: scratch, a dependencies layer, a classes layer and a runtime
     * layer (entries given unsorted), the launcher entrypoint, a non-root user and some environment.
     * The source files live under {@code work/src} and are written once per test.
     */
    protected ImageSpec.Builder spec(String target) {
        Path src = work.resolve("src");
        Path classFile = src.resolve("classes/dev/valence/Main.class");
        if (!Files.exists(classFile)) {
            write(classFile, "class v1");
        }
        return ImageSpec.builder()
                .baseImage("scratch")
                .target(target)
                .layer(new ImageSpec.Layer("dependencies", List.of(
                        new ImageSpec.Entry(fixture(src.resolve("lib/b.jar"), "jar b"), "/app/lib/b.jar"),
                        new ImageSpec.Entry(fixture(src.resolve("lib/a.jar"), "jar a"), "/app/lib/a.jar"))))
                .layer(new ImageSpec.Layer("classes", List.of(
                        new ImageSpec.Entry(classFile, "/app/classes/dev/valence/Main.class"),
                        new ImageSpec.Entry(fixture(src.resolve("classes/app.properties"), "greeting=hello"),
                                "/app/classes/app.properties"))))
                .layer(new ImageSpec.Layer("runtime", List.of(
                        new ImageSpec.Entry(fixture(src.resolve("runtime/launcher.jar"), "launcher"),
                                "/app/runtime/launcher.jar"))))
                .entrypoint(List.of("java", "-cp", "/app/classes:/app/lib/*:/app/runtime/*", ENTRYPOINT_MAIN))
                .user("1000:1000")
                .environment(Map.of("LANG", "C.UTF-8", "VALENCE_K8S_POLL_FREQ", "1"));
    }

    private static Path fixture(Path file, String content) {
        return Files.exists(file) ? file : write(file, content);
    }

    /** Writes a text file, creating its directory. */
    protected static Path write(Path file, String content) {
        try {
            Files.createDirectories(file.getParent());
            return Files.writeString(file, content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private List<Tars.Entry> layer(String repository, RegistryBed.Manifest manifest, int index) {
        return Tars.read(registry.blob(repository, manifest.layerDigests().get(index)));
    }

    private static List<String> files(List<Tars.Entry> entries) {
        return entries.stream().filter(Tars.Entry::isFile).map(Tars.Entry::name).toList();
    }

    private static byte[] readAll(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int closedPort() {
        try (ServerSocket s = new ServerSocket(0, 0, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
