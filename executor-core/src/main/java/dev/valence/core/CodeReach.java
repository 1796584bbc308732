package dev.valence.core;

import dev.valence.api.TaskBody;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectOutputStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The code identity of a task's function for the call cache: the class files of the classes the
 * function is made of (its lambda's capturing and implementing class, the classes of the objects it
 * captures) and, transitively, of every class those class files name in their constant pool, as far as
 * those classes come from a class directory — the user's own layer ({@code classes} in the task image).
 * Classes in jars (the dependency and runtime layers) and the JDK are not followed: the executor keys
 * those by their layer digests. So editing a class the task does not reach leaves the key as it was.
 */
final class CodeReach {
    private static final Logger LOG = LoggerFactory.getLogger(CodeReach.class);

    /** Identities by function: a task's function is one object for all its calls, and its classes do not change in a JVM. */
    private static final Map<TaskBody, Optional<Identity>> KNOWN = java.util.Collections.synchronizedMap(
            new java.util.WeakHashMap<>());

    private CodeReach() {
    }

    /** The code identity: a digest and the user-layer classes it covers, by name. */
    record Identity(String digest, List<String> classes) {
    }

    /** The function's code identity (computed once per function object); empty when it cannot be serialized. */
    static Optional<Identity> of(TaskBody body) {
        Optional<Identity> known = KNOWN.get(body);
        if (known == null) {
            known = compute(body);
            KNOWN.put(body, known);
        }
        return known;
    }

    private static Optional<Identity> compute(TaskBody body) {
        Set<String> start = new TreeSet<>();
        Set<ClassLoader> loaders = new LinkedHashSet<>();
        try (ObjectOutputStream out = new NodeKeys.ClassCollector(new ByteArrayOutputStream(), start, loaders)) {
            out.writeObject(body);
        } catch (IOException e) {
            return Optional.empty();
        }
        start.add(body.getClass().getName().replaceFirst("\\$\\$Lambda.*$", ""));
        loaders.add(body.getClass().getClassLoader());
        loaders.add(Thread.currentThread().getContextClassLoader());
        loaders.add(CodeReach.class.getClassLoader());
        loaders.remove(null);
        Map<String, byte[]> reached = reach(start, loaders);
        MessageDigest md = CallKey.sha256();
        reached.forEach((name, bytes) -> {
            md.update(name.getBytes(StandardCharsets.UTF_8));
            md.update((byte) 0);
            md.update(bytes);
        });
        return Optional.of(new Identity(HexFormat.of().formatHex(md.digest()), List.copyOf(reached.keySet())));
    }

    /** The class files (sorted by name) of the user-layer classes reachable from {@code start}. */
    static Map<String, byte[]> reach(Set<String> start, Set<ClassLoader> loaders) {
        Map<String, byte[]> out = new TreeMap<>();
        Set<String> seen = new LinkedHashSet<>(start);
        Deque<String> todo = new ArrayDeque<>(start);
        while (!todo.isEmpty()) {
            String name = todo.poll();
            Optional<byte[]> file = userClassFile(name, loaders);
            if (file.isEmpty()) {
                continue;
            }
            out.put(name, file.get());
            for (String ref : referencedClasses(file.get())) {
                if (seen.add(ref)) {
                    todo.add(ref);
                }
            }
        }
        return out;
    }

    /** The class file of a class when the first loader that has it serves it from a directory. */
    private static Optional<byte[]> userClassFile(String name, Set<ClassLoader> loaders) {
        if (name.startsWith("java.") || name.startsWith("javax.") || name.startsWith("jdk.") || name.startsWith("sun.")) {
            return Optional.empty();
        }
        String resource = name.replace('.', '/') + ".class";
        for (ClassLoader loader : loaders) {
            URL url = loader.getResource(resource);
            if (url == null) {
                continue;
            }
            if (!"file".equals(url.getProtocol())) {
                return Optional.empty(); // a jar or the JDK: keyed by its layer, not followed
            }
            try (InputStream in = url.openStream()) {
                return Optional.of(in.readAllBytes());
            } catch (IOException e) {
                LOG.debug("class file of {} not read: {}", name, e.toString());
                return Optional.empty();
            }
        }
        return Optional.empty();
    }

    /** The binary names of the classes a class file's constant pool names (CONSTANT_Class entries). */
    static List<String> referencedClasses(byte[] classFile) {
        try {
            DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(classFile));
            if (in.readInt() != 0xCAFEBABE) {
                return List.of();
            }
            in.readUnsignedShort();
            in.readUnsignedShort();
            int count = in.readUnsignedShort();
            String[] utf8 = new String[count];
            List<Integer> classNames = new ArrayList<>();
            for (int i = 1; i < count; i++) {
                int tag = in.readUnsignedByte();
                switch (tag) {
                    case 1 -> utf8[i] = in.readUTF();
                    case 7 -> classNames.add(in.readUnsignedShort());
                    case 8, 16, 19, 20 -> in.skipBytes(2);
                    case 15 -> in.skipBytes(3);
                    case 3, 4, 9, 10, 11, 12, 17, 18 -> in.skipBytes(4);
                    case 5, 6 -> {
                        in.skipBytes(8);
                        i++;
                    }
                    default -> {
                        return List.of(); // a format this reader does not know: follow nothing from here
                    }
                }
            }
            List<String> out = new ArrayList<>();
            for (int idx : classNames) {
                String n = utf8[idx];
                if (n == null) {
                    continue;
                }
                n = n.replaceFirst("^\\[+", "");
                if (n.startsWith("L") && n.endsWith(";")) {
                    n = n.substring(1, n.length() - 1);
                } else if (n.length() == 1) {
                    continue; // an array of a primitive type
                }
                out.add(n.replace('/', '.'));
            }
            return out;
        } catch (IOException e) {
            return List.of();
        }
    }
}
