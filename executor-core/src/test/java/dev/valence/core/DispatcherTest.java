package dev.valence.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.valence.api.ErrorKind;
import dev.valence.api.Node;
import dev.valence.api.NodeResult;
import dev.valence.api.Task;
import dev.valence.api.Task1;
import dev.valence.api.Task2;
import dev.valence.api.TaskStatus;
import dev.valence.api.ValenceException;
import dev.valence.api.Workflow;
import dev.valence.api.Workflow1;
import dev.valence.api.Workflow2;
import dev.valence.api.WorkflowResult;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class DispatcherTest {
    @TempDir
    Path cache;

    final LocalExecutor local = new LocalExecutor();
    final LocalExecutor other = new LocalExecutor();
    Dispatcher dispatcher;

    Dispatcher dispatcher() {
        if (dispatcher == null) {
            dispatcher = new Dispatcher(cache);
        }
        return dispatcher;
    }

    @AfterEach
    void close() {
        if (dispatcher != null) {
            dispatcher.close();
        }
        local.close();
        other.close();
    }

    /** Shared with the tasks, which run in this JVM. */
    static final class Shared {
        static final Map<String, Instant[]> times = new ConcurrentHashMap<>();
        static final CyclicBarrier bothMiddles = new CyclicBarrier(2);
        static final AtomicInteger runsOfA = new AtomicInteger();
        static volatile CountDownLatch release = new CountDownLatch(1);
    }

    @Test
    void theSeedsExampleRunsOnTwoExecutors() {
        Task2<String, String, String> joinWords = Task.of("join_words", (a, b) -> String.join(", ", a, b), local);
        Task1<String, String> excitement = Task.of("excitement", a -> a + "!", other);
        Workflow2<String, String, String> simple = Workflow.of("simple_workflow",
                (Node<String> a, Node<String> b) -> excitement.call(joinWords.call(a, b)));

        String id = dispatcher().dispatch(simple, List.of("Hello", "World"));
        WorkflowResult<String> result = dispatcher().result(id, true);

        assertEquals("Hello, World!", result.valueOrThrow());
        assertEquals(TaskStatus.COMPLETED, result.status());
        assertEquals(List.of("join_words", "excitement"), result.nodes().stream().map(NodeResult::nodeId).toList());
        assertEquals(List.of("join_words"), result.node("excitement").orElseThrow().dependsOn());
        assertTrue(result.nodes().stream().allMatch(n -> n.status() == TaskStatus.COMPLETED && n.executor().equals("local")
                && n.startedAt().isPresent() && n.finishedAt().isPresent()));
        // another process (a new dispatcher on the same cache_dir) reads the same record
        try (Dispatcher reader = new Dispatcher(cache)) {
            WorkflowResult<String> read = reader.result(id);
            assertEquals("Hello, World!", read.valueOrThrow());
            assertEquals(result.nodes(), read.nodes());
            assertFalse(read.orphaned());
        }
    }

    @Test
    void theTwoMiddleNodesOfADiamondRunAtTheSameTime() {
        Shared.bothMiddles.reset();
        Task1<Integer, Integer> top = Task.of("top", x -> x + 1, local);
        Task1<Integer, Integer> left = Task.of("left", x -> middle("left", x * 2), local);
        Task1<Integer, Integer> right = Task.of("right", x -> middle("right", x * 3), local);
        Task2<Integer, Integer, Integer> bottom = Task.of("bottom", Integer::sum, local);
        Workflow1<Integer, Integer> diamond = Workflow.of("diamond", (Node<Integer> x) -> {
            Node<Integer> t = top.call(x);
            return bottom.call(left.call(t), right.call(t));
        });
        WorkflowResult<Integer> r = dispatcher().result(dispatcher().dispatch(diamond, List.of(1)), true);
        assertEquals(10, r.valueOrThrow());
        Instant[] l = Shared.times.get("left");
        Instant[] rt = Shared.times.get("right");
        assertTrue(l[0].isBefore(rt[1]) && rt[0].isBefore(l[1]), "left and right overlap in time");
    }

    static int middle(String name, int value) throws Exception {
        Instant start = Instant.now();
        Shared.bothMiddles.await(20, TimeUnit.SECONDS); // trips only when both middles run at once
        Shared.times.put(name, new Instant[] {start, Instant.now()});
        return value;
    }

    @Test
    void aFailedNodeFailsItsDependantsButNotItsSiblings() {
        Task1<String, String> ok = Task.of("ok", s -> s + "1", local);
        Task1<String, String> bad = Task.of("bad", s -> {
            throw new IllegalStateException("bad input " + s);
        }, local);
        Task2<String, String, String> after = Task.of("after", (a, b) -> a + b, local);
        Workflow1<String, String> wf = Workflow.of("failing", (Node<String> s) -> {
            Node<String> sibling = ok.call(s);
            Node<String> broken = bad.call(s);
            ok.call(sibling);
            return after.call(sibling, broken);
        });
        WorkflowResult<String> r = dispatcher().result(dispatcher().dispatch(wf, List.of("x")), true);
        assertEquals(TaskStatus.FAILED, r.status());
        assertEquals(TaskStatus.COMPLETED, r.node("ok").orElseThrow().status());
        assertEquals(TaskStatus.COMPLETED, r.node("ok-2").orElseThrow().status());
        assertEquals(TaskStatus.FAILED, r.node("bad").orElseThrow().status());
        assertEquals("java.lang.IllegalStateException: bad input x", r.node("bad").orElseThrow().error().orElseThrow());
        NodeResult after1 = r.node("after").orElseThrow();
        assertEquals(TaskStatus.FAILED, after1.status());
        assertEquals("not run: its input 'bad' failed", after1.error().orElseThrow());
        ValenceException e = assertThrows(ValenceException.class, r::valueOrThrow);
        assertEquals(ErrorKind.WORKFLOW, e.kind());
    }

    @Test
    void aDispatchWhoseProcessDiedIsShownAsSuchAndResumesWithoutRerunningCompletedNodes() throws Exception {
        Shared.runsOfA.set(0);
        Shared.release = new CountDownLatch(1);
        Task1<String, String> a = Task.of("a", s -> {
            Shared.runsOfA.incrementAndGet();
            return s + "a";
        }, local);
        Task1<String, String> b = Task.of("b", s -> {
            Shared.release.await();
            return s + "b";
        }, local);
        Workflow1<String, String> wf = Workflow.of("two_steps", (Node<String> s) -> b.call(a.call(s)));
        String id;
        try (Dispatcher first = new Dispatcher(cache)) {
            id = first.dispatch(wf, List.of("x"));
            waitUntil(() -> first.result(id).node("b").orElseThrow().status() == TaskStatus.RUNNING);
        } // the process "dies" with b still running
        local.close();
        try (Dispatcher cli = new Dispatcher(cache)) {
            WorkflowResult<String> seen = cli.result(id);
            assertTrue(seen.orphaned());
            assertEquals(TaskStatus.RUNNING, seen.status());
            assertEquals(TaskStatus.COMPLETED, seen.node("a").orElseThrow().status());
        }
        Shared.release.countDown();
        try (LocalExecutor fresh = new LocalExecutor(); Dispatcher second = new Dispatcher(cache)) {
            Task1<String, String> a2 = Task.of("a", s -> {
                Shared.runsOfA.incrementAndGet();
                return s + "a";
            }, fresh);
            Task1<String, String> b2 = Task.of("b", s -> s + "b", fresh);
            Workflow1<String, String> again = Workflow.of("two_steps", (Node<String> s) -> b2.call(a2.call(s)));
            second.resume(id, again, List.of("x"));
            WorkflowResult<String> r = second.result(id, true);
            assertEquals("xab", r.valueOrThrow());
            assertEquals(1, Shared.runsOfA.get());
            assertFalse(r.orphaned());
        }
    }

    @Test
    void cancellingADispatchCancelsRunningNodesAndTheirDependants() throws Exception {
        Shared.release = new CountDownLatch(1);
        Task1<String, String> slow = Task.of("slow", s -> {
            Shared.release.await();
            return s;
        }, local);
        Task1<String, String> next = Task.of("next", s -> s, local);
        Workflow1<String, String> wf = Workflow.of("cancel_me", (Node<String> s) -> next.call(slow.call(s)));
        String id = dispatcher().dispatch(wf, List.of("x"));
        waitUntil(() -> dispatcher().result(id).node("slow").orElseThrow().status() == TaskStatus.RUNNING);
        assertTrue(dispatcher().cancel(id));
        WorkflowResult<String> r = dispatcher().result(id, true);
        assertEquals(TaskStatus.CANCELLED, r.status());
        assertEquals(TaskStatus.CANCELLED, r.node("slow").orElseThrow().status());
        assertEquals(TaskStatus.CANCELLED, r.node("next").orElseThrow().status());
        assertEquals(ErrorKind.CANCELLED, assertThrows(ValenceException.class, r::valueOrThrow).kind());
    }

    @Test
    void aThousandNodeFanOutAndFanInCompletes() {
        Task1<Integer, Integer> square = Task.of("square", x -> x * x, local);
        Task1<List<Integer>, Integer> sum = Task.of("sum", xs -> xs.stream().mapToInt(Integer::intValue).sum(), local);
        Task1<Integer, List<Integer>> range = Task.of("range", n -> {
            List<Integer> out = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                out.add(i);
            }
            return out;
        }, local);
        Task2<Integer, Integer, Integer> add = Task.of("add", Integer::sum, local);
        Workflow1<Integer, Integer> fan = Workflow.of("fan", (Node<Integer> n) -> {
            Node<Integer> acc = Node.of(0);
            for (int i = 0; i < 1000; i++) {
                acc = add.call(acc, square.call(Node.of(i)));
            }
            return acc;
        });
        WorkflowResult<Integer> r = dispatcher().result(dispatcher().dispatch(fan, List.of(1000)), true);
        assertEquals(332_833_500, r.valueOrThrow());
        assertEquals(2000, r.nodes().size());
    }

    @Test
    void badInputsAreClearErrors() {
        Task1<String, String> t = Task.of("t", s -> s, local);
        ValenceException outside = assertThrows(ValenceException.class, () -> t.call(Node.of("x")));
        assertEquals(ErrorKind.WORKFLOW, outside.kind());
        assertEquals("task 't' was called with workflow nodes outside a workflow definition: call it inside "
                + "Workflow.of(...), or run it directly with submit(...) and plain values", outside.getMessage());

        ValenceException unknown = assertThrows(ValenceException.class, () -> dispatcher().result("nope"));
        assertEquals("no dispatch 'nope' under " + cache.resolve("dispatches")
                + " (see the dispatches there with: valence dispatches)", unknown.getMessage());

        Workflow1<String, String> wf = Workflow.of("wf", (Node<String> s) -> t.call(s));
        ValenceException arity = assertThrows(ValenceException.class, () -> dispatcher().dispatch(wf, List.of()));
        assertEquals("workflow 'wf' takes 1 argument(s) but was given 0", arity.getMessage());

        Workflow1<String, String> nothing = Workflow.of("nothing", (Node<String> s) -> null);
        ValenceException nul = assertThrows(ValenceException.class, () -> dispatcher().dispatch(nothing, List.of("x")));
        assertTrue(nul.getMessage().startsWith("workflow 'nothing' returned null"), nul.getMessage());

        ValenceException badId = assertThrows(ValenceException.class, () -> dispatcher().result("../etc"));
        assertEquals("dispatch id '../etc' is not valid: expected letters, digits, '_', '.' or '-'", badId.getMessage());

        local.close();
        String id = dispatcher().dispatch(wf, List.of("x"));
        WorkflowResult<String> closed = dispatcher().result(id, true);
        assertEquals(TaskStatus.FAILED, closed.status());
        assertEquals("dev.valence.api.ValenceException[CONFIG]: executor local is closed; tasks cannot be submitted to it",
                closed.node("t").orElseThrow().error().orElseThrow());
    }

    private static void waitUntil(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within 20 s");
            }
            Thread.sleep(10);
        }
    }
}
