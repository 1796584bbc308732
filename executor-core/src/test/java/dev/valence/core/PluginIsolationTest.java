package dev.valence.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.valence.api.Task;
import dev.valence.core.plugin.PluginClassLoader;
import dev.valence.core.plugin.PluginFolder;
import dev.valence.spi.ArtifactStoreFactory;
import dev.valence.spi.ImageSpec;
import dev.valence.spi.PluginFactory;
import dev.valence.spi.Plugins;
import dev.valence.tck.FixtureJars;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each plugin on its own class loader: its jars first, only the API, the SPI and SLF4J from the application;
 * the task image carries a store plugin in its own folder and the launcher loads it the same way.
 */
class PluginIsolationTest {
    static final String LIB = "com.example.lib.Greeting";

    @TempDir
    Path tmp;

    /** A store plugin keeping blobs as files under the data_store's path, whose name says its library's version. */
    static String fileStore(String pkg, String name) {
        return """
                package %s;

                import dev.valence.api.Settings;
                import dev.valence.spi.*;
                import java.io.*;
                import java.net.URI;
                import java.nio.file.*;
                import java.util.*;
                import java.util.stream.*;

                public final class FileStoreFactory implements ArtifactStoreFactory {
                    public String name() { return "%s-" + com.example.lib.Greeting.version(); }
                    public Set<String> schemes() { return Set.of("%s"); }
                    public ArtifactStore create(Settings s) {
                        Path root = Path.of(URI.create(s.dataStore()).getPath());
                        return new ArtifactStore() {
                            public String location() { return s.dataStore(); }
                            public void put(String k, InputStream d) {
                                try { Files.createDirectories(root.resolve(k).getParent()); Files.copy(d, root.resolve(k), StandardCopyOption.REPLACE_EXISTING); }
                                catch (IOException e) { throw new UncheckedIOException(e); }
                            }
                            public InputStream get(String k) {
                                if (!exists(k)) throw new dev.valence.api.ValenceException(dev.valence.api.ErrorKind.STORE, "no blob at " + k);
                                try { return Files.newInputStream(root.resolve(k)); }
                                catch (IOException e) { throw new UncheckedIOException(e); }
                            }
                            public boolean exists(String k) { return Files.exists(root.resolve(k)); }
                            public List<String> list(String p) {
                                if (!Files.isDirectory(root)) return List.of();
                                try (Stream<Path> all = Files.walk(root)) {
                                    return all.filter(Files::isRegularFile).map(f -> root.relativize(f).toString())
                                            .filter(k -> k.startsWith(p)).sorted().toList();
                                } catch (IOException e) { throw new UncheckedIOException(e); }
                            }
                            public void deletePrefix(String p) {
                                list(p).forEach(k -> { try { Files.delete(root.resolve(k)); } catch (IOException e) { throw new UncheckedIOException(e); } });
                            }
                            public StoreAccess podAccess() { return StoreAccess.env(Map.of("VALENCE_K8S_DATA_STORE", s.dataStore())); }
                        };
                    }
                }
                """.formatted(pkg, name, name);
    }

    /** {@code plugins/<name>/} with the store plugin and the library version it was built on. */
    Path storePlugin(Path plugins, String name, String version) {
        Path dir = plugins.resolve(name);
        Path lib = FixtureJars.versionedLibrary(dir.resolve("greeting-" + version + ".jar"), LIB, version);
        String pkg = "com.example." + name.replace('-', '_');
        FixtureJars.build(dir.resolve(name + ".jar"), Map.of(pkg + ".FileStoreFactory", fileStore(pkg, name)),
                List.of(lib), FixtureJars.services(ArtifactStoreFactory.class, pkg + ".FileStoreFactory"));
        return dir;
    }

    @Test
    void twoPluginsOnConflictingVersionsOfOneLibraryEachGetTheirOwn() {
        Path plugins = tmp.resolve("plugins");
        storePlugin(plugins, "alpha", "v1");
        storePlugin(plugins, "beta", "v2");
        List<String> problems = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (PluginFolder.Plugin p : PluginFolder.scan(plugins, problems)) {
            Plugins.load(p.loader(getClass().getClassLoader())).all().forEach(f -> names.add(f.name()));
        }
        assertEquals(List.of("alpha-v1", "beta-v2"), names, problems.toString());
        assertEquals(List.of(), problems);
    }

    @Test
    void aPluginSeesTheApiAndSpiOfTheApplicationButNoneOfItsLibraries() throws Exception {
        Path lib = FixtureJars.versionedLibrary(tmp.resolve("greeting.jar"), LIB, "v1");
        try (PluginClassLoader loader = new PluginClassLoader("p", List.of(lib), getClass().getClassLoader())) {
            assertSame(PluginFactory.class, loader.loadClass(PluginFactory.class.getName()));
            assertSame(Task.class, loader.loadClass(Task.class.getName()));
            assertSame(org.slf4j.Logger.class, loader.loadClass(org.slf4j.Logger.class.getName()));
            assertSame(String.class, loader.loadClass("java.lang.String"));
            assertEquals("v1", loader.loadClass(LIB).getMethod("version").invoke(null));
            // the application's own libraries and Valence's core stay invisible
            assertThrows(ClassNotFoundException.class, () -> loader.loadClass("org.tomlj.Toml"));
            assertThrows(ClassNotFoundException.class, () -> loader.loadClass(Launcher.class.getName()));
            assertThrows(ClassNotFoundException.class, () -> loader.loadClass("org.junit.jupiter.api.Test"));
            // and their service files too: a plugin's ServiceLoader finds its own providers only
            assertEquals(List.of(), Plugins.load(loader).all());
        }
    }

    @Test
    void aPluginsOwnJarsComeBeforeTheApplicationsCopyOfALibrary() throws Exception {
        Path v1 = FixtureJars.versionedLibrary(tmp.resolve("app/greeting-v1.jar"), LIB, "v1");
        Path v2 = FixtureJars.versionedLibrary(tmp.resolve("plugin/greeting-v2.jar"), LIB, "v2");
        try (var app = new java.net.URLClassLoader(new java.net.URL[] {v1.toUri().toURL()}, getClass().getClassLoader());
                PluginClassLoader plugin = new PluginClassLoader("p", List.of(v2), app)) {
            assertEquals("v1", app.loadClass(LIB).getMethod("version").invoke(null));
            assertEquals("v2", plugin.loadClass(LIB).getMethod("version").invoke(null));
            assertNotSame(app.loadClass(LIB), plugin.loadClass(LIB));
        }
    }

    @Test
    void aLooseJarIsAPluginOfItsOwn() {
        Path plugins = tmp.resolve("plugins");
        Path dir = storePlugin(tmp.resolve("built"), "gamma", "v3");
        try {
            Files.createDirectories(plugins);
            Files.copy(dir.resolve("gamma.jar"), plugins.resolve("gamma.jar"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> problems = new ArrayList<>();
        List<PluginFolder.Plugin> found = PluginFolder.scan(plugins, problems);
        assertEquals(List.of(new PluginFolder.Plugin("gamma", List.of(plugins.resolve("gamma.jar")))), found);
        // without its library next to it the loose jar's factory cannot link, and nothing from the application fills in
        ClassLoader loader = found.get(0).loader(getClass().getClassLoader());
        assertThrows(LinkageError.class, () -> Plugins.load(loader).all().forEach(PluginFactory::name));
    }

    @Test
    void theTaskImageCarriesTheStorePluginInItsOwnFolderAndTheLauncherLoadsItFromThere() throws Exception {
        Path plugin = storePlugin(tmp.resolve("plugins"), "fstore", "v1");
        PluginFolder.Plugin p = PluginFolder.scan(tmp.resolve("plugins"), new ArrayList<>()).get(0);
        PluginClassLoader loader = p.loader(getClass().getClassLoader());
        ArtifactStoreFactory storeFactory = Plugins.load(loader).of(ArtifactStoreFactory.class).get(0);
        InProcessCluster cluster = new InProcessCluster();
        MemoryImages images = new MemoryImages();
        // the pod's file system: the image's plugins layer unpacked under a folder of its own
        Path pod = tmp.resolve("pod");
        cluster.pluginsDir = () -> Optional.of(unpackPlugins(images.builds.get(images.builds.size() - 1), pod));
        Path data = Files.createDirectories(tmp.resolve("data"));
        try (KubernetesExecutor k8s = KubernetesExecutor.builder()
                .plugins(Plugins.of(List.of(storeFactory, cluster.factory(), images.factory())))
                .environment(Map.of()).userHome(tmp).dataStore("fstore://bucket" + data).cacheDir(tmp.resolve("cache"))
                .registry("127.0.0.1:5000").classpath(List.of()).build()) {
            assertEquals(42, Task.of("answer", (Integer x) -> x * 2, k8s).submit(21).await());
        } finally {
            loader.close();
        }
        ImageSpec spec = images.builds.get(0);
        assertEquals(List.of(TaskImages.LAUNCHER, TaskImages.PLUGINS),
                spec.entrypoint().subList(spec.entrypoint().size() - 2, spec.entrypoint().size()));
        List<String> inImage = spec.layers().stream().filter(l -> l.name().equals("plugins"))
                .flatMap(l -> l.entries().stream()).map(ImageSpec.Entry::pathInImage).sorted().toList();
        assertEquals(List.of("/app/plugins/fstore/fstore.jar", "/app/plugins/fstore/greeting-v1.jar"), inImage);
        assertTrue(Files.isRegularFile(plugin.resolve("fstore.jar")));
    }

    @Test
    void theLauncherWithoutThePluginsFolderCannotOpenAStoreThatOnlyAPluginServes() throws Exception {
        storePlugin(tmp.resolve("plugins"), "fstore", "v1");
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        Map<String, String> env = Map.of(Launcher.DISPATCH_ENV, "d1", Launcher.NODE_ENV, "n1",
                "VALENCE_K8S_DATA_STORE", "fstore://bucket" + tmp.resolve("data"));
        PrintStream out = new PrintStream(log, true, StandardCharsets.UTF_8);
        assertEquals(Launcher.LAUNCHER_FAILED, Launcher.run(env, getClass().getClassLoader(), out));
        assertTrue(log.toString(StandardCharsets.UTF_8).contains("no ArtifactStore for scheme 'fstore'"), log.toString());
        // with the folder it opens the plugin's store and gets as far as the (missing) input
        log.reset();
        assertEquals(Launcher.LAUNCHER_FAILED, Launcher.run(env, getClass().getClassLoader(), out,
                Optional.of(tmp.resolve("plugins"))));
        assertTrue(log.toString(StandardCharsets.UTF_8).contains("no blob at d1/n1/input"), log.toString());
    }

    /** Copies the entries of the image's plugins layer to {@code root}, as the image's file system has them. */
    static Path unpackPlugins(ImageSpec spec, Path root) {
        try {
            for (ImageSpec.Layer layer : spec.layers()) {
                for (ImageSpec.Entry e : layer.entries()) {
                    if (e.pathInImage().startsWith(TaskImages.PLUGINS + "/")) {
                        Path to = root.resolve(e.pathInImage().substring(TaskImages.PLUGINS.length() + 1));
                        Files.createDirectories(to.getParent());
                        Files.copy(e.source(), to, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                    }
                }
            }
            return root;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

}
