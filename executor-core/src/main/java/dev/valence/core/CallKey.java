package dev.valence.core;

import dev.valence.api.ErrorKind;
import dev.valence.api.TaskCall;
import dev.valence.api.ValenceException;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The key of a memoized call: SHA-256 over its named parts — {@code task} (its name), {@code code}
 * ({@link CodeReach}: the class files of the user-layer classes the function reaches), {@code call} (the
 * bytes {@link PayloadCodec} writes for the function with its captured values and the arguments),
 * {@code map} for a map call, and the executor's environment parts (the Kubernetes executor: the base
 * image and the digests of the dependency and runtime layers; the local executor: the class path's jars
 * and the JVM). The parts are kept, by name, so that an entry can say why another call missed it.
 */
record CallKey(String hex, Map<String, String> parts, boolean stable) {
    private static final Logger LOG = LoggerFactory.getLogger(CallKey.class);
    /** Tasks already warned about (once per task name and JVM). */
    private static final Set<String> WARNED = ConcurrentHashMap.newKeySet();

    CallKey {
        Objects.requireNonNull(hex, "hex");
        parts = Collections.unmodifiableMap(new LinkedHashMap<>(parts));
    }

    /**
     * The key of a call on an executor with these environment parts; empty when the call cannot be
     * serialized (it then runs, and fails as any unserializable call does). The serialized call is read
     * back and written again: when the two forms differ (a set of objects hashed by identity, a field that
     * changes when written), the key is not stable across processes — a WARN names the task.
     */
    static Optional<CallKey> of(TaskCall call, Map<String, String> environment) {
        byte[] payload;
        try {
            payload = PayloadCodec.encodeInput(call.taskName(), call.body(), call.args());
        } catch (ValenceException e) {
            return Optional.empty();
        }
        Optional<CodeReach.Identity> code = CodeReach.of(call.body());
        if (code.isEmpty()) {
            return Optional.empty();
        }
        boolean stable = stable(call, payload);
        Map<String, String> parts = new LinkedHashMap<>();
        parts.put("task", call.taskName());
        parts.put("code", code.get().digest());
        parts.put("call", hex(sha256().digest(payload)));
        if (call.map()) {
            parts.put("map", "min_success_ratio=" + call.options().minSuccessRatio() + ",retries="
                    + call.options().elementRetries());
        }
        parts.putAll(environment);
        return Optional.of(new CallKey(digestOf(parts), parts, stable));
    }

    /** The key over parts as recorded (what {@code cache show} checks an entry with). */
    static String digestOf(Map<String, String> parts) {
        MessageDigest md = sha256();
        parts.forEach((name, value) -> {
            md.update(name.getBytes(StandardCharsets.UTF_8));
            md.update((byte) '=');
            md.update(value.getBytes(StandardCharsets.UTF_8));
            md.update((byte) 0);
        });
        return hex(md.digest());
    }

    /**
     * Whether the serialized call is stable: read back and written again, twice, it gives the same bytes
     * both times. (The first write may differ from the second for harmless reasons — objects shared by
     * identity, such as an interned string or a cached Integer, are written once with back references —
     * so the check compares the second and third writes.) A HashSet of objects hashed by identity writes
     * its elements in another order after every read. Warns once per task when not stable.
     */
    private static boolean stable(TaskCall call, byte[] payload) {
        byte[] second;
        byte[] third;
        try {
            second = readAndWrite(call, payload);
            third = readAndWrite(call, second);
        } catch (ValenceException e) {
            LOG.debug("task '{}': its call could not be read back to check its key ({})", call.taskName(), e.getMessage());
            return false;
        }
        if (Arrays.equals(second, third)) {
            return true;
        }
        if (WARNED.add(call.taskName())) {
            LOG.warn("task '{}': its call's cache key is not stable: the serialized function and arguments differ each "
                    + "time they are read back and written again (a HashSet/HashMap of objects without equals/hashCode, "
                    + "or a field that changes when written); identical calls in another process may miss the cache. Use "
                    + "lists, sorted collections or records as arguments (docs/design-notes.md, Memoized calls)",
                    call.taskName());
        }
        return false;
    }

    private static byte[] readAndWrite(TaskCall call, byte[] payload) {
        PayloadCodec.Input in = PayloadCodec.decodeInput(new ByteArrayInputStream(payload),
                "input of task '" + call.taskName() + "'", Thread.currentThread().getContextClassLoader());
        return PayloadCodec.encodeInput(in.taskName(), in.body(), in.args());
    }

    /** The first 12 hex digits: how a key or a part is shown. */
    static String shortForm(String value) {
        return value.matches("[0-9a-f]{64}") ? value.substring(0, 12) : value;
    }

    static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new ValenceException(ErrorKind.INTERNAL, "SHA-256 is not available in this JVM", e);
        }
    }
}
