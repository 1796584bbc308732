package dev.valence.core;

import dev.valence.api.TaskBody;
import dev.valence.api.WorkflowGraph;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectOutputStream;
import java.io.OutputStream;
import java.lang.invoke.SerializedLambda;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The key of each node of a graph: a hash of what decides its output — the task's code (its serialized
 * function and the class files of the classes that function is made of), its overrides, and its
 * inputs (a constant's serialized bytes, or the key of the node it comes from). A redispatch reuses a
 * node's earlier output when its key did not change. A node with an input that cannot be serialized
 * has no key, and neither do the nodes downstream of it: they always run again.
 */
final class NodeKeys {
    private static final Logger LOG = LoggerFactory.getLogger(NodeKeys.class);
    /** Code hashes by function (tasks are reused across dispatches; their code does not change in a JVM). */
    private static final Map<TaskBody, Optional<String>> CODE = java.util.Collections.synchronizedMap(
            new java.util.WeakHashMap<>());

    private NodeKeys() {
    }

    /** The key of every node that has one, by node id. */
    static Map<String, String> of(WorkflowGraph graph) {
        Map<String, String> keys = new LinkedHashMap<>();
        for (WorkflowGraph.Step step : graph.steps()) {
            MessageDigest md = sha256();
            update(md, step.isWorkflow() ? "workflow" : step.map() ? "map" : "task");
            update(md, step.name());
            if (step.task().isPresent()) {
                Optional<String> code = CODE.computeIfAbsent(step.task().get().body(), NodeKeys::codeHash);
                if (code.isEmpty()) {
                    continue;
                }
                update(md, code.get());
                update(md, step.task().get().options().settings().toString());
            }
            boolean ok = true;
            for (WorkflowGraph.Input in : step.inputs()) {
                ok &= input(md, in, keys);
            }
            if (ok) {
                keys.put(step.nodeId(), HexFormat.of().formatHex(md.digest()));
            }
        }
        return keys;
    }

    private static boolean input(MessageDigest md, WorkflowGraph.Input in, Map<String, String> keys) {
        if (in instanceof WorkflowGraph.FromStep f) {
            String k = keys.get(f.nodeId());
            update(md, "step:" + k);
            return k != null;
        }
        if (in instanceof WorkflowGraph.Gathered g) {
            update(md, "gather:" + g.items().size());
            boolean ok = true;
            for (WorkflowGraph.Input i : g.items()) {
                ok &= input(md, i, keys);
            }
            return ok;
        }
        Object value = ((WorkflowGraph.Constant) in).value();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(value);
        } catch (IOException e) {
            LOG.debug("constant {} cannot be serialized ({}); its node has no key and is never reused", value, e.toString());
            return false;
        }
        update(md, "const:");
        md.update(bytes.toByteArray());
        return true;
    }

    /** The hash of a function's serialized form and of the class files of the classes it is made of. */
    static Optional<String> codeHash(TaskBody body) {
        Set<String> classes = new TreeSet<>();
        // the loaders of the objects the function is made of: a user's class may sit in a loader of its own
        // (a workflow class that valence run loaded), where the api's loader would not find its class file
        Set<ClassLoader> loaders = new java.util.LinkedHashSet<>();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ClassCollector(bytes, classes, loaders)) {
            out.writeObject(body);
        } catch (IOException e) {
            LOG.debug("function {} cannot be serialized ({}); its nodes are never reused", body, e.toString());
            return Optional.empty();
        }
        MessageDigest md = sha256();
        md.update(bytes.toByteArray());
        loaders.add(Thread.currentThread().getContextClassLoader());
        loaders.add(NodeKeys.class.getClassLoader());
        loaders.remove(null);
        for (String name : classes) {
            update(md, name);
            md.update(classFile(name, loaders));
        }
        return Optional.of(HexFormat.of().formatHex(md.digest()));
    }

    /** The bytes of a class file, from the first of these loaders that has it; none when no loader has it. */
    private static byte[] classFile(String name, Set<ClassLoader> loaders) {
        String resource = name.replace('.', '/') + ".class";
        for (ClassLoader loader : loaders) {
            try (InputStream in = loader.getResourceAsStream(resource)) {
                if (in != null) {
                    return in.readAllBytes();
                }
            } catch (IOException e) {
                LOG.debug("class file of {} not read: {}", name, e.toString());
            }
        }
        LOG.debug("no class file found for {}; its code is keyed by its serialized form only", name);
        return new byte[0];
    }

    /** Notes the class of every object written, and the capturing and implementing classes of lambdas. */
    static final class ClassCollector extends ObjectOutputStream {
        private final Set<String> classes;
        private final Set<ClassLoader> loaders;

        ClassCollector(OutputStream out, Set<String> classes, Set<ClassLoader> loaders) throws IOException {
            super(out);
            this.classes = classes;
            this.loaders = loaders;
            enableReplaceObject(true);
        }

        @Override
        protected Object replaceObject(Object obj) {
            if (obj != null) {
                loaders.add(obj.getClass().getClassLoader());
            }
            if (obj instanceof SerializedLambda l) {
                classes.add(l.getCapturingClass().replace('/', '.'));
                classes.add(l.getImplClass().replace('/', '.'));
                for (int i = 0; i < l.getCapturedArgCount(); i++) {
                    Object arg = l.getCapturedArg(i);
                    if (arg != null) {
                        loaders.add(arg.getClass().getClassLoader());
                    }
                }
            } else if (obj != null && !obj.getClass().getName().startsWith("java.")
                    && !obj.getClass().isSynthetic() && !obj.getClass().getName().contains("$$Lambda")) {
                classes.add(obj.getClass().getName());
            }
            return obj;
        }
    }

    private static void update(MessageDigest md, String s) {
        md.update(s.getBytes(StandardCharsets.UTF_8));
        md.update((byte) 0);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
