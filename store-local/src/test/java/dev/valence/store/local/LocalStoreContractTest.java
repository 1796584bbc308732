package dev.valence.store.local;

import dev.valence.api.Settings;
import dev.valence.spi.ArtifactStore;
import dev.valence.spi.ArtifactStoreFactory;
import dev.valence.tck.store.ArtifactStoreContract;
import dev.valence.tck.store.StoreCapabilities;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/**
 * The store contract on a real directory. The pod's mount is the store's own directory, as it is
 * on a single-node cluster whose node shares the host's file system.
 */
class LocalStoreContractTest extends ArtifactStoreContract {
    @TempDir
    Path dir;

    @Override
    protected ArtifactStore newStore() {
        Path root = dir.resolve("store");
        return factory().create(Settings.builder().dataStore(root.toString()).dataStoreMount(root.toString()).build());
    }

    @Override
    protected ArtifactStoreFactory factory() {
        return new LocalStoreFactory();
    }

    @Override
    protected StoreCapabilities capabilities() {
        return StoreCapabilities.builder().hostPathVolumes(true).build();
    }
}
