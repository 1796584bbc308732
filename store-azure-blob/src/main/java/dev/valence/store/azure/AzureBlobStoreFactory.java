package dev.valence.store.azure;

import dev.valence.api.Settings;
import dev.valence.api.ValenceException;
import dev.valence.spi.ArtifactStoreFactory;
import dev.valence.spi.ArtifactStore;

/** ArtifactStore on Azure Blob (not built yet). */
public final class AzureBlobStoreFactory implements ArtifactStoreFactory {
    @Override
    public String name() {
        return "azblob";
    }
    @Override
    public java.util.Set<String> schemes() {
        return java.util.Set.of("azblob");
    }
    @Override
    public ArtifactStore create(Settings settings) {
        throw ValenceException.notBuiltYet("ArtifactStore on Azure Blob");
    }
}
