package dev.valence.distribution;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.jar.JarFile;

/**
 * This JVM's class path as files, a launcher jar's manifest {@code Class-Path} expanded (as the
 * executor does), to which the plugins folder's jars are added for the task image.
 */
final class ClassPath {
    private ClassPath() {
    }

    static List<Path> current() {
        Set<Path> out = new LinkedHashSet<>();
        for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (!e.isBlank()) {
                expand(Path.of(e).toAbsolutePath().normalize(), out);
            }
        }
        return List.copyOf(out);
    }

    private static void expand(Path entry, Set<Path> out) {
        if (!out.add(entry) || !Files.isRegularFile(entry)) {
            return;
        }
        try (JarFile jar = new JarFile(entry.toFile())) {
            var manifest = jar.getManifest();
            String cp = manifest == null ? null : manifest.getMainAttributes().getValue("Class-Path");
            if (cp == null) {
                return;
            }
            out.remove(entry);
            for (String part : cp.trim().split("\\s+")) {
                URI uri = entry.toUri().resolve(part);
                expand(Path.of(uri).normalize(), out);
            }
        } catch (IOException | IllegalArgumentException e) {
            // not a jar we can open: keep it as it is
        }
    }
}
