package dev.valence.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.valence.api.ErrorKind;
import dev.valence.api.Task;
import dev.valence.api.TaskRun;
import dev.valence.api.TaskStatus;
import dev.valence.api.ValenceException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(20)
class LocalExecutorTest {
    @Test
    void runsInThisJvmAndReturnsTheValue() {
        try (LocalExecutor local = new LocalExecutor()) {
            TaskRun<String> run = Task.of("excitement", (String s) -> s + "!", local).submit("hello");
            assertEquals("hello!", run.await());
            assertEquals(TaskStatus.COMPLETED, run.status());
            assertTrue(run.jobName().isEmpty());
            assertTrue(run.finishedAt().isPresent());
        }
    }

    @Test
    void theTasksExceptionComesBackAsItself() {
        try (LocalExecutor local = new LocalExecutor()) {
            TaskRun<String> run = Task.<String>of("boom", () -> {
                throw new IllegalArgumentException("nope");
            }, local).submit();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, run::await);
            assertEquals("nope", e.getMessage());
            assertEquals(TaskStatus.FAILED, run.status());
        }
    }

    @Test
    void argumentsThatCouldNotGoToAClusterAreRefusedHereToo() {
        try (LocalExecutor local = new LocalExecutor()) {
            ValenceException e = assertThrows(ValenceException.class,
                    () -> Task.of("t", (Object o) -> 1, local).submit(new Object()));
            assertEquals(ErrorKind.PAYLOAD, e.kind());
        }
    }

    @Test
    void cancelInterruptsTheTask() throws Exception {
        CountDownLatch started = Latches.started;
        try (LocalExecutor local = new LocalExecutor()) {
            TaskRun<String> run = Task.of("sleepy", () -> {
                Latches.started.countDown();
                Thread.sleep(60_000);
                return "late";
            }, local).submit();
            assertTrue(started.await(10, TimeUnit.SECONDS));
            assertTrue(run.cancel());
            assertThrows(CancellationException.class, () -> run.result().join());
            assertEquals(TaskStatus.CANCELLED, run.status());
            ValenceException e = assertThrows(ValenceException.class, run::await);
            assertEquals(ErrorKind.CANCELLED, e.kind());
        }
    }

    /** Static, so that the serialized task reaches the same latch. */
    static final class Latches {
        static final CountDownLatch started = new CountDownLatch(1);
    }
}
