package ${package};

import dev.valence.api.ErrorKind;
import dev.valence.api.Settings;
import dev.valence.api.ValenceException;
import dev.valence.spi.ArtifactStore;
import dev.valence.spi.ArtifactStoreFactory;
import java.net.URI;
import java.nio.file.Path;
import java.util.Set;

/**
 * The store for {@code data_store = "${scheme}://local/<directory>"}: the adapter's only public class. Replace the
 * directory with your backend; keep the contract tests green.
 */
public final class DirectoryStoreFactory implements ArtifactStoreFactory {
    /** The URI scheme this store serves. */
    public static final String SCHEME = "${scheme}";

    @Override
    public String name() {
        return SCHEME;
    }

    @Override
    public Set<String> schemes() {
        return Set.of(SCHEME);
    }

    @Override
    public ArtifactStore create(Settings settings) {
        return new DirectoryStore(root(settings.dataStore()));
    }

    /** Opens nothing: this store connects to no server, so the dry run's store is the real one. */
    @Override
    public ArtifactStore describe(Settings settings) {
        return create(settings);
    }

    private static Path root(String dataStore) {
        URI uri;
        try {
            uri = URI.create(dataStore);
        } catch (IllegalArgumentException e) {
            throw new ValenceException(ErrorKind.CONFIG, "data_store '" + dataStore + "' is not a URI; expected "
                    + SCHEME + "://local/an/absolute/directory");
        }
        if (uri.getPath() == null || !uri.getPath().startsWith("/")) {
            throw new ValenceException(ErrorKind.CONFIG, "data_store '" + dataStore + "' names no absolute directory; "
                    + "expected " + SCHEME + "://local/an/absolute/directory");
        }
        return Path.of(uri.getPath());
    }
}
