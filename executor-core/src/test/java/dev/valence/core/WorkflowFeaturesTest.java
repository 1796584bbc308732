package dev.valence.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.valence.api.ErrorKind;
import dev.valence.api.Executor;
import dev.valence.api.Node;
import dev.valence.api.NodeResult;
import dev.valence.api.RemoteTaskException;
import dev.valence.api.Task;
import dev.valence.api.Task1;
import dev.valence.api.Task2;
import dev.valence.api.Task8;
import dev.valence.api.TaskCall;
import dev.valence.api.TaskRun;
import dev.valence.api.TaskStatus;
import dev.valence.api.ValenceException;
import dev.valence.api.Workflow;
import dev.valence.api.Workflow1;
import dev.valence.api.Workflow2;
import dev.valence.api.Workflow8;
import dev.valence.api.WorkflowResult;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Issue 22 on the local executor: arity, gather, after, overrides, sub-workflows, retries, redispatch, results. */
@Timeout(60)
class WorkflowFeaturesTest {
    @TempDir
    Path cache;

    final LocalExecutor local = new LocalExecutor();
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
    }

    /** Shared with the tasks, which run in this JVM. */
    static final class Shared {
        static final Map<String, AtomicInteger> runs = new java.util.concurrent.ConcurrentHashMap<>();
        static volatile CountDownLatch release = new CountDownLatch(1);

        static int ran(String name) {
            return runs.computeIfAbsent(name, k -> new AtomicInteger()).incrementAndGet();
        }

        static int count(String name) {
            return runs.computeIfAbsent(name, k -> new AtomicInteger()).get();
        }
    }

    @Test
    void aTaskAndAWorkflowOfEightTypedArguments() {
        Task8<Integer, Long, String, Double, Boolean, Character, Short, Byte, String> eight = Task.of("eight",
                (a, b, c, d, e, f, g, h) -> a + "," + b + "," + c + "," + d + "," + e + "," + f + "," + g + "," + h, local);
        Workflow8<Integer, Long, String, Double, Boolean, Character, Short, Byte, String> wf = Workflow.of("eight_args",
                (Node<Integer> a, Node<Long> b, Node<String> c, Node<Double> d, Node<Boolean> e, Node<Character> f,
                        Node<Short> g, Node<Byte> h) -> eight.call(a, b, c, d, e, f, g, h));
        assertEquals("1,2,x,4.5,true,y,7,8", eight.submit(1, 2L, "x", 4.5, true, 'y', (short) 7, (byte) 8).await());
        String id = dispatcher().dispatch(wf, List.of(1, 2L, "x", 4.5, true, 'y', (short) 7, (byte) 8));
        assertEquals("1,2,x,4.5,true,y,7,8", dispatcher().result(id, true).valueOrThrow());
    }

    @Test
    void moreArgumentsThanTheArityIsAClearError() {
        Workflow1<String, String> wf = Workflow.of("one_arg", (Node<String> s) -> s);
        ValenceException e = assertThrows(ValenceException.class, () -> dispatcher().dispatch(wf, List.of("a", "b")));
        assertEquals("workflow 'one_arg' takes 1 argument(s) but was given 2", e.getMessage());
        Task1<String, String> t = Task.of("t", s -> s, local);
        ValenceException e2 = assertThrows(ValenceException.class, () -> t.submitArgs("a", "b"));
        assertEquals("task 't' takes 1 argument(s) but was given 2", e2.getMessage());
    }

    @Test
    void gatherPassesAListOfNodesAsOneListArgumentInOrder() {
        Task1<Integer, Integer> square = Task.of("square", x -> x * x, local);
        Task1<List<Integer>, Integer> sum = Task.of("sum", xs -> xs.stream().mapToInt(Integer::intValue).sum(), local);
        Task1<List<Integer>, String> show = Task.of("show", Object::toString, local);
        Workflow1<Integer, String> wf = Workflow.of("fan_in", (Node<Integer> n) -> {
            List<Node<Integer>> squares = new ArrayList<>();
            for (int i = 1; i <= 4; i++) {
                squares.add(square.call(Node.of(i)));
            }
            squares.add(n);
            Node<Integer> total = sum.call(Node.gather(squares));
            return show.call(Node.gather(List.of(total, Node.of(-1))));
        });
        WorkflowResult<String> r = dispatcher().result(dispatcher().dispatch(wf, List.of(100)), true);
        assertEquals("[130, -1]", r.valueOrThrow());
        assertEquals(List.of("square", "square-2", "square-3", "square-4"), r.node("sum").orElseThrow().dependsOn());
    }

    @Test
    void afterMakesANodeWaitForAnotherWithoutItsValue() throws Exception {
        Shared.release = new CountDownLatch(1);
        Task1<String, String> first = Task.of("first", s -> {
            Shared.release.await(30, TimeUnit.SECONDS);
            return s;
        }, local);
        Task1<String, String> second = Task.of("second", s -> s + "!", local);
        Workflow1<String, String> wf = Workflow.of("ordered", (Node<String> s) -> {
            Node<String> a = first.call(s);
            return second.after(a).call(s);
        });
        String id = dispatcher().dispatch(wf, List.of("x"));
        awaitStatus(id, "first", TaskStatus.RUNNING);
        assertEquals(TaskStatus.NEW, dispatcher().result(id).node("second").orElseThrow().status(),
                "second waits while first runs, though it takes none of first's value");
        Shared.release.countDown();
        WorkflowResult<String> r = dispatcher().result(id, true);
        assertEquals("x!", r.valueOrThrow());
        NodeResult a = r.node("first").orElseThrow();
        NodeResult b = r.node("second").orElseThrow();
        assertEquals(List.of("first"), b.dependsOn());
        assertFalse(b.startedAt().orElseThrow().isBefore(a.finishedAt().orElseThrow()));
    }

    @Test
    void afterOnANodeOfAnotherWorkflowIsAClearError() {
        Task1<String, String> t = Task.of("t", s -> s, local);
        List<Node<?>> leaked = new ArrayList<>();
        Workflow1<String, String> other = Workflow.of("other", (Node<String> s) -> {
            Node<String> n = t.call(s);
            leaked.add(n);
            return n;
        });
        other.graph(List.of("a"));
        Workflow1<String, String> mine = Workflow.of("mine", (Node<String> s) -> t.after(leaked.get(0)).call(s));
        ValenceException e = assertThrows(ValenceException.class, () -> mine.graph(List.of("b")));
        assertEquals(ErrorKind.WORKFLOW, e.kind());
        assertTrue(e.getMessage().startsWith("node 't' of workflow 'other' was passed to after(...) of task 't' while "
                + "recording workflow 'mine'"), e.getMessage());
    }

    @Test
    void overridesAreCheckedLikeSettingsAndNameTheTask() {
        Task1<String, String> t = Task.of("train", s -> s, local);
        ValenceException bad = assertThrows(ValenceException.class, () -> t.with(o -> o.memory("lots")));
        assertEquals(ErrorKind.CONFIG, bad.kind());
        assertTrue(bad.getMessage().startsWith("task 'train': override memory 'lots' is not valid: "), bad.getMessage());
        ValenceException unknown = assertThrows(ValenceException.class, () -> t.with(o -> o.set("namespace", "x")));
        assertTrue(unknown.getMessage().startsWith("task 'train': setting 'namespace' cannot be overridden for one task "
                + "(accepted: vcpu, memory, gpus, timeout, retries, labels, node_selector"), unknown.getMessage());
        ValenceException negative = assertThrows(ValenceException.class, () -> t.with(o -> o.retries(-1)));
        assertTrue(negative.getMessage().startsWith("task 'train': override retries '-1' is not valid"),
                negative.getMessage());
        assertThrows(ValenceException.class, () -> t.with(o -> o.attempts(0)));
        Task1<String, String> big = t.with(o -> o.vcpu("2").memory("4Gi").gpus(1));
        assertEquals(Map.of("vcpu", "2", "memory", "4Gi", "gpus", 1), big.options().settings());
        assertTrue(t.options().isEmpty(), "the original task is unchanged");
    }

    @Test
    void aSubWorkflowIsOneNodeWithItsNodesNestedUnderIt() {
        Task1<String, String> upper = Task.of("upper", (String s) -> s.toUpperCase(), local);
        Task2<String, String, String> join = Task.of("join", (a, b) -> a + "+" + b, local);
        Workflow1<String, String> inner = Workflow.of("inner", (Node<String> s) -> join.call(upper.call(s), s));
        Workflow1<String, String> outer = Workflow.of("outer", (Node<String> s) -> {
            Node<String> once = inner.call(upper.call(s));
            return join.call(inner.call(once), Node.of("end"));
        });
        String id = dispatcher().dispatch(outer, List.of("a"));
        WorkflowResult<String> r = dispatcher().result(id, true);
        assertEquals("A+A+A+A+end", r.valueOrThrow());
        assertEquals(List.of("upper", "inner/upper", "inner/join", "inner", "inner-2/upper", "inner-2/join", "inner-2",
                "join"), r.nodes().stream().map(NodeResult::nodeId).toList());
        NodeResult sub = r.node("inner").orElseThrow();
        assertTrue(sub.workflow());
        assertEquals("inner", sub.taskName());
        assertEquals(TaskStatus.COMPLETED, sub.status());
        assertEquals(java.util.Optional.of("A+A"), sub.value());
        assertEquals(List.of("inner/upper", "inner/join"), r.children("inner").stream().map(NodeResult::nodeId).toList());
        assertEquals(java.util.Optional.of("inner"), r.node("inner/join").orElseThrow().parent());
        assertTrue(sub.startedAt().isPresent() && sub.finishedAt().isPresent());
        try (Dispatcher reader = new Dispatcher(cache)) {
            WorkflowResult<String> read = reader.result(id);
            assertEquals(r.nodes(), read.nodes(), "the record keeps the nesting, values and attempts");
        }
    }

    @Test
    void aSubWorkflowThatCallsItselfIsAClearError() {
        List<Workflow1<String, String>> self = new ArrayList<>();
        Workflow1<String, String> loop = Workflow.of("loop", (Node<String> s) -> self.get(0).call(s));
        self.add(loop);
        Workflow1<String, String> top = Workflow.of("top", (Node<String> s) -> loop.call(s));
        ValenceException e = assertThrows(ValenceException.class, () -> top.graph(List.of("x")));
        assertEquals(ErrorKind.WORKFLOW, e.kind());
        assertTrue(e.getMessage().startsWith("workflow 'loop' calls itself as a sub-workflow (top -> loop -> loop)"),
                e.getMessage());
    }

    /** An executor whose first attempts of each node fail as an evicted pod does; then the local executor runs it. */
    static final class EvictingExecutor implements Executor {
        final Executor inner;
        final int failures;
        final String reason;
        final Map<String, AtomicInteger> tries = new java.util.concurrent.ConcurrentHashMap<>();

        EvictingExecutor(Executor inner, int failures, String reason) {
            this.inner = inner;
            this.failures = failures;
            this.reason = reason;
        }

        @Override
        public String name() {
            return "evicting";
        }

        @Override
        public <R> TaskRun<R> submit(TaskCall call) {
            int n = tries.computeIfAbsent(call.nodeId(), k -> new AtomicInteger()).incrementAndGet();
            assertEquals(n, call.attempt(), "the call says which attempt it is");
            assertEquals(n > 1, call.rerun(), "a retry starts afresh");
            if (n <= failures) {
                RunHandle<R> run = new RunHandle<>(call);
                run.jobName("job-" + call.nodeId() + "-" + n);
                run.fail(new ValenceException(ErrorKind.POD_FAILED, "task '" + call.taskName() + "' failed in Job job-"
                        + n + ": " + reason));
                return run;
            }
            return inner.submit(call);
        }
    }

    @Test
    void aNodeWhosePodWasEvictedIsTriedAgainAndEachAttemptIsKept() {
        EvictingExecutor evicting = new EvictingExecutor(local, 2, "Evicted: the node was low on resource: memory");
        Task1<String, String> t = Task.of("fragile", (String s) -> s + "!", evicting).with(o -> o.backoff(Duration.ZERO));
        Workflow1<String, String> wf = Workflow.of("retried", (Node<String> s) -> t.call(s));
        WorkflowResult<String> r = dispatcher().result(dispatcher().dispatch(wf, List.of("x")), true);
        assertEquals("x!", r.valueOrThrow());
        NodeResult n = r.node("fragile").orElseThrow();
        assertEquals(3, n.attempts().size());
        assertTrue(n.attempts().get(0).error().orElseThrow().contains("Evicted"));
        assertEquals(java.util.Optional.of("job-fragile-2"), n.attempts().get(1).jobName());
        assertTrue(n.attempts().get(2).error().isEmpty());
        try (Dispatcher reader = new Dispatcher(cache)) {
            assertEquals(n.attempts(), reader.result(r.dispatchId()).node("fragile").orElseThrow().attempts());
        }
    }

    @Test
    void attemptsBoundTheRetriesAndOtherFailuresAreNotRetried() {
        EvictingExecutor evicting = new EvictingExecutor(local, 5, "Evicted");
        Task1<String, String> t = Task.of("fragile", (String s) -> s, evicting).with(o -> o.attempts(2).backoff(Duration.ZERO));
        WorkflowResult<String> r = dispatcher().result(dispatcher().dispatch(
                Workflow.of("bounded", (Node<String> s) -> t.call(s)), List.of("x")), true);
        assertEquals(TaskStatus.FAILED, r.status());
        assertEquals(2, r.node("fragile").orElseThrow().attempts().size());

        EvictingExecutor oom = new EvictingExecutor(local, 5, "OOMKilled: the container used more than its memory limit");
        Task1<String, String> o = Task.of("hungry", (String s) -> s, oom).with(x -> x.backoff(Duration.ZERO));
        WorkflowResult<String> r2 = dispatcher().result(dispatcher().dispatch(
                Workflow.of("oom", (Node<String> s) -> o.call(s)), List.of("x")), true);
        assertEquals(1, r2.node("hungry").orElseThrow().attempts().size(), "an OOMKilled pod is not retried");
        assertTrue(Dispatcher.retryable(new ValenceException(ErrorKind.CLUSTER, "API server unreachable")));
        assertFalse(Dispatcher.retryable(new IllegalStateException("the task's own")));
        assertFalse(Dispatcher.retryable(new ValenceException(ErrorKind.TIMEOUT, "deadline")));
    }

    @Test
    void redispatchReusesNodesWhoseCodeAndInputsDidNotChange() {
        Task1<String, String> a = Task.of("a", s -> {
            Shared.ran("a");
            return s + "a";
        }, local);
        Task1<String, String> b = Task.of("b", s -> {
            Shared.ran("b");
            return s + "b";
        }, local);
        Task1<String, String> c = Task.of("c", s -> {
            Shared.ran("c");
            return s + "c";
        }, local);
        Workflow2<String, String, String> wf = Workflow.of("redo",
                (Node<String> x, Node<String> y) -> Task.of("join", (String p, String q) -> p + "|" + q, local)
                        .call(b.call(a.call(x)), c.call(y)));
        String first = dispatcher().dispatch(wf, List.of("1", "2"));
        assertEquals("1ab|2c", dispatcher().result(first, true).valueOrThrow());
        int a0 = Shared.count("a");
        int b0 = Shared.count("b");
        int c0 = Shared.count("c");

        String same = dispatcher().redispatch(first, wf, java.util.Optional.empty());
        WorkflowResult<String> r = dispatcher().result(same, true);
        assertEquals("1ab|2c", r.valueOrThrow());
        assertTrue(!same.equals(first));
        assertEquals(List.of(a0, b0, c0), List.of(Shared.count("a"), Shared.count("b"), Shared.count("c")),
                "nothing ran again");
        assertTrue(r.nodes().stream().allMatch(n -> n.reusedFrom().equals(java.util.Optional.of(first))));

        String changed = dispatcher().redispatch(first, wf, java.util.Optional.of(List.of("1", "3")));
        WorkflowResult<String> r2 = dispatcher().result(changed, true);
        assertEquals("1ab|3c", r2.valueOrThrow());
        assertEquals(List.of(a0, b0, c0 + 1), List.of(Shared.count("a"), Shared.count("b"), Shared.count("c")),
                "only the node whose input changed ran, and the one after it");
        assertEquals(java.util.Optional.empty(), r2.node("c").orElseThrow().reusedFrom());
        assertEquals(java.util.Optional.empty(), r2.node("join").orElseThrow().reusedFrom());
        assertEquals(java.util.Optional.of(first), r2.node("b").orElseThrow().reusedFrom());

        Task1<String, String> newA = Task.of("a", s -> s + "A", local); // same name, other code
        Workflow2<String, String, String> edited = Workflow.of("redo",
                (Node<String> x, Node<String> y) -> Task.of("join", (String p, String q) -> p + "|" + q, local)
                        .call(b.call(newA.call(x)), c.call(y)));
        WorkflowResult<String> r3 = dispatcher().result(dispatcher().redispatch(first, edited,
                java.util.Optional.empty()), true);
        assertEquals("1Ab|2c", r3.valueOrThrow(), "a's code changed: a and b after it ran again");
        assertEquals(b0 + 1, Shared.count("b"));

        ValenceException unknown = assertThrows(ValenceException.class,
                () -> dispatcher().redispatch("nosuchid", wf, java.util.Optional.empty()));
        assertTrue(unknown.getMessage().startsWith("no dispatch 'nosuchid' under "), unknown.getMessage());
    }

    @Test
    void theResultKeepsEachNodesValueAndTheFailedNodesExceptionAsTheCauseOfValueOrThrow() {
        Task2<String, String, String> joinWords = Task.of("join_words", (x, y) -> {
            throw new IllegalArgumentException("no words: " + x + y);
        }, local);
        Task1<String, String> excitement = Task.of("excitement", s -> s + "!", local);
        Task1<String, String> ok = Task.of("ok", s -> s + "ok", local);
        Workflow2<String, String, String> wf = Workflow.of("simple_workflow", (Node<String> x, Node<String> y) -> {
            ok.call(x);
            return excitement.call(joinWords.call(x, y));
        });
        WorkflowResult<String> r = dispatcher().result(dispatcher().dispatch(wf, List.of("a", "b")), true);
        assertEquals(java.util.Optional.of("aok"), r.node("ok").orElseThrow().value());
        assertEquals("not run: its input 'join_words' failed", r.node("excitement").orElseThrow().error().orElseThrow());
        ValenceException e = assertThrows(ValenceException.class, r::valueOrThrow);
        RemoteTaskException cause = assertInstanceOf(RemoteTaskException.class, e.getCause());
        assertEquals("java.lang.IllegalArgumentException", cause.remoteType());
        assertTrue(e.getMessage().contains("node 'join_words' failed: java.lang.IllegalArgumentException: no words: ab"),
                e.getMessage());
    }

    @Test
    void valenceRecordsChoosesWhereDispatchRecordsLive() {
        Path mine = cache.resolve("elsewhere");
        try {
            assertEquals(mine.resolve("dispatches").toAbsolutePath(), Valence.records(mine).toAbsolutePath());
            assertEquals(mine.resolve("dispatches").toAbsolutePath(), Valence.records().toAbsolutePath());
            String id = Valence.dispatch(Workflow.of("w", () -> Node.of("v")));
            assertEquals("v", Valence.result(id, String.class, true).valueOrThrow());
            assertTrue(java.nio.file.Files.isRegularFile(mine.resolve("dispatches").resolve(id).resolve("record.properties")));
            Task1<String, String> t = Task.of("t", (String x) -> x + "!", local);
            Workflow1<String, String> one = Workflow.of("one", (Node<String> x) -> t.call(x));
            String first = Valence.dispatch(one, "a");
            assertEquals("a!", Valence.result(first, String.class, true).valueOrThrow());
            WorkflowResult<String> same = Valence.result(Valence.redispatch(first, one), String.class, true);
            assertEquals("a!", same.valueOrThrow());
            assertEquals(java.util.Optional.of(first), same.node("t").orElseThrow().reusedFrom());
            assertEquals("b!", Valence.result(Valence.redispatch(first, one, "b"), String.class, true).valueOrThrow());
            ValenceException tooMany = assertThrows(ValenceException.class, () -> Valence.redispatch(first, one, "a", "b"));
            assertEquals("workflow 'one' takes 1 argument(s) but was given 2", tooMany.getMessage());
        } finally {
            Valence.use(null);
        }
    }

    private void awaitStatus(String id, String node, TaskStatus status) throws InterruptedException {
        while (dispatcher().result(id).node(node).orElseThrow().status() != status) {
            Thread.sleep(10);
        }
    }
}
