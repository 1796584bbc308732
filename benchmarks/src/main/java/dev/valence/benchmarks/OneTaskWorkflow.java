package dev.valence.benchmarks;

import dev.valence.api.Executor;
import dev.valence.api.Node;
import dev.valence.api.Task;
import dev.valence.api.Task1;
import dev.valence.api.Workflow;

/** The one-task workflow {@link RealClusterRoundTrip} runs with {@code valence run}: {@code echo(a) = a + "!"}. */
public final class OneTaskWorkflow {
    private OneTaskWorkflow() {
    }

    /** The workflow, its one task on the cluster's executor. */
    public static Workflow<?> workflow(Executor kubernetes, Executor local) {
        Task1<String, String> echo = Task.of("echo", s -> s + "!", kubernetes);
        return Workflow.of("one_task", (Node<String> a) -> echo.call(a));
    }
}
