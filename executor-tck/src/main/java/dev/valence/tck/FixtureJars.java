package dev.valence.tck;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

/**
 * Jars built by a test from Java source, as a third party would ship them: plugins, and libraries in
 * two versions, to prove what a class loader sees. Compiled against the test JVM's class path and
 * the jars given.
 */
public final class FixtureJars {
    private FixtureJars() {
    }

    /**
     * Compiles {@code sources} (class name → source) against this JVM's class path plus {@code classpath}
     * and writes the classes and {@code resources} (entry → text) into {@code jar}.
     */
    public static Path build(Path jar, Map<String, String> sources, List<Path> classpath, Map<String, String> resources) {
        try {
            Path work = Files.createTempDirectory("valence-fixture-jar");
            Path src = Files.createDirectories(work.resolve("src"));
            Path classes = Files.createDirectories(work.resolve("classes"));
            List<String> args = new ArrayList<>(List.of("-d", classes.toString(), "-cp", Stream.concat(
                    Stream.of(System.getProperty("java.class.path")), classpath.stream().map(Path::toString))
                    .collect(Collectors.joining(File.pathSeparator))));
            for (var e : sources.entrySet()) {
                Path file = src.resolve(e.getKey().replace('.', '/') + ".java");
                Files.createDirectories(file.getParent());
                Files.writeString(file, e.getValue());
                args.add(file.toString());
            }
            JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
            StringWriter errors = new StringWriter();
            boolean ok = javac.getTask(errors, null, null, args.subList(0, 4), null,
                    javac.getStandardFileManager(null, null, StandardCharsets.UTF_8)
                            .getJavaFileObjectsFromStrings(args.subList(4, args.size()))).call();
            if (!ok) {
                throw new IllegalStateException("the fixture sources of " + jar.getFileName() + " do not compile:\n" + errors);
            }
            Files.createDirectories(jar.toAbsolutePath().getParent());
            try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar));
                    Stream<Path> files = Files.walk(classes)) {
                for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                    out.putNextEntry(new JarEntry(classes.relativize(f).toString().replace(File.separatorChar, '/')));
                    Files.copy(f, out);
                }
                for (var r : resources.entrySet()) {
                    out.putNextEntry(new JarEntry(r.getKey()));
                    ((OutputStream) out).write(r.getValue().getBytes(StandardCharsets.UTF_8));
                }
            }
            return jar;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A library jar of one class {@code className} whose static {@code version()} returns {@code version}. */
    public static Path versionedLibrary(Path jar, String className, String version) {
        int dot = className.lastIndexOf('.');
        String source = "package " + className.substring(0, dot) + ";\n"
                + "public final class " + className.substring(dot + 1) + " {\n"
                + "    public static String version() { return \"" + version + "\"; }\n"
                + "}\n";
        return build(jar, Map.of(className, source), List.of(), Map.of());
    }

    /** The {@code META-INF/services} entry registering {@code providers} for the port {@code port}. */
    public static Map<String, String> services(Class<?> port, String... providers) {
        return Map.of("META-INF/services/" + port.getName(), String.join("\n", providers) + "\n");
    }
}
