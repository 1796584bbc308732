package dev.valence.store.s3;

import dev.valence.api.Settings;
import dev.valence.api.ValenceException;
import dev.valence.spi.ArtifactStoreFactory;
import dev.valence.spi.ArtifactStore;

/** ArtifactStore on S3 (not built yet). */
public final class S3StoreFactory implements ArtifactStoreFactory {
    @Override
    public String name() {
        return "s3";
    }
    @Override
    public java.util.Set<String> schemes() {
        return java.util.Set.of("s3");
    }
    @Override
    public ArtifactStore create(Settings settings) {
        throw ValenceException.notBuiltYet("ArtifactStore on S3");
    }
}
