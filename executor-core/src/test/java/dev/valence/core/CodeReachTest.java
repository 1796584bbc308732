package dev.valence.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.valence.api.TaskBody;
import dev.valence.api.TaskCall;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The code part of a call's key, measured on real class files: a task's function {@code Body} calls
 * {@code Helper}; {@code Unused} sits in the same class directory. Editing {@code Unused} keeps the key
 * (a hit); editing {@code Helper} changes it (a miss).
 */
class CodeReachTest {
    @TempDir
    Path tmp;

    static final String BODY = "package p; public class Body implements dev.valence.api.TaskBody {"
            + " public Object invoke(Object[] a) { return Helper.f(); } }";

    Path compile(String name, String helperValue, String unusedValue) throws Exception {
        Path src = tmp.resolve(name + "-src/p");
        Files.createDirectories(src);
        Files.writeString(src.resolve("Body.java"), BODY);
        Files.writeString(src.resolve("Helper.java"), "package p; public class Helper { public static int f() { return "
                + helperValue + "; } }");
        Files.writeString(src.resolve("Unused.java"), "package p; public class Unused { public static int g() { return "
                + unusedValue + "; } }");
        Path out = tmp.resolve(name);
        Files.createDirectories(out);
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        List<String> args = new ArrayList<>(List.of("-d", out.toString(), "-cp", System.getProperty("java.class.path")));
        for (String f : List.of("Body", "Helper", "Unused")) {
            args.add(src.resolve(f + ".java").toString());
        }
        assertEquals(0, javac.run(null, null, null, args.toArray(String[]::new)), "javac");
        return out;
    }

    TaskBody load(Path classes) throws Exception {
        URLClassLoader loader = new URLClassLoader(new URL[] {classes.toUri().toURL()}, getClass().getClassLoader());
        return (TaskBody) loader.loadClass("p.Body").getConstructor().newInstance();
    }

    String key(TaskBody body) {
        ClassLoader before = Thread.currentThread().getContextClassLoader();
        Thread.currentThread().setContextClassLoader(body.getClass().getClassLoader());
        try {
            return CallKey.of(TaskCall.builder().taskName("t").body(body).args(List.of(1)).build(), Map.of("java", "17"))
                    .orElseThrow().hex();
        } finally {
            Thread.currentThread().setContextClassLoader(before);
        }
    }

    @Test
    void editingAClassTheTaskDoesNotReachIsAHitAndOneItReachesIsAMiss() throws Exception {
        TaskBody v1 = load(compile("v1", "1", "1"));
        TaskBody unusedEdited = load(compile("v2", "1", "2"));
        TaskBody helperEdited = load(compile("v3", "2", "1"));

        CodeReach.Identity id = CodeReach.of(v1).orElseThrow();
        assertEquals(List.of("p.Body", "p.Helper"), id.classes(), "the classes the function reaches in its directory");
        assertEquals(id.digest(), CodeReach.of(unusedEdited).orElseThrow().digest());
        assertNotEquals(id.digest(), CodeReach.of(helperEdited).orElseThrow().digest());

        assertEquals(key(v1), key(unusedEdited), "Unused edited: the same key, a hit");
        assertNotEquals(key(v1), key(helperEdited), "Helper edited: another key, a miss");
    }

    @Test
    void readsClassReferencesFromTheConstantPool() throws Exception {
        byte[] body = Files.readAllBytes(compile("v1", "1", "1").resolve("p/Body.class"));
        List<String> refs = CodeReach.referencedClasses(body);
        assertEquals(true, refs.contains("p.Helper"), refs.toString());
        assertEquals(true, refs.contains("dev.valence.api.TaskBody"), refs.toString());
        assertEquals(false, refs.contains("p.Unused"), refs.toString());
    }
}
