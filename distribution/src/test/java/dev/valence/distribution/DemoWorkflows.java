package dev.valence.distribution;

import dev.valence.api.Executor;
import dev.valence.api.Node;
import dev.valence.api.Task;
import dev.valence.api.Task1;
import dev.valence.api.Task2;
import dev.valence.api.Workflow;

/** Workflow classes following the {@code valence run} convention, for the tests. */
final class DemoWorkflows {
    private DemoWorkflows() {
    }

    /** {@code shout(repeat(word, times))}: one task on each executor. */
    public static final class Repeat {
        private Repeat() {
        }

        public static Workflow<?> workflow(Executor kubernetes, Executor local) {
            Task2<String, String, String> repeat = Task.of("repeat",
                    (word, times) -> String.join(" ", java.util.Collections.nCopies(Integer.parseInt(times), word)),
                    kubernetes);
            Task1<String, String> shout = Task.of("shout", s -> s.toUpperCase(java.util.Locale.ROOT), local);
            return Workflow.of("repeat_and_shout", (Node<String> w, Node<String> n) -> shout.call(repeat.call(w, n)));
        }
    }

    /** {@code shout(inner(word))} where {@code inner} is a sub-workflow of two tasks. */
    public static final class Nested {
        private Nested() {
        }

        public static Workflow<?> workflow(Executor kubernetes, Executor local) {
            Task1<String, String> twice = Task.of("twice", (String s) -> s + s, local);
            Task1<String, String> shout = Task.of("shout", (String s) -> s.toUpperCase(java.util.Locale.ROOT), local);
            dev.valence.api.Workflow1<String, String> inner = Workflow.of("inner",
                    (Node<String> s) -> twice.call(twice.call(s)));
            return Workflow.of("nested", (Node<String> w) -> shout.call(inner.call(w)));
        }
    }

    /** A workflow whose only task throws. */
    public static final class Failing {
        private Failing() {
        }

        public static Workflow<?> workflow(Executor kubernetes, Executor local) {
            Task1<String, String> boom = Task.of("boom", s -> {
                throw new IllegalStateException("no " + s + " today");
            }, kubernetes);
            return Workflow.of("failing", (Node<String> s) -> boom.call(s));
        }
    }

    /** A task that throws ten frames deep, with a cause: for the printed and recorded traces. */
    public static final class Deep {
        private Deep() {
        }

        /** Recurses {@code depth} times, then throws with a cause. */
        public static String descend(int depth, String s) {
            if (depth > 0) {
                return descend(depth - 1, s);
            }
            try {
                return Integer.toString(1 / (s.length() - s.length()));
            } catch (ArithmeticException e) {
                throw new IllegalStateException("no " + s + " today", e);
            }
        }

        public static Workflow<?> workflow(Executor kubernetes, Executor local) {
            Task1<String, String> boom = Task.of("boom", s -> descend(10, s), kubernetes);
            return Workflow.of("deep", (Node<String> s) -> boom.call(s));
        }
    }

    /**
     * {@code second(first(s))} on the first executor; {@code second} fails while {@link #fail} is set.
     * Runs are counted per node (the tasks run in this JVM locally, and in the tests' pod stand-ins).
     */
    public static final class TwoSteps {
        /** While true, {@code second} throws. */
        public static volatile boolean fail;
        /** How often each node ran. */
        public static final java.util.Map<String, java.util.concurrent.atomic.AtomicInteger> RUNS =
                new java.util.concurrent.ConcurrentHashMap<>();
        /** {@code second} waits for this before it returns (released unless a test holds it). */
        public static volatile java.util.concurrent.CountDownLatch hold = new java.util.concurrent.CountDownLatch(0);

        private TwoSteps() {
        }

        static int runs(String node) {
            return RUNS.getOrDefault(node, new java.util.concurrent.atomic.AtomicInteger()).get();
        }

        static void reset() {
            fail = false;
            RUNS.clear();
            hold = new java.util.concurrent.CountDownLatch(0);
        }

        public static Workflow<?> workflow(Executor kubernetes, Executor local) {
            Task1<String, String> first = Task.of("first", s -> {
                RUNS.computeIfAbsent("first", k -> new java.util.concurrent.atomic.AtomicInteger()).incrementAndGet();
                return s + "1";
            }, kubernetes);
            Task1<String, String> second = Task.of("second", s -> {
                RUNS.computeIfAbsent("second", k -> new java.util.concurrent.atomic.AtomicInteger()).incrementAndGet();
                hold.await();
                if (fail) {
                    throw new IllegalStateException("second is not ready for " + s);
                }
                return s + "2";
            }, kubernetes);
            return Workflow.of("two_steps", (Node<String> s) -> second.call(first.call(s)));
        }
    }

    /** A class without the factory method. */
    /** {@code length.map(split(words))}: a map on the Kubernetes executor where the word "boom" fails, half may. */
    public static final class WordLengths {
        private WordLengths() {
        }

        public static Workflow<?> workflow(Executor kubernetes, Executor local) {
            Task1<String, java.util.List<String>> split = Task.of("split",
                    (String s) -> new java.util.ArrayList<>(java.util.List.of(s.split(" "))), local);
            Task1<String, Integer> length = Task.of("length", (String w) -> {
                if (w.equals("boom")) {
                    throw new IllegalArgumentException("boom is not a word");
                }
                return w.length();
            }, kubernetes).with(o -> o.minSuccessRatio(0.5).parallelism(2));
            return Workflow.of("word_lengths", (Node<String> s) -> length.map(split.call(s)));
        }
    }

    public static final class NoFactory {
        private NoFactory() {
        }
    }
}
