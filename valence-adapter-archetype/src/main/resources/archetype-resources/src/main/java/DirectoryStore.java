package ${package};

import dev.valence.api.ErrorKind;
import dev.valence.api.Settings;
import dev.valence.api.ValenceException;
import dev.valence.spi.ArtifactStore;
import dev.valence.spi.StoreAccess;
import dev.valence.spi.StoreKeys;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** Blobs as files under a directory; a put lands whole (a temp file moved in place). Package-private. */
final class DirectoryStore implements ArtifactStore {
    private final Path root;
    private final Path temp;

    DirectoryStore(Path root) {
        this.root = root;
        this.temp = root.resolveSibling(root.getFileName() + ".tmp");
    }

    @Override
    public String location() {
        return DirectoryStoreFactory.SCHEME + "://local" + root;
    }

    @Override
    public void put(String key, InputStream data) {
        Path target = file(key);
        Path tmp = null;
        try {
            Files.createDirectories(temp);
            tmp = Files.createTempFile(temp, "put-", ".part");
            Files.copy(data, tmp, StandardCopyOption.REPLACE_EXISTING);
            Files.createDirectories(target.getParent());
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | UncheckedIOException e) {
            throw new ValenceException(ErrorKind.STORE, "writing " + describe(key) + " failed: " + e.getMessage(), e);
        } finally {
            deleteQuietly(tmp);
        }
    }

    @Override
    public InputStream get(String key) {
        Path file = file(key);
        if (!Files.isRegularFile(file)) {
            throw new ValenceException(ErrorKind.STORE, "no blob at " + describe(key)
                    + ": nothing was written there or it was deleted");
        }
        try {
            return Files.newInputStream(file);
        } catch (NoSuchFileException e) {
            throw new ValenceException(ErrorKind.STORE, "no blob at " + describe(key) + ": it was deleted", e);
        } catch (IOException e) {
            throw new ValenceException(ErrorKind.STORE, "reading " + describe(key) + " failed: " + e.getMessage(), e);
        }
    }

    @Override
    public boolean exists(String key) {
        return Files.isRegularFile(file(key));
    }

    @Override
    public List<String> list(String prefix) {
        Path dir = folder(prefix);
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).map(f -> root.relativize(f).toString()).sorted().toList();
        } catch (IOException e) {
            throw new ValenceException(ErrorKind.STORE, "listing " + describe(prefix) + " failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void deletePrefix(String prefix) {
        Path dir = folder(prefix);
        if (!Files.isDirectory(dir)) {
            return;
        }
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                    if (!d.equals(root)) {
                        try {
                            Files.deleteIfExists(d);
                        } catch (DirectoryNotEmptyException racing) {
                            // a writer put something there meanwhile: it stays
                        }
                    }
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new ValenceException(ErrorKind.STORE, "deleting " + describe(prefix) + " failed: " + e.getMessage(), e);
        }
    }

    /** The pod opens the same directory: on a one-node cluster sharing the host's disk; mount it for others. */
    @Override
    public StoreAccess podAccess() {
        return StoreAccess.env(Map.of(Settings.ENV_PREFIX + "DATA_STORE", location()));
    }

    @Override
    public String toString() {
        return "DirectoryStore[" + location() + "]";
    }

    private Path file(String key) {
        return root.resolve(StoreKeys.key(key, location()));
    }

    private Path folder(String prefix) {
        String p = StoreKeys.prefix(prefix, location());
        return p.isEmpty() ? root : root.resolve(p);
    }

    private static void deleteQuietly(Path p) {
        if (p != null) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException ignored) {
                // a leftover temp file is outside the store's keys
            }
        }
    }
}
