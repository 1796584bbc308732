package com.example.hello;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.valence.core.Dispatcher;
import dev.valence.core.Valence;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The README's smallest program, run as a user runs it: the seed's workflow on the local executor. */
@Timeout(60)
class HelloValenceTest {
    @TempDir
    Path cache;

    @AfterEach
    void close() {
        Valence.use(null);
    }

    @Test
    void theSeedsWorkflowPrintsHelloWorldOnTheLocalExecutor() {
        Valence.use(new Dispatcher(cache)); // the dispatch records go here, not to ~/.cache/valence
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream stdout = System.out;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            HelloValence.main(new String[0]);
        } finally {
            System.setOut(stdout);
        }
        assertEquals("Hello, World!" + System.lineSeparator(), out.toString(StandardCharsets.UTF_8));
    }
}
