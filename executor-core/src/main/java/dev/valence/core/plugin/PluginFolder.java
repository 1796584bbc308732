package dev.valence.core.plugin;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The plugins of a {@code plugins/} folder: each sub-folder is one plugin made of the jars in it, each
 * loose jar is a plugin of its own. The CLI and the task image's launcher read the folder the same way.
 */
public final class PluginFolder {
    private static final Logger LOG = LoggerFactory.getLogger(PluginFolder.class);

    private PluginFolder() {
    }

    /** One plugin: its name and its jars (file name order). */
    public record Plugin(String name, List<Path> jars) {
        /** Checks the fields. */
        public Plugin {
            Objects.requireNonNull(name, "name");
            jars = List.copyOf(jars);
        }

        /** A class loader of its own for this plugin, lending {@code application}'s API, SPI and SLF4J. */
        public PluginClassLoader loader(ClassLoader application) {
            return new PluginClassLoader(name, jars, application);
        }
    }

    /**
     * The plugins of {@code dir} in file name order; a jar that cannot be read, or a folder that cannot be
     * listed, is left out and named in {@code problems} with what to do.
     */
    public static List<Plugin> scan(Path dir, List<String> problems) {
        if (!Files.isDirectory(dir)) {
            if (Files.exists(dir)) {
                problems.add("plugins folder " + dir + " is not a directory; point it at a directory of plugin folders "
                        + "(plugins/<name>/*.jar) or plugin jars");
            } else {
                LOG.debug("no plugins folder at {}", dir);
            }
            return List.of();
        }
        List<Plugin> out = new ArrayList<>();
        for (Path entry : list(dir, problems)) {
            String file = entry.getFileName().toString();
            if (Files.isDirectory(entry)) {
                List<Path> jars = readable(list(entry, problems).stream().filter(PluginFolder::isJar).toList(), problems);
                if (jars.isEmpty()) {
                    LOG.debug("plugin folder {} has no jar; skipped", entry);
                } else {
                    out.add(new Plugin(file, jars));
                }
            } else if (isJar(entry)) {
                List<Path> jars = readable(List.of(entry), problems);
                if (!jars.isEmpty()) {
                    out.add(new Plugin(file.substring(0, file.length() - ".jar".length()), jars));
                }
            }
        }
        return out;
    }

    private static boolean isJar(Path p) {
        return Files.isRegularFile(p) && p.getFileName().toString().endsWith(".jar");
    }

    private static List<Path> list(Path dir, List<String> problems) {
        try (Stream<Path> files = Files.list(dir)) {
            return files.sorted().toList();
        } catch (IOException e) {
            problems.add("plugins folder " + dir + " cannot be listed (" + e + "); check its permissions");
            return List.of();
        }
    }

    private static List<Path> readable(List<Path> jars, List<String> problems) {
        List<Path> good = new ArrayList<>();
        for (Path jar : jars) {
            try (JarFile jf = new JarFile(jar.toFile())) {
                jf.getManifest();
                good.add(jar);
            } catch (IOException | SecurityException e) {
                problems.add(jar + " is not a readable jar (" + e.getMessage() + "); it was left out: replace it with "
                        + "a good copy or remove it");
            }
        }
        return good;
    }
}
