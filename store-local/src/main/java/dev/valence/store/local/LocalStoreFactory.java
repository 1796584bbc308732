package dev.valence.store.local;

import dev.valence.api.Settings;
import dev.valence.api.ValenceException;
import dev.valence.spi.ArtifactStoreFactory;
import dev.valence.spi.ArtifactStore;

/** ArtifactStore on a local directory (not built yet). */
public final class LocalStoreFactory implements ArtifactStoreFactory {
    @Override
    public String name() {
        return "file";
    }
    @Override
    public java.util.Set<String> schemes() {
        return java.util.Set.of("file");
    }
    @Override
    public ArtifactStore create(Settings settings) {
        throw ValenceException.notBuiltYet("ArtifactStore on a local directory");
    }
}
