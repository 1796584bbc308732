package dev.valence.tck.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.valence.api.ErrorKind;
import dev.valence.api.Settings;
import dev.valence.api.ValenceException;
import dev.valence.spi.ArtifactStore;
import dev.valence.spi.ArtifactStoreFactory;
import dev.valence.spi.Plugins;
import dev.valence.spi.StoreAccess;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The behaviour every {@link ArtifactStore} must show. An adapter's test extends this class, runs it
 * against its real backend and supplies a fresh, empty store per test with {@link #newStore()}; the
 * {@link #capabilities()} say what the backend may not support.
 *
 * <p>Prefixes name folders: {@code list("d1")} and {@code list("d1/")} both mean the keys under
 * {@code d1/}, never {@code d10/...}. Keys are relative, {@code /}-separated names without empty,
 * {@code .} or {@code ..} parts; anything else is refused before the backend is touched.
 *
 * <p>The large-blob test streams {@link StoreCapabilities#largeBlobBytes()} bytes from a generator;
 * run the suite with a heap smaller than a few times that size to prove the store never buffers a
 * whole blob.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
public abstract class ArtifactStoreContract {

    /** Names that must never appear in pod env (the same rule {@link Settings} masks by). */
    private static final Pattern SECRET_NAME = Pattern.compile(
            "(?i).*(password|passwd|secret|token|credential|connection_string|private_key|access_key|api_key|account_key).*");
    private static final long WAIT_SECONDS = 60;

    private ArtifactStore store;

    /** A fresh, empty store for one test; the contract closes it after the test. */
    protected abstract ArtifactStore newStore() throws Exception;

    /** The factory under test; the contract opens the store a pod would open through it. */
    protected abstract ArtifactStoreFactory factory();

    /** What the backend supports; by default everything a production store must do. */
    protected StoreCapabilities capabilities() {
        return StoreCapabilities.builder().build();
    }

    /** Secret values the store was given (keys, passwords); none may reach pod access or {@code toString}. */
    protected Set<String> secrets() {
        return Set.of();
    }

    /**
     * Env a pod gets from outside {@code podAccess()} — from a Kubernetes Secret or the pod's identity —
     * that the launcher needs to open the store; empty by default.
     */
    protected Map<String, String> podSecretEnv() {
        return Map.of();
    }

    /** The store of the running test. */
    protected final ArtifactStore store() {
        return store;
    }

    /** Opens the store under test. */
    @BeforeEach
    public void openStore() throws Exception {
        store = newStore();
    }

    /** Closes the store under test. */
    @AfterEach
    public void closeStore() {
        if (store != null) {
            store.close();
        }
    }

    // ---- put / get ----

    /** Small bytes put are the bytes got. */
    @Test
    public void putThenGetReturnsTheSameBytes() {
        byte[] data = "hello, valence".getBytes(StandardCharsets.UTF_8);
        store.put("d1/n1/input", data);
        assertArrayEquals(data, store.getBytes("d1/n1/input"));
    }

    /** A zero-length blob is a blob. */
    @Test
    public void anEmptyBlobRoundTrips() {
        store.put("d1/n1/empty", new byte[0]);
        assertTrue(store.exists("d1/n1/empty"), "exists after putting an empty blob");
        assertArrayEquals(new byte[0], store.getBytes("d1/n1/empty"));
    }

    /** A streamed put of several MiB reads back the same, in small irregular reads. */
    @Test
    public void getStreamsWhatPutStreamed() throws IOException {
        GeneratedBlob blob = GeneratedBlob.of(5L * 1024 * 1024 + 123, 1);
        store.put("d1/n1/stream", blob.stream());
        try (InputStream in = store.get("d1/n1/stream")) {
            assertEquals(blob.digest(), BlobDigest.of(new SmallReads(in)));
        }
    }

    /** A large blob is written from a generator and verified by digest: never held whole in memory. */
    @Test
    public void writesAndReadsALargeBlobByDigest() throws IOException {
        GeneratedBlob blob = GeneratedBlob.of(capabilities().largeBlobBytes(), 64);
        store.put("d1/n1/large", blob.stream());
        try (InputStream in = store.get("d1/n1/large")) {
            assertEquals(blob.digest(), BlobDigest.of(in), "large blob read back from " + store.describe("d1/n1/large"));
        }
    }

    /** Reads closed after a few bytes release what they hold: many of them leave the store working. */
    @Test
    public void readsClosedEarlyLeaveTheStoreUsable() throws IOException {
        GeneratedBlob blob = GeneratedBlob.of(4L * 1024 * 1024, 3);
        store.put("d1/n1/early", blob.stream());
        for (int i = 0; i < 60; i++) {
            try (InputStream in = store.get("d1/n1/early")) {
                assertEquals(100, in.readNBytes(100).length, "read " + i);
            }
        }
        try (InputStream in = store.get("d1/n1/early")) {
            assertEquals(blob.digest(), BlobDigest.of(in));
        }
    }

    /** Putting again replaces the blob whole, also with a shorter one. */
    @Test
    public void putOverwritesAnExistingBlob() {
        store.put("d1/n1/output", GeneratedBlob.of(3 * 1024 * 1024, 2).stream());
        byte[] shorter = "second".getBytes(StandardCharsets.UTF_8);
        store.put("d1/n1/output", shorter);
        assertArrayEquals(shorter, store.getBytes("d1/n1/output"));
    }

    /** A missing key is a STORE error whose message names the full location. */
    @Test
    public void getOfAMissingKeyIsAStoreErrorNamingTheLocation() {
        store.put("d1/n1/input", new byte[] {1});
        for (String key : List.of("d1/n1/output", "no/such/key", "d1/n1", "d1")) {
            ValenceException e = assertThrows(ValenceException.class, () -> store.get(key).close(),
                    "get of missing key '" + key + "'");
            assertEquals(ErrorKind.STORE, e.kind(), "kind of " + e);
            assertTrue(e.getMessage().contains(store.describe(key)),
                    "message should name " + store.describe(key) + ": " + e.getMessage());
        }
    }

    /** Every location names the store's root. */
    @Test
    public void describeNamesTheKeyUnderTheLocation() {
        assertFalse(store.location().isBlank(), "location");
        assertTrue(store.describe("d1/n1/output").startsWith(store.location()), store.describe("d1/n1/output"));
        assertTrue(store.describe("d1/n1/output").endsWith("d1/n1/output"), store.describe("d1/n1/output"));
    }

    // ---- exists / list / delete ----

    /** Only a written key exists; its folder does not. */
    @Test
    public void existsIsTrueOnlyForWrittenKeys() {
        assertFalse(store.exists("d1/n1/input"));
        store.put("d1/n1/input", new byte[] {1, 2, 3});
        assertTrue(store.exists("d1/n1/input"));
        assertFalse(store.exists("d1/n1"), "a folder is not a key");
        assertFalse(store.exists("d1/n1/inp"), "a string prefix is not a key");
        assertFalse(store.exists("d1/n1/input2"));
    }

    /** List gives the full keys under a prefix, sorted; the prefix is a folder. */
    @Test
    public void listReturnsKeysUnderAPrefixSorted() {
        List<String> keys = List.of("d1/n2/output", "d10/n1/input", "d1/n1/output", "d2/n1/input", "d1/n1/input",
                "d1/n10/input", "d1/n1/sub/deep");
        keys.forEach(k -> store.put(k, k.getBytes(StandardCharsets.UTF_8)));
        List<String> underD1 = List.of("d1/n1/input", "d1/n1/output", "d1/n1/sub/deep", "d1/n10/input", "d1/n2/output");
        assertEquals(underD1, store.list("d1/"));
        assertEquals(underD1, store.list("d1"), "a prefix without a trailing slash is the same folder");
        assertEquals(List.of("d1/n1/input", "d1/n1/output", "d1/n1/sub/deep"), store.list("d1/n1"));
        assertEquals(keys.stream().sorted().toList(), store.list(""));
        assertEquals(List.of(), store.list("d3/"));
        assertEquals(List.of(), store.list("d1/n1/input"), "a key is not a folder");
    }

    /** Delete of a prefix removes every key under it and nothing else; nothing there is fine. */
    @Test
    public void deletePrefixRemovesEveryKeyUnderItAndNothingElse() {
        List<String> keys = List.of("d1/n1/input", "d1/n1/output", "d1/n2/sub/deep", "d10/n1/input", "d2/n1/input");
        keys.forEach(k -> store.put(k, new byte[] {7}));
        store.deletePrefix("d1");
        assertEquals(List.of("d10/n1/input", "d2/n1/input"), store.list(""));
        assertFalse(store.exists("d1/n1/input"));
        assertThrows(ValenceException.class, () -> store.get("d1/n1/output").close());
        store.deletePrefix("d1/");
        store.deletePrefix("nothing/here/");
        store.deletePrefix("d2/n1/");
        assertEquals(List.of("d10/n1/input"), store.list(""));
        store.put("d1/n1/input", new byte[] {8});
        assertArrayEquals(new byte[] {8}, store.getBytes("d1/n1/input"), "a deleted folder can be written again");
    }

    /** Deleting everything leaves a working, empty store. */
    @Test
    public void deleteOfTheEmptyPrefixEmptiesTheStore() {
        store.put("d1/n1/input", new byte[] {1});
        store.put("d2/n1/input", new byte[] {2});
        store.deletePrefix("");
        assertEquals(List.of(), store.list(""));
        store.put("d3/n1/input", new byte[] {3});
        assertEquals(List.of("d3/n1/input"), store.list(""));
    }

    // ---- keys ----

    /** Keys with spaces, non-ASCII letters and URL-special characters round-trip and list as given. */
    @Test
    public void keysWithOddCharactersRoundTrip() {
        assumeTrue(capabilities().oddCharacterKeys(), "the store does not accept odd characters in keys");
        List<String> keys = List.of(
                "odd/with space/in name",
                "odd/ünïcödé/日本語/ファイル",
                "odd/a+b=c/x=1+2",
                "odd/100% sure & more/#hash?q=1@v,2",
                "odd/emoji 🎉/end");
        for (String key : keys) {
            byte[] data = key.getBytes(StandardCharsets.UTF_8);
            store.put(key, data);
            assertTrue(store.exists(key), "exists: " + key);
            assertArrayEquals(data, store.getBytes(key), "read back: " + key);
        }
        assertEquals(keys.stream().sorted().toList(), store.list("odd"));
        assertEquals(List.of("odd/a+b=c/x=1+2"), store.list("odd/a+b=c"));
        store.deletePrefix("odd/with space");
        assertFalse(store.exists("odd/with space/in name"));
        assertEquals(4, store.list("odd/").size());
    }

    /** Keys and prefixes that could leave the store's root are refused, and nothing is written. */
    @Test
    public void keysThatEscapeTheRootAreRefused() {
        for (String key : List.of("../escape", "a/../../escape", "/absolute", "a//b", "./a", "a/./b", "a/..", "", "a/")) {
            assertRefused(() -> store.put(key, new byte[] {1}), "put '" + key + "'");
            assertRefused(() -> store.get(key).close(), "get '" + key + "'");
            assertRefused(() -> store.exists(key), "exists '" + key + "'");
        }
        for (String prefix : List.of("..", "../", "a/../..", "/", "/abs", "a//b")) {
            assertRefused(() -> store.list(prefix), "list '" + prefix + "'");
            assertRefused(() -> store.deletePrefix(prefix), "deletePrefix '" + prefix + "'");
        }
        assertEquals(List.of(), store.list(""));
    }

    // ---- concurrency and atomic output ----

    /** Writers on several threads, each to its own key, all land whole. */
    @Test
    public void concurrentWritersToDifferentKeysAllLand() throws Exception {
        int writers = 8;
        List<GeneratedBlob> blobs = new ArrayList<>();
        for (int i = 0; i < writers; i++) {
            blobs.add(GeneratedBlob.of(1024L * 1024 + i * 4099L, 100 + i));
        }
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> done = new ArrayList<>();
            for (int i = 0; i < writers; i++) {
                int n = i;
                done.add(pool.submit(() -> {
                    start.await(WAIT_SECONDS, TimeUnit.SECONDS);
                    store.put("conc/n" + n + "/output", blobs.get(n).stream());
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : done) {
                f.get(WAIT_SECONDS, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        for (int i = 0; i < writers; i++) {
            assertEquals(blobs.get(i).digest(), BlobDigest.readAndClose(store.get("conc/n" + i + "/output")), "writer " + i);
        }
        assertEquals(writers, store.list("conc").size());
    }

    /** While a writer is held in the middle of a new blob, readers see nothing; then the whole blob. */
    @Test
    public void readerNeverSeesAPartialNewBlob() throws Exception {
        String key = "atomic/new/output";
        GeneratedBlob blob = GeneratedBlob.of(capabilities().atomicBlobBytes(), 21);
        BlobDigest whole = blob.digest();
        whileWriterIsHeld(key, blob, () -> {
            assertFalse(store.exists(key), "exists() while the writer is mid-blob");
            assertEquals(List.of(), store.list("atomic/new"), "list() while the writer is mid-blob");
            assertNull(readWholeOrAbsent(key), "get() while the writer is mid-blob");
        }, () -> {
            BlobDigest seen = readWholeOrAbsent(key);
            if (seen != null) {
                assertEquals(whole, seen, "a reader saw a partial blob");
            }
        });
        assertEquals(whole, readWholeOrAbsent(key), "after the writer finished");
    }

    /** While a writer is held in the middle of replacing a blob, readers see the old one whole; then the new. */
    @Test
    public void readerSeesTheOldOrTheWholeNewBlobDuringOverwrite() throws Exception {
        String key = "atomic/overwrite/output";
        GeneratedBlob old = GeneratedBlob.of(1024 * 1024 + 17, 22);
        store.put(key, old.stream());
        GeneratedBlob blob = GeneratedBlob.of(capabilities().atomicBlobBytes(), 23);
        BlobDigest whole = blob.digest();
        whileWriterIsHeld(key, blob, () -> {
            assertEquals(old.digest(), readWholeOrAbsent(key), "get() while the writer is mid-blob");
            assertTrue(store.exists(key), "exists() while the writer is mid-blob");
        }, () -> {
            BlobDigest seen = readWholeOrAbsent(key);
            if (!whole.equals(seen) && !old.digest().equals(seen)) {
                fail("a reader saw neither the old blob nor the whole new one: " + seen);
            }
        });
        assertEquals(whole, readWholeOrAbsent(key), "after the writer finished");
    }

    /** A put whose source fails half-way is a STORE error and leaves no blob behind. */
    @Test
    public void failedPutLeavesNoBlob() {
        String key = "failed/new/output";
        GeneratedBlob blob = GeneratedBlob.of(capabilities().atomicBlobBytes(), 31);
        ValenceException e = assertThrows(ValenceException.class,
                () -> store.put(key, blob.streamFailingAt(blob.size() * 3 / 4)));
        assertEquals(ErrorKind.STORE, e.kind(), "kind of " + e);
        assertTrue(e.getMessage().contains(store.describe(key)), "message should name the location: " + e.getMessage());
        assertFalse(store.exists(key), "a failed put left a blob");
        assertEquals(List.of(), store.list("failed"), "a failed put left something listed");
    }

    /** A put whose source fails half-way keeps the old blob. */
    @Test
    public void failedOverwriteKeepsTheOldBlob() {
        String key = "failed/overwrite/output";
        byte[] old = "old".getBytes(StandardCharsets.UTF_8);
        store.put(key, old);
        GeneratedBlob blob = GeneratedBlob.of(capabilities().atomicBlobBytes(), 32);
        assertThrows(ValenceException.class, () -> store.put(key, blob.streamFailingAt(blob.size() / 2)));
        assertArrayEquals(old, store.getBytes(key));
        assertEquals(List.of(key), store.list("failed"));
    }

    // ---- pod access ----

    /** Pod access is env the launcher reads ({@code VALENCE_K8S_*}) and never a secret. */
    @Test
    public void podAccessCarriesNoSecrets() {
        StoreAccess access = store.podAccess();
        assertTrue(access.env().containsKey(Settings.ENV_PREFIX + "DATA_STORE"), "pod env " + access.env().keySet());
        access.env().forEach((name, value) -> {
            assertTrue(name.startsWith(Settings.ENV_PREFIX), "pod env " + name + " is not a Valence setting");
            assertFalse(SECRET_NAME.matcher(name).matches(), "pod env " + name + " is named like a secret");
            secrets().forEach(s -> assertFalse(value.contains(s), "pod env " + name + " holds a secret"));
        });
        if (!capabilities().hostPathVolumes()) {
            assertEquals(List.of(), access.volumes(), "volumes of a store that needs none");
        }
        for (StoreAccess.HostPathVolume v : access.volumes()) {
            assertTrue(v.hostPath().startsWith("/") && v.mountPath().startsWith("/"), "absolute paths in " + v);
            assertTrue(v.name().matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?") && v.name().length() <= 63,
                    "volume name must be a DNS-1123 label: " + v.name());
        }
        String shown = store + " " + store.location() + " " + access;
        secrets().forEach(s -> assertFalse(shown.contains(s), "a secret shows in toString or location"));
    }

    /** A pod that opens the store from its pod access (as the launcher does) reads and writes the same blobs. */
    @Test
    public void podAccessOpensTheSameStore() {
        byte[] input = "input for the pod".getBytes(StandardCharsets.UTF_8);
        store.put("pod/n1/input", input);
        byte[] output = "output from the pod".getBytes(StandardCharsets.UTF_8);
        try (ArtifactStore pod = openAsPod(store.podAccess())) {
            assertArrayEquals(input, pod.getBytes("pod/n1/input"), "the pod reads what the executor wrote");
            pod.put("pod/n1/output", output);
            assertEquals(store.describe("pod/n1/output"), pod.describe("pod/n1/output"), "same location");
        }
        assertArrayEquals(output, store.getBytes("pod/n1/output"), "the executor reads what the pod wrote");
    }

    /**
     * Opens the store the way the in-pod launcher does: settings from the pod's env only, the factory
     * chosen by the scheme of {@code data_store}.
     */
    protected ArtifactStore openAsPod(StoreAccess access) {
        Map<String, String> env = new HashMap<>(access.env());
        env.putAll(podSecretEnv());
        ArtifactStoreFactory f = factory();
        Settings.Builder b = Settings.builder().environment(env).environmentValues(env);
        f.settingKeys().forEach(b::knownKey);
        b.sensitiveKeys(f.sensitiveKeys());
        Settings settings = b.build();
        return Plugins.of(List.of(f)).artifactStore(settings.dataStore()).openInPod(settings);
    }

    // ---- helpers ----

    /**
     * Starts a writer of {@code blob} to {@code key}, holds it after 3/4 of the blob, runs
     * {@code whileHeld} three times, releases it and runs {@code whileFinishing} until it is done.
     */
    private void whileWriterIsHeld(String key, GeneratedBlob blob, Executable whileHeld, Executable whileFinishing)
            throws Exception {
        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<?> writer = pool.submit(() -> store.put(key, blob.streamPausingAt(blob.size() * 3 / 4, () -> {
                held.countDown();
                awaitQuietly(release);
            })));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
            while (!held.await(100, TimeUnit.MILLISECONDS)) {
                if (writer.isDone()) {
                    writer.get();
                    fail("the writer finished without reading its whole source");
                }
                if (System.nanoTime() > deadline) {
                    fail("the writer did not reach 3/4 of the blob within " + WAIT_SECONDS + " s");
                }
            }
            for (int i = 0; i < 3; i++) {
                whileHeld.execute();
            }
            release.countDown();
            while (!writer.isDone()) {
                whileFinishing.execute();
            }
            try {
                writer.get(WAIT_SECONDS, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                throw new AssertionError("the writer failed: " + e.getCause(), e.getCause());
            } catch (TimeoutException e) {
                fail("the writer did not finish within " + WAIT_SECONDS + " s after release");
            }
        } finally {
            release.countDown();
            pool.shutdownNow();
        }
    }

    /** The digest of the whole blob at {@code key}, or null when get() says it is missing. */
    private BlobDigest readWholeOrAbsent(String key) {
        InputStream in;
        try {
            in = store.get(key);
        } catch (ValenceException e) {
            assertEquals(ErrorKind.STORE, e.kind(), "kind of " + e);
            return null;
        }
        return BlobDigest.readAndClose(in);
    }

    private static void assertRefused(Executable call, String what) {
        ValenceException e = assertThrows(ValenceException.class, () -> call.execute(), what + " should be refused");
        assertEquals(ErrorKind.STORE, e.kind(), what + ": kind of " + e);
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Something that can throw, run by the contract. */
    @FunctionalInterface
    private interface Executable {
        void execute() throws Exception;
    }

    /** Reads at most 1000 bytes at a time, to exercise a store's stream with small reads. */
    private static final class SmallReads extends java.io.FilterInputStream {
        SmallReads(InputStream in) {
            super(in);
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            return super.read(b, off, Math.min(len, 1000));
        }
    }
}
