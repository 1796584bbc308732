package dev.valence.store.local;

import dev.valence.spi.StoreKeys;
import dev.valence.api.ErrorKind;
import dev.valence.api.Settings;
import dev.valence.api.ValenceException;
import dev.valence.spi.ArtifactStore;
import dev.valence.spi.StoreAccess;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A store in a local directory. A put writes a temp file beside the target and renames it into
 * place atomically, so readers see the old file or the whole new one. Pods reach the directory
 * through a hostPath volume of {@code data_store_mount}.
 */
final class LocalArtifactStore implements ArtifactStore {
    private static final Logger LOG = LoggerFactory.getLogger(LocalArtifactStore.class);
    /** Names of files being written; never listed, never valid as a key's last part. */
    static final String TEMP_PREFIX = ".valence-tmp-";
    static final String VOLUME_NAME = "valence-data";

    private final Path root;
    private final String mount;

    LocalArtifactStore(Path root, String mount) {
        this.root = root;
        this.mount = mount;
    }

    @Override
    public String location() {
        return root.toString();
    }

    @Override
    public void put(String key, InputStream data) {
        Path target = resolve(StoreKeys.key(key, location()));
        if (target.getFileName().toString().startsWith(TEMP_PREFIX)) {
            throw new ValenceException(ErrorKind.STORE, "key '" + key + "' is not valid in " + location()
                    + ": names starting with " + TEMP_PREFIX + " are reserved for files being written");
        }
        Path tmp = target.resolveSibling(TEMP_PREFIX + UUID.randomUUID() + ".part");
        try {
            Files.createDirectories(target.getParent());
            try (OutputStream out = Files.newOutputStream(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                data.transferTo(out);
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            LOG.debug("wrote {}", target);
        } catch (IOException | RuntimeException e) {
            deleteQuietly(tmp);
            throw new ValenceException(ErrorKind.STORE, "writing " + describe(key) + " failed: " + e
                    + "; check that the directory is writable and has space", e);
        }
    }

    @Override
    public InputStream get(String key) {
        Path file = resolve(StoreKeys.key(key, location()));
        if (!isBlob(file)) {
            throw missing(key);
        }
        try {
            return Files.newInputStream(file);
        } catch (NoSuchFileException e) {
            throw missing(key);
        } catch (IOException e) {
            throw new ValenceException(ErrorKind.STORE, "reading " + describe(key) + " failed: " + e, e);
        }
    }

    @Override
    public boolean exists(String key) {
        return isBlob(resolve(StoreKeys.key(key, location())));
    }

    @Override
    public List<String> list(String prefix) {
        String p = StoreKeys.prefix(prefix, location());
        Path dir = p.isEmpty() ? root : resolve(p);
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        List<String> keys = new ArrayList<>();
        walk(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                if (attrs.isRegularFile() && !file.getFileName().toString().startsWith(TEMP_PREFIX)) {
                    keys.add(key(file));
                }
                return FileVisitResult.CONTINUE;
            }
        }, "listing " + describe(p));
        Collections.sort(keys);
        return keys;
    }

    @Override
    public void deletePrefix(String prefix) {
        String p = StoreKeys.prefix(prefix, location());
        Path dir = p.isEmpty() ? root : resolve(p);
        if (!Files.isDirectory(dir)) {
            return;
        }
        walk(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.deleteIfExists(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                if (e != null && !(e instanceof NoSuchFileException)) {
                    throw e;
                }
                if (!d.equals(root)) {
                    Files.deleteIfExists(d);
                }
                return FileVisitResult.CONTINUE;
            }
        }, "deleting " + describe(p));
        LOG.debug("deleted {}", dir);
    }

    @Override
    public StoreAccess podAccess() {
        return new StoreAccess(Map.of(Settings.ENV_PREFIX + "DATA_STORE", mount),
                List.of(new StoreAccess.HostPathVolume(VOLUME_NAME, mount, mount)));
    }

    @Override
    public String toString() {
        return "LocalArtifactStore[" + root + ", pods mount " + mount + "]";
    }

    private Path resolve(String key) {
        Path p;
        try {
            p = root.resolve(key).normalize();
        } catch (InvalidPathException e) {
            throw new ValenceException(ErrorKind.STORE, "key '" + key + "' cannot be a file name under " + location()
                    + " with this JVM's file name encoding (" + System.getProperty("sun.jnu.encoding")
                    + "); run with a UTF-8 locale, e.g. LANG=C.UTF-8", e);
        }
        if (!p.startsWith(root) || p.equals(root)) {
            throw new ValenceException(ErrorKind.STORE, "key '" + key + "' leaves " + location());
        }
        return p;
    }

    private String key(Path file) {
        StringBuilder sb = new StringBuilder();
        for (Path part : root.relativize(file)) {
            sb.append(sb.length() == 0 ? "" : "/").append(part);
        }
        return sb.toString();
    }

    private static boolean isBlob(Path p) {
        return Files.isRegularFile(p) && !p.getFileName().toString().startsWith(TEMP_PREFIX);
    }

    private ValenceException missing(String key) {
        if (!Files.isDirectory(root)) {
            return new ValenceException(ErrorKind.STORE, "no object at " + describe(key) + ": the store directory "
                    + root + " does not exist (removed, or a mount that went away); check data_store and that the "
                    + "directory is there and mounted");
        }
        return new ValenceException(ErrorKind.STORE, "no object at " + describe(key)
                + ": nothing was written there or it was deleted; check that data_store is the directory the pods mount");
    }

    private static void walk(Path dir, SimpleFileVisitor<Path> visitor, String what) {
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) throws IOException {
                    return visitor.preVisitDirectory(d, attrs);
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    return visitor.visitFile(file, attrs);
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                    if (e instanceof NoSuchFileException) {
                        return FileVisitResult.CONTINUE; // removed while we walked
                    }
                    throw e;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                    return visitor.postVisitDirectory(d, e);
                }
            });
        } catch (IOException e) {
            throw new ValenceException(ErrorKind.STORE, what + " failed: " + e, e);
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            LOG.debug("could not delete {}: {}", p, e.toString());
        }
    }
}
