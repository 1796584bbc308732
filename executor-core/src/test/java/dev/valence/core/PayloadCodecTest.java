package dev.valence.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.valence.api.ErrorKind;
import dev.valence.api.RemoteTaskException;
import dev.valence.api.TaskBody;
import dev.valence.api.ValenceException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class PayloadCodecTest {
    private static final ClassLoader LOADER = PayloadCodecTest.class.getClassLoader();

    @Test
    void aLambdaAndItsArgumentsTravel() throws Throwable {
        String captured = "!";
        TaskBody body = args -> args[0] + " " + args[1] + captured;
        byte[] bytes = PayloadCodec.encodeInput("join", body, List.of("hello", "world"));
        PayloadCodec.Input input = PayloadCodec.decodeInput(new ByteArrayInputStream(bytes), "input", LOADER);
        assertEquals("join", input.taskName());
        assertEquals("hello world!", input.body().invoke(input.args().toArray()));
    }

    @Test
    void aPayloadFromAnotherFormatVersionIsRefusedWithBothVersions() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeUTF(PayloadCodec.MAGIC);
        out.writeInt(PayloadCodec.FORMAT + 1);
        out.writeUTF("9.9.9");
        ValenceException e = assertThrows(ValenceException.class, () -> PayloadCodec.decodeInput(
                new ByteArrayInputStream(bytes.toByteArray()), "s3://b/d/n/input", LOADER));
        assertEquals(ErrorKind.PAYLOAD, e.kind());
        assertEquals("s3://b/d/n/input was written by Valence 9.9.9 in payload format 2, but this is Valence dev "
                + "reading format 1: use the same Valence version for the executor and the task image", e.getMessage());
    }

    @Test
    void aTruncatedPayloadIsNeverDecoded() {
        byte[] whole = PayloadCodec.encodeInput("t", args -> 1, List.of("x".repeat(1000)));
        byte[] half = Arrays.copyOf(whole, whole.length / 2);
        ValenceException e = assertThrows(ValenceException.class,
                () -> PayloadCodec.decodeInput(new ByteArrayInputStream(half), "/data/d/n/input", LOADER));
        assertEquals(ErrorKind.PAYLOAD, e.kind());
        assertEquals("/data/d/n/input is truncated: it ends in the middle of the payload", e.getMessage().split("\n")[0]);
        ValenceException empty = assertThrows(ValenceException.class,
                () -> PayloadCodec.decodeInput(new ByteArrayInputStream(new byte[0]), "/x", LOADER));
        assertEquals("/x is not a Valence payload (empty or truncated header)", empty.getMessage());
        ValenceException other = assertThrows(ValenceException.class,
                () -> PayloadCodec.decodeInput(new ByteArrayInputStream("hello world".getBytes()), "/y", LOADER));
        assertEquals(ErrorKind.PAYLOAD, other.kind());
    }

    @Test
    void anExceptionThatCannotBeSerializedTravelsAsARemoteCopy() {
        class Unsendable extends RuntimeException {
            final transient Object ok = null;
            final Object notOk = new Object();

            Unsendable() {
                super("bad thing");
            }
        }
        Unsendable original = new Unsendable();
        Throwable portable = PayloadCodec.portable(original);
        RemoteTaskException remote = assertInstanceOf(RemoteTaskException.class, portable);
        assertEquals(Unsendable.class.getName(), remote.remoteType());
        assertEquals(Unsendable.class.getName() + ": bad thing", remote.getMessage());
        assertEquals(Arrays.asList(original.getStackTrace()), Arrays.asList(remote.getStackTrace()));
        IllegalStateException fine = new IllegalStateException("fine");
        assertSame(fine, PayloadCodec.portable(fine));
    }
}
