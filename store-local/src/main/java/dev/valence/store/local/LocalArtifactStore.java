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
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
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
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A store in a local directory. A put writes a temp file beside the target and renames it into
 * place atomically, so readers see the old file or the whole new one. A task's pod reaches its own
 * {@code <dispatch>/<node>} folder through a hostPath volume under {@code data_store_mount}.
 *
 * <p>Sharing with the pod, whoever runs the client: every folder the store creates under the root
 * is given the group {@code fs_group} (the pod's supplementary group) and mode {@code 2770}
 * (setgid: what is made inside keeps the group), and every file mode {@code 0640}; nobody outside
 * the owner and that group reads or writes a task's data. When this process may not give a folder
 * that group (it is neither root nor a member), or {@code fs_group} is empty, the folder is made
 * {@code 0777} and its files {@code 0644} instead, and this is said once at INFO. Deleting a prefix
 * also removes the folders it leaves empty, up to the root.
 */
final class LocalArtifactStore implements ArtifactStore {
    private static final Logger LOG = LoggerFactory.getLogger(LocalArtifactStore.class);
    /** Names of files being written; never listed, never valid as a key's last part. */
    static final String TEMP_PREFIX = ".valence-tmp-";
    static final String VOLUME_NAME = "valence-data";
    /** Mode of a folder shared through its group: rwx for owner and group, setgid. */
    static final int GROUP_FOLDER = 02770;
    /** Mode of a folder when no group can be shared. */
    static final int OPEN_FOLDER = 0777;
    /** How often a put tries again when a concurrent delete removed the folder it was writing into. */
    private static final int PUT_ATTEMPTS = 3;

    private final Path root;
    private final String mount;
    private final Optional<Integer> group;
    private final AtomicBoolean saidOpen = new AtomicBoolean();
    /** Held while folders are made and shared, so that no writer of this store sees one half made. */
    private final Object folderLock = new Object();
    /** Whether the file system has Unix modes and owners (not on Windows): else nothing is shared by mode. */
    private final boolean unix;

    LocalArtifactStore(Path root, String mount, Optional<Integer> group) {
        this.root = root;
        this.mount = mount;
        this.group = group;
        this.unix = root.getFileSystem().supportedFileAttributeViews().contains("unix");
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
            for (int attempt = 1; ; attempt++) {
                folders(target.getParent());
                try {
                    write(data, tmp, target);
                    break;
                } catch (NoSuchFileException gone) {
                    // another task's clean-up removed the (then empty) folder: make it again
                    if (attempt >= PUT_ATTEMPTS) {
                        throw gone;
                    }
                    LOG.debug("folder of {} removed while writing; again", target);
                }
            }
            LOG.debug("wrote {}", target);
        } catch (java.nio.file.AccessDeniedException e) {
            deleteQuietly(tmp);
            throw new ValenceException(ErrorKind.STORE, "writing " + describe(key) + " failed: "
                    + e.getFile() + " is not writable by uid " + currentUid() + "; a pod writes as run_as_user/"
                    + "run_as_group with fs_group as its extra group: give that identity the folder (or set those"
                    + " settings to an identity that has it)", e);
        } catch (IOException | RuntimeException e) {
            deleteQuietly(tmp);
            throw new ValenceException(ErrorKind.STORE, "writing " + describe(key) + " failed: " + e
                    + "; check that the directory is writable and has space", e);
        }
    }

    /** This process's uid, for an error message ("?" where the file system cannot tell). */
    private static String currentUid() {
        try {
            return String.valueOf(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
        } catch (IOException | RuntimeException e) {
            return "?";
        }
    }

    private void write(InputStream data, Path tmp, Path target) throws IOException {
        try (OutputStream out = Files.newOutputStream(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            data.transferTo(out);
        }
        if (unix) {
            // readable by the folder's group; by everyone when the folder is open to everyone. Best effort:
            // a mount that refuses modes (9p, some NFS) keeps its own, and the write goes on
            try {
                int folder = (Integer) Files.getAttribute(tmp.getParent(), "unix:mode") & 07777;
                Files.setAttribute(tmp, "unix:mode", (folder & 0002) != 0 ? 0644 : 0640);
            } catch (IOException | UnsupportedOperationException e) {
                LOG.debug("could not set the mode of {}: {}", tmp, e.toString());
            }
        }
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /**
     * Creates {@code dir} and its missing parents under the root, each shared as the class says. Under one lock:
     * a writer that saw a folder another writer of this store had created but not yet shared (its group and mode)
     * would give its file the folder's unshared group and mode, which a pod's user cannot read (a map writes its
     * items 16 at once into a new folder).
     */
    private void folders(Path dir) throws IOException {
        if (dir.equals(root)) {
            return;
        }
        synchronized (folderLock) {
            createShared(dir);
        }
    }

    private void createShared(Path dir) throws IOException {
        if (dir.equals(root) || Files.isDirectory(dir)) {
            return;
        }
        createShared(dir.getParent());
        try {
            Files.createDirectory(dir);
        } catch (FileAlreadyExistsException raced) {
            return; // another process made it (and shares it)
        }
        share(dir);
    }

    private void share(Path dir) throws IOException {
        if (!unix) {
            return;
        }
        if (group.isPresent()) {
            try {
                Files.setAttribute(dir, "unix:gid", group.get());
                Files.setAttribute(dir, "unix:mode", GROUP_FOLDER);
                return;
            } catch (FileSystemException | UnsupportedOperationException denied) {
                if (saidOpen.compareAndSet(false, true)) {
                    LOG.info("this user cannot give the data_store's folders the group {} (fs_group) that task pods "
                            + "run with: making them writable by all users (0777) instead; to keep them to that group, "
                            + "run as a member of group {} or set fs_group to one of your groups", group.get(), group.get());
                }
            }
        }
        try {
            Files.setAttribute(dir, "unix:mode", OPEN_FOLDER);
        } catch (IOException | UnsupportedOperationException e) {
            LOG.debug("could not set the mode of {}: {}", dir, e.toString());
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
        removeEmptyParents(dir.getParent());
        LOG.debug("deleted {}", dir);
    }

    /** Removes {@code dir} and its parents below the root while they are empty (a finished dispatch's folder). */
    private void removeEmptyParents(Path dir) {
        for (Path d = dir; d != null && d.startsWith(root) && !d.equals(root); d = d.getParent()) {
            try {
                Files.deleteIfExists(d);
            } catch (DirectoryNotEmptyException busy) {
                return; // another task of the dispatch still has its folder there
            } catch (IOException e) {
                LOG.debug("could not remove empty folder {}: {}", d, e.toString());
                return;
            }
        }
    }

    @Override
    public StoreAccess podAccess() {
        return new StoreAccess(podEnv(), List.of(new StoreAccess.HostPathVolume(VOLUME_NAME, mount, mount)));
    }

    /**
     * Mounts only the task's own folder, at the same path as on the node ({@code DirectoryOrCreate}: a
     * wrong {@code data_store_mount} shows as the launcher's "no input" error, not as a pod stuck
     * waiting for its volume); the env names the store's root as before.
     */
    @Override
    public StoreAccess podAccess(String prefix) {
        String folder = StoreKeys.prefix(prefix, location());
        if (folder.isEmpty()) {
            return podAccess();
        }
        String path = (mount.endsWith("/") ? mount : mount + "/") + folder.replaceAll("/+$", "");
        return new StoreAccess(podEnv(), List.of(new StoreAccess.HostPathVolume(VOLUME_NAME, path, path,
                "DirectoryOrCreate")));
    }

    private Map<String, String> podEnv() {
        return Map.of(Settings.ENV_PREFIX + "DATA_STORE", mount,
                Settings.ENV_PREFIX + "FS_GROUP", group.map(String::valueOf).orElse(""));
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
