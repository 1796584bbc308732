package dev.valence.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.valence.api.ErrorKind;
import dev.valence.api.Node;
import dev.valence.api.NodeResult;
import dev.valence.api.RemoteTaskException;
import dev.valence.api.Task;
import dev.valence.api.Task1;
import dev.valence.api.TaskError;
import dev.valence.api.TaskStatus;
import dev.valence.api.ValenceException;
import dev.valence.api.Workflow;
import dev.valence.api.Workflow1;
import dev.valence.api.WorkflowResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a dispatch record keeps beyond statuses: each failed node's exception (type, message, stack
 * frames, causes) and the source that builds the workflow again; and that records written before
 * either existed still load.
 */
@Timeout(60)
class DispatchRecordTest {
    @TempDir
    Path cache;

    final LocalExecutor local = new LocalExecutor();

    @AfterEach
    void close() {
        local.close();
    }

    /** Thrown by the failing task, with a cause, from a named method so its frame can be looked for. */
    static String explode(String input) {
        try {
            Integer.parseInt(input);
            return input;
        } catch (NumberFormatException e) {
            throw new IllegalStateException("cannot use '" + input + "'", e);
        }
    }

    private Workflow1<String, String> failing() {
        Task1<String, String> ok = Task.of("ok", s -> s + "!", local);
        Task1<String, String> boom = Task.of("boom", DispatchRecordTest::explode, local);
        return Workflow.of("failing", (Node<String> s) -> boom.call(ok.call(s)));
    }

    @Test
    void aFailedNodeKeepsItsExceptionWithFramesAndCausesAndAnotherProcessReadsThemBack() {
        String id;
        TaskError live;
        try (Dispatcher d = new Dispatcher(cache)) {
            id = d.dispatch(failing(), List.of("x"));
            WorkflowResult<String> r = d.result(id, true);
            assertEquals(TaskStatus.FAILED, r.status());
            NodeResult boom = r.node("boom").orElseThrow();
            live = boom.exception().orElseThrow(() -> new AssertionError("no exception kept: " + boom));
            assertEquals("java.lang.IllegalStateException", live.type());
            assertEquals("cannot use 'x!'", live.message());
            assertTrue(live.frames().stream().anyMatch(f -> f.startsWith(DispatchRecordTest.class.getName() + ".explode(")),
                    live.frames().toString());
            TaskError cause = live.cause().orElseThrow();
            assertEquals("java.lang.NumberFormatException", cause.type());
            assertEquals("For input string: \"x!\"", cause.message());
            assertFalse(cause.frames().isEmpty());
            assertEquals(live, r.failures().get("boom"));
            assertTrue(r.node("ok").orElseThrow().exception().isEmpty(), "a completed node has no exception");
        }
        try (Dispatcher other = new Dispatcher(cache)) {
            WorkflowResult<Object> read = other.result(id);
            assertEquals(Optional.of(live), read.node("boom").orElseThrow().exception(), "the record keeps it whole");
            List<String> trace = read.failures().get("boom").trace(2);
            assertEquals("java.lang.IllegalStateException: cannot use 'x!'", trace.get(0));
            assertTrue(trace.get(1).startsWith("\tat "), trace.toString());
            assertTrue(trace.contains("Caused by: java.lang.NumberFormatException: For input string: \"x!\""),
                    trace.toString());
        }
    }

    @Test
    void aRemoteExceptionKeepsTheTypeOfTheTasksOwnException() {
        IllegalArgumentException original = new IllegalArgumentException("bad\nsecond line");
        TaskError e = TaskError.of(new RemoteTaskException(original));
        assertEquals("java.lang.IllegalArgumentException", e.type());
        assertEquals("bad\nsecond line", e.message());
        assertEquals(original.getStackTrace().length, e.frames().size());
        List<String> trace = e.trace(0);
        assertEquals(List.of("java.lang.IllegalArgumentException: bad", "second line",
                "\t... " + e.frames().size() + " more"), trace);
    }

    @Test
    void aRecordWrittenBeforeExceptionsAndSourcesWereKeptStillLoads() throws IOException {
        Path dir = Files.createDirectories(cache.resolve("dispatches").resolve("0123456789ab"));
        Files.writeString(dir.resolve(DispatchRecord.FILE), """
                id=0123456789ab
                workflow=failing
                status=FAILED
                started=2026-12-01T10\\:00\\:00Z
                finished=2026-12-01T10\\:00\\:05Z
                error=java.lang.IllegalStateException\\: boom
                pid=1
                host=elsewhere
                closed_early=false
                nodes=boom
                node.boom.task=boom
                node.boom.status=FAILED
                node.boom.executor=k8s
                node.boom.started=2026-12-01T10\\:00\\:01Z
                node.boom.finished=2026-12-01T10\\:00\\:04Z
                node.boom.error=java.lang.IllegalStateException\\: boom
                node.boom.depends_on=
                """);
        try (Dispatcher d = new Dispatcher(cache)) {
            WorkflowResult<Object> r = d.result("0123456789ab");
            NodeResult boom = r.node("boom").orElseThrow();
            assertEquals(TaskStatus.FAILED, boom.status());
            assertEquals(Optional.of("java.lang.IllegalStateException: boom"), boom.error());
            assertEquals(Optional.empty(), boom.exception());
            assertTrue(r.failures().isEmpty());
            assertEquals(Optional.empty(), d.source("0123456789ab"));
        }
    }

    @Test
    void theSourceIsRecordedAndKeptByAResume() {
        DispatchSource source = new DispatchSource(Optional.of("com.example.Failing"), List.of("x", "a b=c\n"), "local");
        String id;
        try (Dispatcher d = new Dispatcher(cache)) {
            id = d.dispatch(failing(), List.of("x"), source);
            d.result(id, true);
        }
        try (Dispatcher d = new Dispatcher(cache)) {
            assertEquals(Optional.of(source), d.source(id));
            d.resume(id, failing(), List.of("x"));
            d.result(id, true);
        }
        try (Dispatcher d = new Dispatcher(cache)) {
            assertEquals(Optional.of(source), d.source(id), "a resume keeps what builds the workflow");
        }
    }

    @Test
    void aDispatchWhoseProcessStillLivesIsNotResumed() throws Exception {
        String id;
        try (Dispatcher d = new Dispatcher(cache)) {
            id = d.dispatch(failing(), List.of("x"));
            d.result(id, true);
        }
        Process alive = new ProcessBuilder("sleep", "60").start();
        try {
            Path file = cache.resolve("dispatches").resolve(id).resolve(DispatchRecord.FILE);
            String text = Files.readString(file).replaceAll("(?m)^status=.*$", "status=RUNNING")
                    .replaceAll("(?m)^pid=.*$", "pid=" + alive.pid()).replaceAll("(?m)^finished=.*$", "");
            Files.writeString(file, text);
            try (Dispatcher d = new Dispatcher(cache)) {
                assertFalse(d.result(id).orphaned());
                assertEquals(Optional.of(new Dispatcher.Owner(alive.pid(), hostOf(text), false)), d.runningElsewhere(id));
                ValenceException e = assertThrows(ValenceException.class, () -> d.resume(id, failing(), List.of("x")));
                assertEquals(ErrorKind.WORKFLOW, e.kind());
                assertTrue(e.getMessage().startsWith("dispatch " + id + " is still running in process " + alive.pid()
                        + " on host "), e.getMessage());
            }
        } finally {
            alive.destroy();
            alive.waitFor(10, TimeUnit.SECONDS);
        }
        try (Dispatcher d = new Dispatcher(cache)) {
            assertTrue(d.result(id).orphaned(), "its process is gone now");
            assertEquals(Optional.empty(), d.runningElsewhere(id));
            d.resume(id, failing(), List.of("x"));
            assertEquals(TaskStatus.FAILED, d.result(id, true).status());
        }
    }

    private static String hostOf(String record) {
        return record.lines().filter(l -> l.startsWith("host=")).findFirst().orElseThrow().substring(5);
    }
}
