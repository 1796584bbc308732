package dev.valence.core;

import dev.valence.api.ErrorKind;
import dev.valence.api.RemoteTaskException;
import dev.valence.api.TaskBody;
import dev.valence.api.ValenceException;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InvalidClassException;
import java.io.NotSerializableException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.ObjectStreamClass;
import java.io.OutputStream;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * Task payloads on the wire: a header (magic, format version, Valence version) then a Java
 * serialization stream. Inputs hold the function and its arguments; outputs hold the value or the
 * task's exception. A payload of another format version is refused with a clear error.
 */
final class PayloadCodec {
    static final String MAGIC = "valence-payload";
    static final int FORMAT = 1;

    /** What the launcher runs. */
    record Input(String taskName, TaskBody body, List<Object> args) implements Serializable {
        private static final long serialVersionUID = 1L;
    }

    /** What the launcher writes back: a value, or the task's exception. */
    record Output(boolean ok, Object value, Throwable error) implements Serializable {
        private static final long serialVersionUID = 1L;

        static Output value(Object value) {
            return new Output(true, value, null);
        }

        static Output error(Throwable error) {
            return new Output(false, null, error);
        }
    }

    private PayloadCodec() {
    }

    static byte[] encodeInput(String taskName, TaskBody body, List<Object> args) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try {
            write(bytes, new Input(taskName, body, new ArrayList<>(args)));
        } catch (NotSerializableException e) {
            throw new ValenceException(ErrorKind.PAYLOAD, "task '" + taskName + "' cannot be sent: " + e.getMessage()
                    + " is not Serializable (a task's function, its captured variables and its arguments must be)", e);
        } catch (IOException e) {
            throw new ValenceException(ErrorKind.PAYLOAD, "task '" + taskName + "' cannot be sent: " + e, e);
        }
        return bytes.toByteArray();
    }

    /** One element of a map, as its own payload (an output-shaped value), so a pod reads only its own. */
    static byte[] encodeElement(String taskName, int index, Object element) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try {
            write(bytes, Output.value(element));
        } catch (NotSerializableException e) {
            throw new ValenceException(ErrorKind.PAYLOAD, "element " + index + " of the map of task '" + taskName
                    + "' cannot be sent: " + e.getMessage() + " is not Serializable (the elements of a map must be)", e);
        } catch (IOException e) {
            throw new ValenceException(ErrorKind.PAYLOAD, "element " + index + " of the map of task '" + taskName
                    + "' cannot be sent: " + e, e);
        }
        return bytes.toByteArray();
    }

    /** Writes the header and the object; throws what serialization throws. */
    static void write(OutputStream out, Object payload) throws IOException {
        DataOutputStream header = new DataOutputStream(out);
        header.writeUTF(MAGIC);
        header.writeInt(FORMAT);
        header.writeUTF(Versions.valence());
        header.flush();
        ObjectOutputStream oos = new ObjectOutputStream(out);
        oos.writeObject(payload);
        oos.flush();
    }

    static Input decodeInput(InputStream in, String where, ClassLoader loader) {
        return read(in, where, loader, Input.class);
    }

    static Output decodeOutput(InputStream in, String where, ClassLoader loader) {
        return read(in, where, loader, Output.class);
    }

    private static <T> T read(InputStream in, String where, ClassLoader loader, Class<T> type) {
        try {
            DataInputStream header = new DataInputStream(in);
            String magic;
            try {
                magic = header.readUTF();
            } catch (EOFException | java.io.UTFDataFormatException e) {
                throw new ValenceException(ErrorKind.PAYLOAD, where + " is not a Valence payload (empty or truncated header)");
            }
            if (!MAGIC.equals(magic)) {
                throw new ValenceException(ErrorKind.PAYLOAD, where + " is not a Valence payload");
            }
            int format = header.readInt();
            String version = header.readUTF();
            if (format != FORMAT) {
                throw new ValenceException(ErrorKind.PAYLOAD, where + " was written by Valence " + version
                        + " in payload format " + format + ", but this is Valence " + Versions.valence()
                        + " reading format " + FORMAT + ": use the same Valence version for the executor and the task image");
            }
            try (ObjectInputStream ois = new LoaderObjectInputStream(in, loader)) {
                Object o = ois.readObject();
                if (!type.isInstance(o)) {
                    throw new ValenceException(ErrorKind.PAYLOAD, where + " holds a " + o.getClass().getName()
                            + ", expected a " + type.getSimpleName());
                }
                return type.cast(o);
            }
        } catch (ClassNotFoundException | InvalidClassException e) {
            throw new ValenceException(ErrorKind.PAYLOAD, where + " needs a class this JVM does not have or has in "
                    + "another version (" + e.getMessage() + "): the task image and the executor must share the classpath", e);
        } catch (EOFException e) {
            throw new ValenceException(ErrorKind.PAYLOAD, where + " is truncated: it ends in the middle of the payload", e);
        } catch (IOException e) {
            throw new ValenceException(ErrorKind.PAYLOAD, where + " cannot be decoded: " + e, e);
        }
    }

    /**
     * An output as the caller of a task receives it, on every executor: serialized and read back, so the
     * caller gets a copy, and a value that cannot be serialized becomes a {@link ErrorKind#PAYLOAD} error
     * (as the in-pod launcher writes it) instead of travelling by reference.
     */
    static Output roundTrip(String taskName, Output output, ClassLoader loader) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try {
            try {
                write(bytes, output);
            } catch (NotSerializableException e) {
                bytes.reset();
                write(bytes, Output.error(notSerializable(taskName, output, e)));
            }
        } catch (IOException e) {
            throw new ValenceException(ErrorKind.PAYLOAD, "output of task '" + taskName + "' cannot be encoded: " + e, e);
        }
        return decodeOutput(new java.io.ByteArrayInputStream(bytes.toByteArray()), "output of task '" + taskName + "'", loader);
    }

    /** The error that takes the place of an output that cannot be serialized. */
    static ValenceException notSerializable(String taskName, Output output, NotSerializableException e) {
        String type = output.ok() ? output.value().getClass().getName() : String.valueOf(output.error());
        return new ValenceException(ErrorKind.PAYLOAD, "task '" + taskName + "' returned a value of type " + type
                + " that cannot be serialized (" + e.getMessage() + " is not Serializable)");
    }

    /** Makes a throwable safe to serialize: itself when it is, else a {@link RemoteTaskException} copy. */
    static Throwable portable(Throwable t) {
        try (ObjectOutputStream probe = new ObjectOutputStream(OutputStream.nullOutputStream())) {
            probe.writeObject(t);
            return t;
        } catch (IOException e) {
            return new RemoteTaskException(t);
        }
    }

    /** Object stream that resolves classes with a given loader (lambdas included). */
    private static final class LoaderObjectInputStream extends ObjectInputStream {
        private final ClassLoader loader;

        LoaderObjectInputStream(InputStream in, ClassLoader loader) throws IOException {
            super(in);
            this.loader = loader;
        }

        @Override
        protected Class<?> resolveClass(ObjectStreamClass desc) throws IOException, ClassNotFoundException {
            try {
                return Class.forName(desc.getName(), false, loader);
            } catch (ClassNotFoundException e) {
                return super.resolveClass(desc);
            }
        }
    }
}
