package dev.valence.tck.pods;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Applies an image layer (a tar, gzipped or not) onto a root file system as a container runtime
 * does: the layer's whiteouts ({@code .wh.<name>} deletes a lower entry, {@code .wh..wh..opq} empties
 * a lower directory) first, then its entries with their owners and modes, and no whiteout file left.
 * GNU {@code tar} does the unpacking (it refuses {@code ..} and absolute names).
 */
final class Layers {
    static final String WHITEOUT = ".wh.";
    static final String OPAQUE = ".wh..wh..opq";

    private Layers() {
    }

    static void apply(Path layer, Path rootfs) throws IOException {
        List<String> names = tar("--list", "--quoting-style=literal", "-f", layer.toString()).lines()
                .map(Layers::normalize).filter(n -> !n.isEmpty()).toList();
        for (String name : names) {
            String base = name.substring(name.lastIndexOf('/') + 1);
            String parent = name.contains("/") ? name.substring(0, name.lastIndexOf('/')) : "";
            if (base.equals(OPAQUE)) {
                Path dir = inside(rootfs, parent);
                if (Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                    try (Stream<Path> children = Files.list(dir)) {
                        for (Path child : children.toList()) {
                            ImagePuller.deleteTree(child);
                        }
                    }
                }
            } else if (base.startsWith(WHITEOUT)) {
                ImagePuller.deleteTree(inside(rootfs, (parent.isEmpty() ? "" : parent + "/") + base.substring(WHITEOUT.length())));
            }
        }
        tar("--extract", "--numeric-owner", "--same-owner", "--same-permissions", "--overwrite", "-f", layer.toString(),
                "-C", rootfs.toString());
        for (String name : names) {
            String base = name.substring(name.lastIndexOf('/') + 1);
            if (base.startsWith(WHITEOUT)) {
                Files.deleteIfExists(inside(rootfs, name));
            }
        }
    }

    private static Path inside(Path rootfs, String name) {
        Path p = rootfs.resolve(name).normalize();
        if (!p.startsWith(rootfs)) {
            throw new IllegalArgumentException("layer entry " + name + " points outside the root file system");
        }
        return p;
    }

    private static String normalize(String name) {
        String n = name;
        while (n.startsWith("./") || n.startsWith("/")) {
            n = n.substring(n.startsWith("./") ? 2 : 1);
        }
        return n.endsWith("/") ? n.substring(0, n.length() - 1) : n;
    }

    private static String tar(String... args) throws IOException {
        List<String> command = new java.util.ArrayList<>(List.of("tar"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(false).start();
        byte[] err;
        String out;
        try (var stderr = p.getErrorStream()) { // stderr stays small: names of failed entries
            out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            err = stderr.readAllBytes();
        }
        try {
            if (!p.waitFor(5, TimeUnit.MINUTES) || p.exitValue() != 0) {
                throw new IOException(String.join(" ", command) + " failed: " + new String(err, StandardCharsets.UTF_8));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        return out;
    }
}
