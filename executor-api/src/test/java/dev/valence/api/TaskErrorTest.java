package dev.valence.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** A task's exception as a value: taken from a throwable, printed as a trace, and rebuilt as an exception. */
class TaskErrorTest {

    private static Throwable thrown() {
        try {
            try {
                Integer.parseInt("x");
            } catch (NumberFormatException e) {
                throw new IllegalStateException("cannot parse", e);
            }
        } catch (IllegalStateException e) {
            return e;
        }
        throw new AssertionError("unreachable");
    }

    @Test
    void keepsTypeMessageFramesAndCauses() {
        Throwable t = thrown();
        TaskError e = TaskError.of(t);
        assertEquals("java.lang.IllegalStateException", e.type());
        assertEquals("cannot parse", e.message());
        assertEquals(t.getStackTrace().length, e.frames().size());
        assertEquals(t.getStackTrace()[0].toString(), e.frames().get(0));
        assertEquals("java.lang.NumberFormatException", e.cause().orElseThrow().type());
        assertEquals(2, e.chain().size());
    }

    @Test
    void aCauseCycleEnds() {
        IllegalStateException a = new IllegalStateException("a");
        IllegalArgumentException b = new IllegalArgumentException("b", a);
        a.initCause(b);
        assertEquals(2, TaskError.of(a).chain().size());
    }

    @Test
    void traceCutsEachExceptionToTheFramesAsked() {
        TaskError e = TaskError.builder().type("x.Boom").message("first\nsecond").frames(List.of("a.B.c(B.java:1)",
                "a.B.d(B.java:2)", "a.B.e(B.java:3)")).cause(TaskError.builder().type("x.Cause").build()).build();
        assertEquals(List.of("x.Boom: first", "second", "\tat a.B.c(B.java:1)", "\t... 2 more", "Caused by: x.Cause"),
                e.trace(1));
        assertEquals(6, e.trace(Integer.MAX_VALUE).size());
        assertThrows(IllegalArgumentException.class, () -> e.trace(-1));
        assertEquals(ErrorKind.INTERNAL, assertThrows(ValenceException.class, () -> TaskError.builder().build()).kind());
    }

    @Test
    void rebuildsTheExceptionWithItsRemoteFramesSoItReadsBackTheSame() {
        Throwable t = thrown();
        TaskError e = TaskError.of(t);
        RemoteTaskException rebuilt = new RemoteTaskException(e);
        assertEquals("java.lang.IllegalStateException", rebuilt.remoteType());
        assertEquals(ErrorKind.TASK_FAILED, rebuilt.kind());
        // as printed: a built-in class loader's name is not printed, so it is not recovered either
        assertArrayEquals(java.util.Arrays.stream(t.getStackTrace()).map(String::valueOf).toArray(),
                java.util.Arrays.stream(rebuilt.getStackTrace()).map(String::valueOf).toArray());
        assertEquals(e, TaskError.of(rebuilt), "value → exception → value is the same value");
    }

    @Test
    void parsesEveryShapeOfFrame() {
        for (String frame : List.of("java.base/java.lang.Thread.run(Thread.java:833)", "app//com.x.Y.m(Y.java:1)",
                "com.x.Y$1.lambda$run$0(Y.java:12)", "jdk.internal.reflect.NativeMethodAccessorImpl.invoke0(Native Method)",
                "com.x.Gen.call(Unknown Source)", "com.foo@1.2/com.x.Y.m(Y.java:7)", "loader/mod@2/a.B.c(B.kt)")) {
            assertEquals(frame, RemoteTaskException.frame(frame).toString(), frame);
        }
        StackTraceElement odd = RemoteTaskException.frame("not a frame");
        assertEquals("not a frame", odd.getClassName());
    }

    @Test
    void valueOrThrowOfAFailedDispatchCarriesTheNodesException() {
        TaskError e = TaskError.of(thrown());
        NodeResult failed = NodeResult.builder().nodeId("n").taskName("t").status(TaskStatus.FAILED).executor("k8s")
                .error(e.summary()).exception(e).build();
        WorkflowResult<String> r = new WorkflowResult<>("d", "w", TaskStatus.FAILED, java.util.Optional.empty(),
                java.util.Optional.of("a node failed"), java.time.Instant.EPOCH, java.util.Optional.empty(),
                List.of(failed), false);
        ValenceException thrown = assertThrows(ValenceException.class, r::valueOrThrow);
        assertTrue(thrown.getCause() instanceof RemoteTaskException, String.valueOf(thrown.getCause()));
        assertEquals(e, TaskError.of(thrown.getCause()));
    }
}
