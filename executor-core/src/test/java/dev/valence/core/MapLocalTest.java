package dev.valence.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.valence.api.ErrorKind;
import dev.valence.api.MapResult;
import dev.valence.api.Node;
import dev.valence.api.NodeResult;
import dev.valence.api.Task;
import dev.valence.api.Task1;
import dev.valence.api.TaskCall;
import dev.valence.api.TaskStatus;
import dev.valence.api.ValenceException;
import dev.valence.api.Workflow;
import dev.valence.api.Workflow1;
import dev.valence.api.WorkflowResult;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Issue 23 on the local executor: map's order, parallelism, minSuccessRatio, retries and bad input. */
@Timeout(60)
class MapLocalTest {
    @TempDir
    Path cache;

    final LocalExecutor local = new LocalExecutor();
    Dispatcher dispatcher;

    @AfterEach
    void close() {
        if (dispatcher != null) {
            dispatcher.close();
        }
        local.close();
    }

    static final class Shared {
        static final AtomicInteger running = new AtomicInteger();
        static final AtomicInteger most = new AtomicInteger();
        static final Map<Integer, AtomicInteger> tries = new ConcurrentHashMap<>();
    }

    static List<Integer> range(int n) {
        return IntStream.range(0, n).boxed().toList();
    }

    @Test
    void resultsComeInInputOrderWithAtMostParallelismElementsAtOnce() {
        Shared.running.set(0);
        Shared.most.set(0);
        Task1<Integer, Integer> square = Task.of("square", (Integer x) -> {
            Shared.most.accumulateAndGet(Shared.running.incrementAndGet(), Math::max);
            Thread.sleep(20L * (x % 3)); // later elements often finish first
            Shared.running.decrementAndGet();
            return x * x;
        }, local).with(o -> o.parallelism(3));

        MapResult<Integer> result = square.map(range(12)).await();

        assertEquals(IntStream.range(0, 12).map(x -> x * x).boxed().toList(), result);
        assertTrue(result.allSucceeded());
        assertTrue(Shared.most.get() <= 3, "at most 3 elements ran at once, saw " + Shared.most.get());
    }

    @Test
    void aFailedElementFailsTheMapNamingItsIndexUnlessMinSuccessRatioAcceptsIt() {
        Task1<Integer, Integer> picky = Task.of("picky", (Integer x) -> {
            if (x == 3) {
                throw new IllegalStateException("no threes");
            }
            return x;
        }, local);

        ValenceException all = assertThrows(ValenceException.class, () -> picky.map(range(10)).await());
        assertEquals(ErrorKind.TASK_FAILED, all.kind());
        assertTrue(all.getMessage().contains("1 of 10 elements failed") && all.getMessage().contains("elements 3; element 3: java.lang.IllegalStateException: no threes"),
                all.getMessage());
        assertInstanceOf(IllegalStateException.class, all.getCause());

        MapResult<Integer> partial = picky.with(o -> o.minSuccessRatio(0.8)).map(range(10)).await();
        assertEquals(9, partial.succeededCount());
        assertNull(partial.get(3));
        assertEquals(List.of(3), partial.failures().stream().map(e -> e.index()).toList());
        assertEquals("no threes", partial.elements().get(3).error().orElseThrow().getMessage());
        assertEquals(9, partial.get(9));
    }

    @Test
    void aFailedElementIsTriedAgainUpToItsRetries() {
        Shared.tries.clear();
        Task1<Integer, Integer> flaky = Task.of("flaky", (Integer x) -> {
            if (Shared.tries.computeIfAbsent(x, k -> new AtomicInteger()).incrementAndGet() == 1 && x % 2 == 0) {
                throw new IllegalStateException("first try of " + x);
            }
            return x;
        }, local);

        assertEquals(range(6), flaky.with(o -> o.retries(1)).map(range(6)).await());
        assertEquals(2, Shared.tries.get(4).get());
        assertEquals(1, Shared.tries.get(5).get());
    }

    @Test
    void anEmptyListGivesAnEmptyResult() {
        Task1<Integer, Integer> square = Task.of("square", (Integer x) -> x * x, local);
        MapResult<Integer> result = square.map(List.of()).await();
        assertTrue(result.isEmpty());
    }

    @Test
    void moreElementsThanTheLimitIsAnErrorNamingTheSizeAndTheLimit() {
        Task1<Integer, Integer> square = Task.of("square", (Integer x) -> x * x, local);
        List<Integer> many = new ArrayList<>(Collections.nCopies(TaskCall.MAX_MAP_ELEMENTS + 1, 1));
        ValenceException e = assertThrows(ValenceException.class, () -> square.map(many));
        assertTrue(e.getMessage().contains("100001") && e.getMessage().contains("100000"), e.getMessage());
    }

    @Test
    void aMapInAWorkflowIsOneNodeWhoseValueIsTheListOfResults() {
        Task1<Integer, List<Integer>> upTo = Task.of("up_to", (Integer n) -> new ArrayList<>(range(n)), local);
        Task1<Integer, Integer> square = Task.of("square", (Integer x) -> x * x, local);
        Task1<List<Integer>, Integer> sum = Task.of("sum", xs -> xs.stream().mapToInt(Integer::intValue).sum(), local);
        Workflow1<Integer, Integer> wf = Workflow.of("squares", (Node<Integer> n) -> sum.call(square.map(upTo.call(n))));

        WorkflowResult<Integer> r = dispatcher().result(dispatcher().dispatch(wf, List.of(5)), true);

        assertEquals(0 + 1 + 4 + 9 + 16, r.valueOrThrow());
        assertEquals(List.of("up_to", "square", "sum"), r.nodes().stream().map(NodeResult::nodeId).toList());
        Object mapped = r.node("square").orElseThrow().value().orElseThrow();
        assertEquals(List.of(0, 1, 4, 9, 16), mapped);
        assertInstanceOf(MapResult.class, mapped);
    }

    @Test
    @SuppressWarnings("unchecked")
    void aMapOverANodeThatIsNotAListFailsThatNodeSayingSo() {
        Task1<Integer, String> word = Task.of("word", (Integer n) -> "w" + n, local);
        Task1<Integer, Integer> square = Task.of("square", (Integer x) -> x * x, local);
        Workflow1<Integer, List<Integer>> wf = Workflow.of("not_a_list", (Node<Integer> n) -> {
            Node<?> notAList = word.call(n);
            return square.map((Node<List<Integer>>) notAList);
        });

        WorkflowResult<List<Integer>> r = dispatcher().result(dispatcher().dispatch(wf, List.of(5)), true);

        NodeResult node = r.node("square").orElseThrow();
        assertEquals(TaskStatus.FAILED, node.status());
        assertTrue(node.error().orElse("").contains("java.lang.String, not a list"), node.error().toString());
        assertFalse(r.status() == TaskStatus.COMPLETED);
    }

    Dispatcher dispatcher() {
        if (dispatcher == null) {
            dispatcher = new Dispatcher(cache);
        }
        return dispatcher;
    }
}
