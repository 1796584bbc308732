package dev.valence.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.valence.api.Node;
import dev.valence.api.NodeResult;
import dev.valence.api.Settings;
import dev.valence.api.Task;
import dev.valence.api.Task1;
import dev.valence.api.TaskCall;
import dev.valence.api.TaskRun;
import dev.valence.api.TaskStatus;
import dev.valence.api.Workflow;
import dev.valence.api.Workflow1;
import dev.valence.api.WorkflowResult;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Memoized calls on the local executor: hit, misses, TTL, failures, concurrency, corrupt entries. */
@Timeout(60)
class CallCacheLocalTest {
    /** How many times the tasks ran (they run in this JVM). */
    static final AtomicInteger RUNS = new AtomicInteger();
    static volatile CountDownLatch gate = new CountDownLatch(0);

    @TempDir
    Path tmp;
    MemoryStore store;
    LocalExecutor local;

    @BeforeEach
    void setUp() {
        RUNS.set(0);
        store = MemoryStore.at("mem://cache-" + System.nanoTime());
        local = new LocalExecutor(store, settings(Map.of()));
    }

    @AfterEach
    void tearDown() {
        local.close();
    }

    Settings settings(Map<String, Object> more) {
        Settings.Builder b = Settings.builder().environment(Map.of()).userHome(tmp).cacheDir(tmp.resolve("cache"));
        more.forEach(b::set);
        return b.build();
    }

    static Task1<Integer, Integer> square(LocalExecutor on) {
        return Task.of("square", (Integer x) -> {
            RUNS.incrementAndGet();
            return x * x;
        }, on).with(o -> o.cache(true));
    }

    long entries() {
        return store.keys().stream().filter(k -> k.startsWith("cache/") && k.endsWith("/meta.properties")).count();
    }

    @Test
    void aSecondIdenticalCallIsCachedAndDoesNotRun() {
        TaskRun<Integer> first = square(local).submit(7);
        assertEquals(49, first.await());
        assertEquals(TaskStatus.COMPLETED, first.status());
        TaskRun<Integer> second = square(local).submit(7);
        assertEquals(49, second.await());
        assertEquals(TaskStatus.CACHED, second.status());
        assertEquals(1, RUNS.get());
        assertEquals(1, entries());
    }

    @Test
    void aTaskWithoutCacheRunsEveryTime() {
        Task1<Integer, Integer> plain = Task.of("plain", (Integer x) -> {
            RUNS.incrementAndGet();
            return x;
        }, local);
        plain.submit(1).await();
        TaskRun<Integer> again = plain.submit(1);
        again.await();
        assertEquals(TaskStatus.COMPLETED, again.status());
        assertEquals(2, RUNS.get());
        assertEquals(0, entries());
    }

    @Test
    void theSettingTurnsTheCacheOnForEveryTask() {
        try (LocalExecutor cachingAll = new LocalExecutor(store, settings(Map.of("cache", true)))) {
            Task1<Integer, Integer> plain = Task.of("plain", (Integer x) -> {
                RUNS.incrementAndGet();
                return x;
            }, cachingAll);
            plain.submit(1).await();
            assertEquals(TaskStatus.CACHED, plain.submit(1).status());
            // a task's own option beats the setting
            Task1<Integer, Integer> off = plain.with(o -> o.cache(false));
            off.submit(1).await();
            assertEquals(2, RUNS.get());
        }
    }

    @Test
    void anotherArgumentIsAMiss() {
        square(local).submit(2).await();
        TaskRun<Integer> other = square(local).submit(3);
        assertEquals(9, other.await());
        assertEquals(TaskStatus.COMPLETED, other.status());
        assertEquals(2, RUNS.get());
        assertEquals(2, entries());
    }

    @Test
    void otherCodeUnderTheSameTaskNameIsAMiss() {
        square(local).submit(4).await();
        Task1<Integer, Integer> changed = Task.of("square", (Integer x) -> {
            RUNS.incrementAndGet();
            return x * x * 1;
        }, local).with(o -> o.cache(true));
        TaskRun<Integer> run = changed.submit(4);
        run.await();
        assertEquals(TaskStatus.COMPLETED, run.status());
        assertEquals(2, RUNS.get());
    }

    @Test
    void anEntryOlderThanCacheTtlIsAMiss() {
        square(local).submit(5).await();
        String meta = store.keys().stream().filter(k -> k.endsWith("/meta.properties")).findFirst().orElseThrow();
        String text = new String(store.blobs.get(meta), StandardCharsets.UTF_8);
        store.blobs.put(meta, text.replaceFirst("created=[^\\n]*", "created=2020-01-01T00\\\\:00\\\\:00Z")
                .getBytes(StandardCharsets.UTF_8));
        // without a TTL an old entry is still a hit
        assertEquals(TaskStatus.CACHED, square(local).submit(5).status());
        TaskRun<Integer> withTtl = square(local).with(o -> o.cacheTtl(Duration.ofHours(1))).submit(5);
        assertEquals(25, withTtl.await());
        assertEquals(TaskStatus.COMPLETED, withTtl.status());
        assertEquals(2, RUNS.get());
        // the run wrote a fresh entry: within the TTL now
        assertEquals(TaskStatus.CACHED, square(local).with(o -> o.cacheTtl(Duration.ofHours(1))).submit(5).status());
    }

    @Test
    void aFailedCallIsNotCached() {
        Task1<Integer, Integer> failing = Task.<Integer, Integer>of("fails", (Integer x) -> {
            RUNS.incrementAndGet();
            throw new IllegalStateException("no " + x);
        }, local).with(o -> o.cache(true));
        assertThrows(IllegalStateException.class, () -> failing.submit(1).await());
        assertEquals(0, entries());
        assertThrows(IllegalStateException.class, () -> failing.submit(1).await());
        assertEquals(2, RUNS.get());
    }

    @Test
    void aMapIsCachedWholeButNotWhenAnElementFailed() {
        Task1<Integer, Integer> inv = Task.<Integer, Integer>of("inverse", (Integer x) -> {
            RUNS.incrementAndGet();
            return 100 / x;
        }, local).with(o -> o.cache(true).minSuccessRatio(0.5));
        assertEquals(List.of(100, 50), inv.map(List.of(1, 2)).await());
        TaskRun<dev.valence.api.MapResult<Integer>> again = inv.map(List.of(1, 2));
        again.await();
        assertEquals(TaskStatus.CACHED, again.status());
        assertEquals(2, RUNS.get());
        inv.map(List.of(0, 1)).await(); // one element fails: a partial result is not cached
        TaskRun<dev.valence.api.MapResult<Integer>> partial = inv.map(List.of(0, 1));
        partial.await();
        assertEquals(TaskStatus.COMPLETED, partial.status());
        assertEquals(1, entries());
        assertEquals(6, RUNS.get(), "the partial map ran its two elements both times");
    }

    @Test
    void identicalCallsAtTheSameTimeRunOnce() throws Exception {
        gate = new CountDownLatch(1);
        Task1<Integer, Integer> slow = Task.of("slow", (Integer x) -> {
            RUNS.incrementAndGet();
            gate.await(30, TimeUnit.SECONDS);
            return x + 1;
        }, local).with(o -> o.cache(true));
        TaskRun<Integer> a = slow.submit(1);
        TaskRun<Integer> b = slow.submit(1);
        TaskRun<Integer> c = slow.submit(2);
        gate.countDown();
        assertEquals(2, a.await());
        assertEquals(2, b.await());
        assertEquals(3, c.await());
        assertEquals(TaskStatus.COMPLETED, a.status());
        assertEquals(TaskStatus.CACHED, b.status());
        assertEquals(2, RUNS.get(), "1 ran once for two calls, 2 once");
    }

    @Test
    void aCorruptOutputIsAMissNeverAWrongValue() {
        square(local).submit(6).await();
        String output = store.keys().stream().filter(k -> k.startsWith("cache/") && k.endsWith("/output")).findFirst()
                .orElseThrow();
        byte[] good = store.blobs.get(output);
        byte[] bad = good.clone();
        bad[bad.length - 1] ^= 1; // same size, another value
        store.blobs.put(output, bad);
        TaskRun<Integer> run = square(local).submit(6);
        assertEquals(36, run.await());
        assertEquals(TaskStatus.COMPLETED, run.status());
        assertEquals(2, RUNS.get());
        assertTrue(java.util.Arrays.equals(good, store.blobs.get(output)), "the run wrote the entry again");
    }

    @Test
    void badMetadataIsAMiss() {
        square(local).submit(8).await();
        String meta = store.keys().stream().filter(k -> k.endsWith("/meta.properties")).findFirst().orElseThrow();
        store.blobs.put(meta, "key=not-this-one\n".getBytes(StandardCharsets.UTF_8));
        TaskRun<Integer> run = square(local).submit(8);
        assertEquals(64, run.await());
        assertEquals(TaskStatus.COMPLETED, run.status());
        assertEquals(2, RUNS.get());
    }

    @Test
    void theEntryRecordsTheKeysParts() {
        square(local).submit(9).await();
        CacheEntries.Entry e = new CacheEntries(store).list().get(0);
        assertEquals("square", e.task());
        assertEquals(List.of("task", "code", "call", "class_path_jars", "java"), List.copyOf(e.parts().keySet()));
        assertEquals(e, new CacheEntries(store).find(e.key().substring(0, 8)));
        square(local).submit(10).await();
        List<CacheEntries.Entry> two = new CacheEntries(store).list();
        assertEquals(Set.of("call"), CacheEntries.differences(two.get(0), two.get(1)).keySet());
    }

    /** An argument whose serialized form depends on identity hash codes. */
    static final class Tag implements Serializable {
        final int n;

        Tag(int n) {
            this.n = n;
        }
    }

    @Test
    void aKeyThatChangesWhenReadBackIsFlaggedUnstable() {
        Set<Tag> tags = new HashSet<>();
        for (int i = 0; i < 32; i++) {
            tags.add(new Tag(i));
        }
        TaskCall unstable = TaskCall.builder().taskName("tags").body(args -> ((Set<?>) args[0]).size())
                .args(List.of(tags)).build();
        assertFalse(CallKey.of(unstable, Map.of()).orElseThrow().stable());
        TaskCall stable = TaskCall.builder().taskName("tags").body(args -> ((List<?>) args[0]).size())
                .args(List.of(new ArrayList<>(List.of(1, 2, 3)))).build();
        CallKey k = CallKey.of(stable, Map.of()).orElseThrow();
        assertTrue(k.stable());
        assertEquals(k.hex(), CallKey.of(stable, Map.of()).orElseThrow().hex(), "the same call, the same key");
    }

    @Test
    void aWorkflowDispatchedTwiceIsCachedNodeByNode() {
        Task1<Integer, Integer> sq = square(local);
        Workflow1<Integer, Integer> wf = Workflow.of("sum-squares", (Node<Integer> n) -> {
            Node<Integer> a = sq.call(n);
            return sq.call(a);
        });
        try (Dispatcher d = new Dispatcher(tmp.resolve("records"))) {
            WorkflowResult<Integer> first = d.result(d.dispatch(wf, List.of(2)), true);
            assertEquals(16, first.valueOrThrow());
            WorkflowResult<Integer> second = d.result(d.dispatch(wf, List.of(2)), true);
            assertEquals(16, second.valueOrThrow());
            assertEquals(TaskStatus.COMPLETED, second.status());
            assertEquals(List.of(TaskStatus.CACHED, TaskStatus.CACHED),
                    second.nodes().stream().map(NodeResult::status).toList());
            assertEquals(2, RUNS.get());
            // the record read back by another process says CACHED too
            WorkflowResult<Object> read = DispatchRecord.read(tmp.resolve("records").resolve("dispatches")
                    .resolve(second.dispatchId()), second.dispatchId()).result();
            assertTrue(read.nodes().stream().allMatch(n -> n.status() == TaskStatus.CACHED));
        }
    }

    @Test
    void withoutAStoreCacheTrueRunsEveryTime() {
        try (LocalExecutor plain = new LocalExecutor()) {
            square(plain).submit(1).await();
            TaskRun<Integer> again = square(plain).submit(1);
            again.await();
            assertEquals(TaskStatus.COMPLETED, again.status());
            assertEquals(2, RUNS.get());
        }
    }

    @Test
    void keyDiffersWhenTheEnvironmentDoes() {
        TaskCall call = TaskCall.builder().taskName("t").body(args -> 1).args(List.of()).build();
        assertNotEquals(CallKey.of(call, Map.of("java", "17")).orElseThrow().hex(),
                CallKey.of(call, Map.of("java", "21")).orElseThrow().hex());
    }
}
