package dev.valence.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.valence.api.ErrorKind;
import dev.valence.api.Node;
import dev.valence.api.Task;
import dev.valence.api.Task1;
import dev.valence.api.TaskRun;
import dev.valence.api.TaskStatus;
import dev.valence.api.ValenceException;
import dev.valence.api.Workflow;
import dev.valence.api.Workflow1;
import dev.valence.api.WorkflowResult;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

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
    void aResultThatCannotBeSerializedIsThePayloadErrorItIsOnACluster() {
        try (LocalExecutor local = new LocalExecutor()) {
            TaskRun<Object> run = Task.of("unsendable", () -> (Object) new Thread(), local).submit();
            ValenceException e = assertThrows(ValenceException.class, run::await);
            assertEquals(ErrorKind.PAYLOAD, e.kind());
            assertEquals("task 'unsendable' returned a value of type java.lang.Thread that cannot be serialized"
                    + " (java.lang.Thread is not Serializable)", e.getMessage());
            assertEquals(TaskStatus.FAILED, run.status());
        }
    }

    @Test
    void aWorkflowWhoseResultCannotBeSerializedFailsInsteadOfCompletingWithNull(@TempDir Path cache) {
        try (LocalExecutor local = new LocalExecutor(); Dispatcher dispatcher = new Dispatcher(cache)) {
            Task1<String, Object> unsendable = Task.of("unsendable", (String s) -> (Object) new Thread(s), local);
            Workflow1<String, Object> workflow = Workflow.of("w", (Node<String> s) -> unsendable.call(s));
            WorkflowResult<Object> result = dispatcher.result(dispatcher.dispatch(workflow, List.of("t")), true);
            assertEquals(TaskStatus.FAILED, result.status());
            ValenceException e = assertThrows(ValenceException.class, result::valueOrThrow);
            assertTrue(e.getMessage().contains("java.lang.Thread that cannot be serialized"), e.getMessage());
        }
    }

    @Test
    void theCallerGetsACopyOfTheResultAsFromACluster() {
        try (LocalExecutor local = new LocalExecutor()) {
            List<String> value = Task.of("list", () -> Shared.LIST, local).submit().await();
            assertEquals(Shared.LIST, value);
            assertNotSame(Shared.LIST, value);
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

    /** Static, so that the task returns this very object. */
    static final class Shared {
        static final ArrayList<String> LIST = new ArrayList<>(List.of("a", "b"));
    }

    /** Static, so that the serialized task reaches the same latch. */
    static final class Latches {
        static final CountDownLatch started = new CountDownLatch(1);
    }
}
