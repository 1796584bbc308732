package dev.valence.store.local;

import dev.valence.api.ErrorKind;
import dev.valence.api.Settings;
import dev.valence.api.ValenceException;
import dev.valence.spi.ArtifactStore;
import dev.valence.spi.ArtifactStoreFactory;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local-directory store: {@code data_store} is an absolute path or a {@code file:} URI; pods
 * reach it through a hostPath volume of {@code data_store_mount} (as with
 * {@code minikube mount <data_store>:/data}).
 */
public final class LocalStoreFactory implements ArtifactStoreFactory {
    private static final Logger LOG = LoggerFactory.getLogger(LocalStoreFactory.class);
    private static final String ACCEPTED = "expected an absolute path or a file: URI (/var/valence, file:///var/valence)";

    @Override
    public String name() {
        return "file";
    }

    @Override
    public Set<String> schemes() {
        return Set.of("file");
    }

    @Override
    public ArtifactStore create(Settings settings) {
        String dataStore = settings.dataStore();
        Path root = root(dataStore);
        try {
            Files.createDirectories(root);
        } catch (IOException e) {
            throw new ValenceException(ErrorKind.STORE, "cannot use data_store '" + dataStore + "': " + e
                    + "; check that " + root + " is a directory you can write", e);
        }
        // no writability check of the root here: a pod sees only its task's folder writable under it (the
        // runtime made the mount's parents); a write that is refused says which folder and which identity
        LOG.debug("local data store at {}; pods mount {} from the node", root, settings.dataStoreMount());
        return new LocalArtifactStore(root, settings.dataStoreMount(), settings.fsGroup());
    }

    /** The directory of a {@code data_store} value. */
    static Path root(String dataStore) {
        String path;
        if (dataStore.startsWith("/")) {
            path = dataStore;
        } else if (dataStore.regionMatches(true, 0, "file:", 0, 5)) {
            path = fromUri(dataStore);
        } else {
            throw ValenceException.config("data_store", dataStore, ACCEPTED);
        }
        if (!path.startsWith("/")) {
            throw ValenceException.config("data_store", dataStore, ACCEPTED);
        }
        return Path.of(path).normalize();
    }

    private static String fromUri(String dataStore) {
        try {
            URI uri = URI.create(dataStore);
            if (uri.getPath() != null && (uri.getAuthority() == null || uri.getAuthority().equals("localhost"))) {
                return uri.getPath();
            }
        } catch (IllegalArgumentException e) {
            // not a strict URI (an unescaped space, say): read it as file:<path> or file://<path>
        }
        String rest = dataStore.substring("file:".length());
        return rest.startsWith("//") ? rest.substring(2) : rest;
    }
}
