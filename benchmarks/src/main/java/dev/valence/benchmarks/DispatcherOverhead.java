package dev.valence.benchmarks;

import dev.valence.api.Fn;
import dev.valence.api.Node;
import dev.valence.api.Task;
import dev.valence.api.Task1;
import dev.valence.api.Task2;
import dev.valence.api.TaskCall;
import dev.valence.api.TaskStatus;
import dev.valence.api.Workflow;
import dev.valence.api.Workflow1;
import dev.valence.api.WorkflowGraph;
import dev.valence.api.WorkflowResult;
import dev.valence.core.Dispatcher;
import dev.valence.core.LocalExecutor;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Issue 9: what the workflow dispatcher costs per node on the local executor. A workflow of
 * {@code --nodes} nodes, in two shapes (a chain, and a fan-out/fan-in: one source, {@code nodes/2}
 * independent leaves, reduced pairwise by a tree), is run three ways in the same JVM, interleaved:
 * <ol>
 *   <li>direct: the same functions called in a plain loop (the baseline);</li>
 *   <li>executor only: each node submitted to the {@link LocalExecutor} as soon as its inputs are
 *       ready, with plain futures (no dispatcher, no records);</li>
 *   <li>dispatcher: {@link Dispatcher#dispatch} then {@code result(id, wait)}, records on disk.</li>
 * </ol>
 * Prints the medians, µs per node, and the ratios against the direct loop.
 */
public final class DispatcherOverhead {
    private static volatile Object sink;

    private DispatcherOverhead() {
    }

    /** Options: {@code --nodes=1000 --warmup=3 --runs=10}. */
    public static void main(String[] args) throws Exception {
        Logging.quiet();
        run(Options.parse(args), System.out);
    }

    static void run(Options o, PrintStream out) throws Exception {
        o.only("nodes", "warmup", "runs");
        int nodes = o.integer("nodes", 1000);
        int warmup = o.integer("warmup", 3);
        int runs = o.integer("runs", 10);
        if (nodes < 2 || nodes % 2 != 0) {
            throw new IllegalArgumentException("--nodes=" + nodes + ": give an even number of at least 2");
        }
        Path cache = Files.createTempDirectory("valence-bench-dispatch");
        out.printf("Dispatcher overhead per node (issue 9): %d nodes, %d warm-up + %d measured runs per way, "
                + "interleaved; %d cores, Java %s%n", nodes, warmup, runs, Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.version"));
        Table table = new Table("shape", "way", "median ms", "min ms", "µs/node", "× direct", "× executor only");
        List<String> notes = new ArrayList<>();
        try (LocalExecutor local = new LocalExecutor(); Dispatcher dispatcher = new Dispatcher(cache)) {
            for (Shape shape : List.of(chain(nodes, local), fan(nodes, local))) {
                Samples direct = new Samples();
                Samples executorOnly = new Samples();
                Samples dispatched = new Samples();
                int expected = shape.direct();
                for (int r = 0; r < warmup + runs; r++) {
                    boolean measured = r >= warmup;
                    long d = timeDirect(shape);
                    long e = time(() -> check(shape, onExecutor(shape.workflow.graph(List.of(1))), expected));
                    long w = time(() -> check(shape, dispatch(dispatcher, shape, nodes), expected));
                    if (measured) {
                        direct.add(d);
                        executorOnly.add(e);
                        dispatched.add(w);
                    }
                }
                row(table, shape.name, "direct loop", direct, nodes, direct, executorOnly);
                row(table, shape.name, "LocalExecutor only", executorOnly, nodes, direct, executorOnly);
                row(table, shape.name, "Dispatcher + LocalExecutor", dispatched, nodes, direct, executorOnly);
                notes.add(String.format(java.util.Locale.ROOT,
                        "%s: dispatcher overhead %.1f µs/node over the direct loop (%.1f µs/node over the executor alone)",
                        shape.name, Samples.us(dispatched.median() - direct.median()) / nodes,
                        Samples.us(dispatched.median() - executorOnly.median()) / nodes));
            }
        } finally {
            Files2.deleteTree(cache);
        }
        table.print(out);
        notes.forEach(out::println);
    }

    private static void row(Table t, String shape, String way, Samples s, int nodes, Samples direct, Samples exec) {
        t.row(shape, way, Samples.ms(s.median()), Samples.ms(s.min()), Samples.us(s.median()) / nodes,
                (double) s.median() / Math.max(1, direct.median()), (double) s.median() / Math.max(1, exec.median()));
    }

    /** One workflow shape: its graph and the same functions called directly. */
    private record Shape(String name, Workflow1<Integer, Integer> workflow, Direct loop) {
        int direct() throws Exception {
            return loop.run();
        }
    }

    @FunctionalInterface
    private interface Direct {
        int run() throws Exception;
    }

    private static final Fn.Fn1<Integer, Integer> INC = x -> x + 1;
    private static final Fn.Fn2<Integer, Integer, Integer> LEAF = (s, i) -> s * 31 + i;
    private static final Fn.Fn2<Integer, Integer, Integer> ADD = Integer::sum;

    /** {@code nodes} increments, each feeding the next. */
    static Shape chain(int nodes, LocalExecutor local) {
        Task1<Integer, Integer> inc = Task.of("inc", INC, local);
        Workflow1<Integer, Integer> wf = Workflow.of("chain", (Node<Integer> x) -> {
            Node<Integer> n = x;
            for (int i = 0; i < nodes; i++) {
                n = inc.call(n);
            }
            return n;
        });
        return new Shape("chain", wf, () -> {
            int n = 1;
            for (int i = 0; i < nodes; i++) {
                n = INC.apply(n);
            }
            return n;
        });
    }

    /** One source, {@code nodes/2} leaves on it, reduced pairwise: {@code 1 + L + (L - 1) = nodes}. */
    static Shape fan(int nodes, LocalExecutor local) {
        int leaves = nodes / 2;
        Task1<Integer, Integer> source = Task.of("source", INC, local);
        Task2<Integer, Integer, Integer> leaf = Task.of("leaf", LEAF, local);
        Task2<Integer, Integer, Integer> add = Task.of("add", ADD, local);
        Workflow1<Integer, Integer> wf = Workflow.of("fan", (Node<Integer> x) -> {
            Node<Integer> s = source.call(x);
            List<Node<Integer>> level = new ArrayList<>();
            for (int i = 0; i < leaves; i++) {
                level.add(leaf.call(s, Node.of(i)));
            }
            while (level.size() > 1) {
                List<Node<Integer>> next = new ArrayList<>();
                for (int i = 0; i + 1 < level.size(); i += 2) {
                    next.add(add.call(level.get(i), level.get(i + 1)));
                }
                if (level.size() % 2 == 1) {
                    next.add(level.get(level.size() - 1));
                }
                level = next;
            }
            return level.get(0);
        });
        return new Shape("fan-out/fan-in", wf, () -> {
            int s = INC.apply(1);
            List<Integer> level = new ArrayList<>();
            for (int i = 0; i < leaves; i++) {
                level.add(LEAF.apply(s, i));
            }
            while (level.size() > 1) {
                List<Integer> next = new ArrayList<>();
                for (int i = 0; i + 1 < level.size(); i += 2) {
                    next.add(ADD.apply(level.get(i), level.get(i + 1)));
                }
                if (level.size() % 2 == 1) {
                    next.add(level.get(level.size() - 1));
                }
                level = next;
            }
            return level.get(0);
        });
    }

    /** The direct loop is microseconds: time enough repetitions to read a clock, per repetition. */
    private static long timeDirect(Shape shape) throws Exception {
        int reps = 1;
        while (true) {
            long t0 = System.nanoTime();
            for (int i = 0; i < reps; i++) {
                sink = shape.direct();
            }
            long took = System.nanoTime() - t0;
            if (took > 20_000_000L || reps >= 1 << 20) {
                return took / reps;
            }
            reps *= 4;
        }
    }

    @FunctionalInterface
    private interface Work {
        void run() throws Exception;
    }

    private static long time(Work w) throws Exception {
        long t0 = System.nanoTime();
        w.run();
        return System.nanoTime() - t0;
    }

    private static void check(Shape shape, Object value, int expected) {
        if (!Integer.valueOf(expected).equals(value)) {
            throw new IllegalStateException(shape.name + " gave " + value + ", the direct loop " + expected);
        }
        sink = value;
    }

    private static Object dispatch(Dispatcher dispatcher, Shape shape, int nodes) {
        String id = dispatcher.dispatch(shape.workflow, List.of(1));
        WorkflowResult<Integer> r = dispatcher.result(id, true);
        if (r.status() != TaskStatus.COMPLETED || r.nodes().size() != nodes) {
            throw new IllegalStateException("dispatch " + id + " ended " + r.status() + " with " + r.nodes().size()
                    + " nodes; expected COMPLETED with " + nodes);
        }
        return r.valueOrThrow();
    }

    /** The graph run on its tasks' executor with plain futures: what the dispatcher does, minus records. */
    static Object onExecutor(WorkflowGraph graph) {
        String dispatchId = TaskCall.newDispatchId();
        Map<String, CompletableFuture<Object>> values = new java.util.concurrent.ConcurrentHashMap<>();
        for (WorkflowGraph.Step step : graph.steps()) {
            CompletableFuture<?>[] deps = step.dependencies().stream().map(values::get).toArray(CompletableFuture[]::new);
            values.put(step.nodeId(), CompletableFuture.allOf(deps).thenCompose(ignored -> {
                List<Object> args = new ArrayList<>();
                for (WorkflowGraph.Input in : step.inputs()) {
                    args.add(in instanceof WorkflowGraph.Constant c ? c.value()
                            : values.get(((WorkflowGraph.FromStep) in).nodeId()).join());
                }
                dev.valence.api.Task<?> task = step.task().orElseThrow(); // the benchmark's graph has no sub-workflow
                TaskCall call = TaskCall.builder().dispatchId(dispatchId).nodeId(step.nodeId())
                        .taskName(task.name()).body(task.body()).args(args).build();
                return task.executor().<Object>submit(call).result();
            }));
        }
        WorkflowGraph.Input out = graph.output();
        return out instanceof WorkflowGraph.Constant c ? c.value()
                : values.get(((WorkflowGraph.FromStep) out).nodeId()).join();
    }
}
