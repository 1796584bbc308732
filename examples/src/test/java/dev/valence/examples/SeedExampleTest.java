package dev.valence.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.valence.api.TaskStatus;
import dev.valence.api.WorkflowResult;
import dev.valence.core.Dispatcher;
import dev.valence.core.LocalExecutor;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SeedExampleTest {
    @TempDir
    Path cache;

    @Test
    void helloWorldBecomesExcited() {
        try (LocalExecutor a = new LocalExecutor(); LocalExecutor b = new LocalExecutor();
             Dispatcher dispatcher = new Dispatcher(cache)) {
            String id = dispatcher.dispatch(SeedExample.simpleWorkflow(a, b), List.of("Hello", "World"));
            WorkflowResult<String> result = dispatcher.result(id, true);
            assertEquals("Hello, World!", result.valueOrThrow());
            assertEquals(TaskStatus.COMPLETED, result.node("join_words").orElseThrow().status());
            assertEquals(TaskStatus.COMPLETED, result.node("excitement").orElseThrow().status());
        }
    }
}
