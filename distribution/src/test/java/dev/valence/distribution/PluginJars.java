package dev.valence.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

/**
 * Third-party adapter jars built by the tests from source outside Valence's modules: an in-memory
 * store serving a scheme of the test's choice, as a plugin author would ship it.
 */
final class PluginJars {
    private PluginJars() {
    }

    /**
     * A store plugin named {@code name} for {@code scheme}: blobs live in a static map of its own
     * class, so a write and a read in the same JVM meet. Registered in META-INF/services.
     */
    static Path memoryStore(Path workDir, String name, String scheme) {
        return memoryStore(workDir, name, scheme, "");
    }

    /**
     * As {@link #memoryStore(Path, String, String)}, its pod access built with {@code accessCalls} too (Java
     * source of {@code StoreAccess.Builder} calls, such as {@code .envFromSecret("creds")}).
     */
    static Path memoryStore(Path workDir, String name, String scheme, String accessCalls) {
        String pkg = "example." + name.replace('-', '_');
        String source = """
                package %s;

                import dev.valence.api.ErrorKind;
                import dev.valence.api.Settings;
                import dev.valence.api.ValenceException;
                import dev.valence.spi.*;
                import java.io.*;
                import java.util.*;
                import java.util.concurrent.ConcurrentSkipListMap;

                public final class MemoryStoreFactory implements ArtifactStoreFactory {
                    static final Map<String, byte[]> BLOBS = new ConcurrentSkipListMap<>();
                    public String name() { return "%s"; }
                    public Set<String> schemes() { return Set.of("%s"); }
                    public Map<String, String> settingKeys() { return Map.of("%s_token", ""); }
                    public Set<String> sensitiveKeys() { return Set.of("%s_token"); }
                    public ArtifactStore create(Settings s) {
                        String root = s.dataStore();
                        return new ArtifactStore() {
                            public String location() { return root; }
                            public void put(String k, InputStream d) {
                                try { BLOBS.put(root + "/" + k, d.readAllBytes()); }
                                catch (IOException e) { throw new UncheckedIOException(e); }
                            }
                            public InputStream get(String k) {
                                byte[] b = BLOBS.get(root + "/" + k);
                                if (b == null) throw new ValenceException(ErrorKind.STORE, "no blob at " + describe(k));
                                return new ByteArrayInputStream(b);
                            }
                            public boolean exists(String k) { return BLOBS.containsKey(root + "/" + k); }
                            public List<String> list(String p) {
                                List<String> out = new ArrayList<>();
                                BLOBS.keySet().forEach(k -> { if (k.startsWith(root + "/" + p)) out.add(k.substring(root.length() + 1)); });
                                return out;
                            }
                            public void deletePrefix(String p) { BLOBS.keySet().removeIf(k -> k.startsWith(root + "/" + p)); }
                            public StoreAccess podAccess() {
                                return StoreAccess.builder().env(Map.of("VALENCE_K8S_DATA_STORE", root))%s.build();
                            }
                        };
                    }
                }
                """.formatted(pkg, name, scheme, scheme, scheme, accessCalls);
        return jar(workDir, name, pkg + ".MemoryStoreFactory", source,
                "META-INF/services/dev.valence.spi.ArtifactStoreFactory", pkg + ".MemoryStoreFactory\n");
    }

    /**
     * Two cluster clients in one jar, named as Valence's own (the {@code cluster_client} setting accepts
     * {@code fabric8} and {@code official}): a {@code fabric8} whose cluster always answers but which
     * cannot ask access reviews (the port's default), and an {@code official} whose factory throws
     * "not built yet" as an unfinished adapter does. Chosen over the real ones with --prefer-plugin.
     */
    static Path stubGateways(Path workDir) {
        String source = """
                package example.stub;

                import dev.valence.api.Settings;
                import dev.valence.api.ValenceException;
                import dev.valence.spi.*;
                import java.util.*;
                import java.util.concurrent.CompletableFuture;

                public final class StubGateways {
                    private StubGateways() { }

                    public static final class Stub implements ClusterGatewayFactory {
                        public String name() { return "fabric8"; }
                        public ClusterGateway create(Settings s) {
                            return new ClusterGateway() {
                                public String namespace() { return "stub-ns"; }
                                public JobRef submit(JobSpec spec) { throw new UnsupportedOperationException(); }
                                public CompletableFuture<JobOutcome> follow(JobRef job, dev.valence.spi.JobListener l) { throw new UnsupportedOperationException(); }
                                public boolean cancel(JobRef job) { return false; }
                                public String logs(JobRef job, int tailLines) { return ""; }
                                public List<JobInfo> list(Map<String, String> labels) { return List.of(); }
                                public String render(JobSpec spec) { return "kind: Job\\n"; }
                                public void check() { }
                                public void close() { }
                            };
                        }
                    }

                    public static final class Unbuilt implements ClusterGatewayFactory {
                        public String name() { return "official"; }
                        public ClusterGateway create(Settings s) { throw ValenceException.notBuiltYet("the stub official adapter"); }
                    }
                }
                """;
        return jar(workDir, "stub-gateways", "example.stub.StubGateways", source,
                "META-INF/services/dev.valence.spi.ClusterGatewayFactory",
                "example.stub.StubGateways$Stub\nexample.stub.StubGateways$Unbuilt\n");
    }

    /** A jar whose service file names a class the jar does not have. */
    static Path missingProvider(Path workDir) {
        return rawJar(workDir.resolve("missing-provider.jar"), "META-INF/services/dev.valence.spi.ArtifactStoreFactory",
                "example.missing.NoSuchFactory\n");
    }

    /** A file named like a jar that is not a zip at all. */
    static Path notAJar(Path dir) {
        try {
            Files.createDirectories(dir);
            return Files.writeString(dir.resolve("broken.jar"), "this is not a zip file");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path jar(Path workDir, String name, String className, String source, String serviceFile,
            String serviceText) {
        try {
            Path src = workDir.resolve("src-" + name);
            Path file = src.resolve(className.replace('.', '/') + ".java");
            Files.createDirectories(file.getParent());
            Files.writeString(file, source);
            Path classes = workDir.resolve("classes-" + name);
            Files.createDirectories(classes);
            String cp = dev.valence.core.KubernetesExecutor.currentClasspath().stream().map(Path::toString).collect(Collectors.joining(File.pathSeparator));
            JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
            int rc = javac.run(null, null, null, "-d", classes.toString(), "-cp", cp, file.toString());
            assertEquals(0, rc, "compiling the test plugin " + name);
            Path jar = workDir.resolve("jars").resolve(name + ".jar");
            Files.createDirectories(jar.getParent());
            try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar));
                    Stream<Path> files = Files.walk(classes)) {
                for (Path f : files.filter(Files::isRegularFile).toList()) {
                    out.putNextEntry(new JarEntry(classes.relativize(f).toString().replace(File.separatorChar, '/')));
                    Files.copy(f, out);
                }
                out.putNextEntry(new JarEntry(serviceFile));
                ((OutputStream) out).write(serviceText.getBytes(StandardCharsets.UTF_8));
            }
            return jar;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path rawJar(Path jar, String entry, String text) {
        try {
            Files.createDirectories(jar.getParent());
            try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
                out.putNextEntry(new JarEntry(entry));
                ((OutputStream) out).write(text.getBytes(StandardCharsets.UTF_8));
            }
            return jar;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
