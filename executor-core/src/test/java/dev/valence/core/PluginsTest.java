package dev.valence.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.valence.api.ErrorKind;
import dev.valence.api.Settings;
import dev.valence.api.ValenceException;
import dev.valence.spi.ArtifactStoreFactory;
import dev.valence.spi.Plugins;
import java.io.File;
import java.io.OutputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Plugin discovery: a jar dropped on a separate class loader is found; a missing one is a clear error. */
class PluginsTest {
    @TempDir
    Path tmp;

    @Test
    void aPluginJarOnItsOwnClassLoaderIsFoundAndUsed() throws Exception {
        Path jar = buildPluginJar();
        try (URLClassLoader loader = new URLClassLoader(new URL[] {jar.toUri().toURL()}, getClass().getClassLoader())) {
            Plugins plugins = Plugins.load(loader);
            ArtifactStoreFactory gcs = plugins.artifactStore("gs://bucket/prefix");
            assertEquals("gcs-test", gcs.name());
            assertEquals(loader, gcs.getClass().getClassLoader());
            assertTrue(Plugins.origin(gcs).endsWith("gcs-plugin.jar"), Plugins.origin(gcs));
            Settings settings = plugins.declareKeys(Settings.builder().environment(java.util.Map.of()).userHome(tmp)
                    .dataStore("gs://bucket/prefix")).set("gcs_project", "p1").build();
            assertEquals("gs://bucket/prefix|p1", gcs.create(settings).location());
        }
        // not on the parent loader
        ValenceException e = assertThrows(ValenceException.class,
                () -> Plugins.load(getClass().getClassLoader()).artifactStore("gs://bucket/prefix"));
        assertEquals("no ArtifactStore for scheme 'gs' in data_store 'gs://bucket/prefix' (installed: mem)", e.getMessage());
    }

    @Test
    void aMissingStoreNamesTheSchemeAndWhatIsInstalled() {
        ValenceException e = assertThrows(ValenceException.class,
                () -> Plugins.of(List.of(new MemoryStore.Factory())).artifactStore("s3://b/p"));
        assertEquals(ErrorKind.PLUGIN, e.kind());
        assertEquals("no ArtifactStore for scheme 's3' in data_store 's3://b/p' (installed: mem)", e.getMessage());
    }

    @Test
    void anUnknownClusterClientNamesWhatIsInstalled() {
        InProcessCluster cluster = new InProcessCluster();
        ValenceException e = assertThrows(ValenceException.class,
                () -> Plugins.of(List.of(cluster.factory())).clusterGateway("official"));
        assertEquals(ErrorKind.PLUGIN, e.kind());
        assertEquals("no ClusterGateway for cluster_client 'official' (installed: fabric8)", e.getMessage());
        ValenceException none = assertThrows(ValenceException.class, () -> Plugins.of(List.of()).clusterGateway("fabric8"));
        assertEquals("no ClusterGateway for cluster_client 'fabric8' (installed: none)", none.getMessage());
    }

    @Test
    void theSoleInstalledClusterClientIsUsedOnlyWhenNoneWasAskedFor() {
        InProcessCluster cluster = new InProcessCluster();
        var official = new dev.valence.spi.ClusterGatewayFactory() {
            @Override
            public String name() {
                return "official";
            }

            @Override
            public dev.valence.spi.ClusterGateway create(Settings settings) {
                return cluster;
            }
        };
        Plugins plugins = Plugins.of(List.of(official));
        Settings defaults = Settings.builder().environment(java.util.Map.of()).userHome(tmp).build();
        assertEquals("official", plugins.clusterGateway(defaults).name());
        Settings asked = Settings.builder().environment(java.util.Map.of()).userHome(tmp).clusterClient("fabric8").build();
        ValenceException e = assertThrows(ValenceException.class, () -> plugins.clusterGateway(asked));
        assertEquals("no ClusterGateway for cluster_client 'fabric8' (installed: official)", e.getMessage());
    }

    @Test
    void noImageBuilderIsAClearError() {
        ValenceException e = assertThrows(ValenceException.class, () -> Plugins.of(List.of()).imageBuilder("tar"));
        assertEquals("no ImageBuilder for registry 'tar' (installed: none)", e.getMessage());
    }

    @Test
    void schemesOfDataStoreValues() {
        assertEquals("file", Plugins.scheme("/tmp/x"));
        assertEquals("file", Plugins.scheme("file:/tmp/x"));
        assertEquals("s3", Plugins.scheme("s3://b/p"));
        assertEquals("azblob", Plugins.scheme("AZBLOB://c"));
    }

    private Path buildPluginJar() throws Exception {
        Path src = tmp.resolve("src/example/gcs");
        Files.createDirectories(src);
        Files.writeString(src.resolve("GcsStoreFactory.java"), """
                package example.gcs;

                import dev.valence.api.Settings;
                import dev.valence.spi.*;
                import java.io.InputStream;
                import java.util.*;

                public final class GcsStoreFactory implements ArtifactStoreFactory {
                    public String name() { return "gcs-test"; }
                    public Set<String> schemes() { return Set.of("gs"); }
                    public Map<String, String> settingKeys() { return Map.of("gcs_project", ""); }
                    public ArtifactStore create(Settings s) {
                        String location = s.dataStore() + "|" + s.getString("gcs_project").orElse("");
                        return new ArtifactStore() {
                            public String location() { return location; }
                            public void put(String k, InputStream d) { throw new UnsupportedOperationException(); }
                            public InputStream get(String k) { throw new UnsupportedOperationException(); }
                            public boolean exists(String k) { return false; }
                            public List<String> list(String p) { return List.of(); }
                            public void deletePrefix(String p) { }
                            public StoreAccess podAccess() { return StoreAccess.env(Map.of()); }
                        };
                    }
                }
                """);
        Path classes = tmp.resolve("classes");
        Files.createDirectories(classes);
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        int rc = javac.run(null, null, null, "-d", classes.toString(), "-cp", System.getProperty("java.class.path")
                + File.pathSeparator + TaskImages.currentClasspath().stream().map(Path::toString)
                .reduce((a, b) -> a + File.pathSeparator + b).orElse(""), src.resolve("GcsStoreFactory.java").toString());
        assertEquals(0, rc, "compiling the test plugin");
        Path jar = tmp.resolve("gcs-plugin.jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar)); Stream<Path> files = Files.walk(classes)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                out.putNextEntry(new JarEntry(classes.relativize(f).toString().replace(File.separatorChar, '/')));
                Files.copy(f, out);
            }
            out.putNextEntry(new JarEntry("META-INF/services/dev.valence.spi.ArtifactStoreFactory"));
            ((OutputStream) out).write("example.gcs.GcsStoreFactory\n".getBytes(StandardCharsets.UTF_8));
        }
        return jar;
    }
}
