package com.example.hello;

import dev.valence.api.Executor;
import dev.valence.api.Node;
import dev.valence.api.Task;
import dev.valence.api.Task1;
import dev.valence.api.Task2;
import dev.valence.api.Workflow;
import dev.valence.api.Workflow2;
import dev.valence.api.WorkflowResult;
import dev.valence.core.LocalExecutor;
import dev.valence.core.Valence;

/** The seed's workflow: join_words, then excitement, each on an executor of its own. */
public final class HelloValence {
    private HelloValence() {
    }

    /** {@code simple_workflow(a, b) = excitement(join_words(a, b))}. */
    public static Workflow2<String, String, String> simpleWorkflow(Executor first, Executor second) {
        Task2<String, String, String> joinWords = Task.of("join_words", (a, b) -> String.join(", ", a, b), first);
        Task1<String, String> excitement = Task.of("excitement", a -> a + "!", second);
        return Workflow.of("simple_workflow", (Node<String> a, Node<String> b) -> excitement.call(joinWords.call(a, b)));
    }

    /** Runs it here, on the local executor, and prints {@code Hello, World!}. */
    public static void main(String[] args) {
        try (LocalExecutor local = new LocalExecutor()) {
            String id = Valence.dispatch(simpleWorkflow(local, local), "Hello", "World");
            WorkflowResult<String> result = Valence.result(id, String.class, true);
            System.out.println(result.valueOrThrow());
        }
    }
}
