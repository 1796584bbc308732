package dev.valence.benchmarks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

/**
 * A small user project compiled with the JDK's compiler: {@code classes} classes in package
 * {@code bench.user}; {@link #editOneClass} changes one method's constant and recompiles that
 * file alone, as an IDE or an incremental build would after an edit.
 */
final class UserProject {
    private final Path src;
    private final Path classes;
    private final int count;

    UserProject(Path dir, int count) {
        this.src = dir.resolve("src").resolve("bench").resolve("user");
        this.classes = dir.resolve("classes");
        this.count = count;
    }

    /** Writes every source and compiles them; returns the class directory. */
    Path compileAll() throws IOException {
        Files.createDirectories(src);
        Files.createDirectories(classes);
        List<String> files = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            files.add(write(i, 0).toString());
        }
        compile(files);
        return classes;
    }

    /** Changes class {@code C0} (its version constant) and recompiles it alone. */
    void editOneClass(int version) throws IOException {
        compile(List.of(write(0, version).toString()));
    }

    Path classes() {
        return classes;
    }

    private Path write(int i, int version) throws IOException {
        String name = "C" + i;
        StringBuilder body = new StringBuilder("package bench.user;\n\n/** Generated for the image benchmark. */\n")
                .append("public final class ").append(name).append(" implements java.io.Serializable {\n")
                .append("    private static final long serialVersionUID = 1L;\n")
                .append("    public static String version() {\n        return \"").append(name).append(" v")
                .append(version).append("\";\n    }\n");
        for (int m = 0; m < 8; m++) {
            body.append("    public static int f").append(m).append("(int x) {\n        int acc = x;\n")
                    .append("        for (int i = 0; i < ").append(m + 3).append("; i++) {\n")
                    .append("            acc = acc * 31 + i + ").append(i).append(";\n        }\n")
                    .append("        return acc;\n    }\n");
        }
        body.append("}\n");
        Path file = src.resolve(name + ".java");
        Files.writeString(file, body);
        return file;
    }

    private void compile(List<String> files) {
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        if (javac == null) {
            throw new IllegalStateException("no Java compiler in this runtime: run the benchmark on a JDK "
                    + "(apt-get install openjdk-17-jdk-headless)");
        }
        List<String> args = new ArrayList<>(List.of("-d", classes.toString(), "-cp", classes.toString(),
                "--release", "17", "-nowarn"));
        args.addAll(files);
        int code = javac.run(null, null, null, args.toArray(String[]::new));
        if (code != 0) {
            throw new UncheckedIOException(new IOException("javac failed (" + code + ") on " + files));
        }
    }
}
