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

    /** A class without the factory method. */
    public static final class NoFactory {
        private NoFactory() {
        }
    }
}
