package dev.valence.tck.pods;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LayersTest {
    @TempDir
    Path work;

    @Test
    void whiteoutsDeleteLowerEntriesAndOpaqueDirectoriesHideLowerContents() throws Exception {
        Path lower = tree("lower", "keep/file", "gone/file", "deleted", "opaque/old", "opaque/sub/older");
        Path upper = tree("upper", ".wh.deleted", ".wh.gone", "opaque/.wh..wh..opq", "opaque/new", "added");
        Path rootfs = Files.createDirectories(work.resolve("rootfs"));
        Layers.apply(tar(lower, true), rootfs);
        Layers.apply(tar(upper, false), rootfs);
        assertTrue(Files.exists(rootfs.resolve("keep/file")));
        assertTrue(Files.exists(rootfs.resolve("added")));
        assertTrue(Files.exists(rootfs.resolve("opaque/new")));
        assertFalse(Files.exists(rootfs.resolve("deleted")));
        assertFalse(Files.exists(rootfs.resolve("gone")));
        assertFalse(Files.exists(rootfs.resolve("opaque/old")));
        assertFalse(Files.exists(rootfs.resolve("opaque/sub")));
        try (var all = Files.walk(rootfs)) {
            assertEquals(List.of(), all.filter(p -> p.getFileName().toString().startsWith(".wh.")).toList(),
                    "no whiteout file is left");
        }
    }

    @Test
    void anExecutableIsFoundThroughAbsoluteSymlinksInsideTheRoot() throws Exception {
        Path rootfs = Files.createDirectories(work.resolve("links"));
        Path bin = Files.createDirectories(rootfs.resolve("opt/jre/bin"));
        Files.writeString(bin.resolve("java"), "#!");
        bin.resolve("java").toFile().setExecutable(true);
        Files.createDirectories(rootfs.resolve("usr/bin"));
        Files.createSymbolicLink(rootfs.resolve("usr/bin/java"), Path.of("/opt/jre/bin/java"));
        assertEquals("/usr/bin/java", RuncPodRunner.executable(rootfs, "java", "/usr/local/bin:/usr/bin").orElseThrow());
        assertTrue(RuncPodRunner.executable(rootfs, "javac", "/usr/bin").isEmpty());
    }

    private Path tree(String name, String... files) throws Exception {
        Path dir = Files.createDirectories(work.resolve(name));
        for (String f : files) {
            Path p = dir.resolve(f);
            Files.createDirectories(p.getParent());
            Files.writeString(p, f);
        }
        return dir;
    }

    private Path tar(Path dir, boolean gzip) throws Exception {
        Path out = work.resolve(dir.getFileName() + (gzip ? ".tar.gz" : ".tar"));
        Process p = new ProcessBuilder("tar", gzip ? "-czf" : "-cf", out.toString(), "-C", dir.toString(), ".")
                .inheritIO().start();
        assertEquals(0, p.waitFor());
        return out;
    }
}
