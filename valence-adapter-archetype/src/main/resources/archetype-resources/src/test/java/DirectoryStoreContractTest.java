package ${package};

import dev.valence.api.Settings;
import dev.valence.spi.ArtifactStore;
import dev.valence.spi.ArtifactStoreFactory;
import dev.valence.tck.store.ArtifactStoreContract;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** Valence's store contract on this adapter (for a real backend: start it here, in a container or a bed). */
class DirectoryStoreContractTest extends ArtifactStoreContract {
    @TempDir
    Path dir;

    @Override
    protected ArtifactStore newStore() {
        return factory().create(Settings.builder().dataStore(DirectoryStoreFactory.SCHEME + "://local" + dir.resolve("store"))
                .build());
    }

    @Override
    protected ArtifactStoreFactory factory() {
        return new DirectoryStoreFactory();
    }
}
