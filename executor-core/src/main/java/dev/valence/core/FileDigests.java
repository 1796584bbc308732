package dev.valence.core;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Properties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SHA-256 of class path files. Jars are remembered under {@code cache_dir} by path, size and
 * modification time, so a new process does not read tens of megabytes of unchanged jars again to
 * find that its image is already built.
 */
final class FileDigests {
    private static final Logger LOG = LoggerFactory.getLogger(FileDigests.class);

    private final Path file;
    private final Properties known = new Properties();
    private boolean changed;

    private FileDigests(Path file) {
        this.file = file;
        if (file != null && Files.isRegularFile(file)) {
            try (InputStream in = Files.newInputStream(file)) {
                known.load(in);
            } catch (IOException | IllegalArgumentException e) {
                LOG.debug("ignoring unreadable {}: {}", file, e.toString());
            }
        }
    }

    /** Digests remembered in {@code cacheDir/images/file-digests.properties}. */
    static FileDigests under(Path cacheDir) {
        return new FileDigests(cacheDir.resolve("images").resolve("file-digests.properties"));
    }

    /** Digests computed every time. */
    static FileDigests none() {
        return new FileDigests(null);
    }

    /** The file's SHA-256, from memory when a jar's path, size and modification time are unchanged. */
    byte[] digest(Path source) {
        try {
            String key = null;
            if (file != null && source.getFileName().toString().endsWith(".jar")) {
                BasicFileAttributes a = Files.readAttributes(source, BasicFileAttributes.class);
                key = source.toAbsolutePath() + "|" + a.size() + "|" + a.lastModifiedTime().toMillis();
                String hex = known.getProperty(key);
                if (hex != null) {
                    return HexFormat.of().parseHex(hex);
                }
            }
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            try (InputStream in = Files.newInputStream(source)) {
                byte[] buf = new byte[65536];
                for (int n; (n = in.read(buf)) > 0; ) {
                    md.update(buf, 0, n);
                }
            }
            byte[] d = md.digest();
            if (key != null) {
                known.setProperty(key, HexFormat.of().formatHex(d));
                changed = true;
            }
            return d;
        } catch (IOException e) {
            throw new UncheckedIOException("hashing " + source, e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Writes what was learnt (atomically); failures only cost speed next time. */
    void save() {
        if (file == null || !changed) {
            return;
        }
        try {
            Files.createDirectories(file.getParent());
            Path tmp = Files.createTempFile(file.getParent(), ".digests", ".tmp");
            try (OutputStream out = Files.newOutputStream(tmp)) {
                known.store(out, "Valence: SHA-256 of class path jars by path|size|mtime");
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            changed = false;
        } catch (IOException e) {
            LOG.debug("could not write {}: {}", file, e.toString());
        }
    }
}
