package dev.valence.store.azure;

import dev.valence.tck.AdapterArchitectureContract;

/** The adapter architecture rules, on this module. */
class AzureBlobStoreArchitectureTest extends AdapterArchitectureContract {
    @Override
    protected String adapterPackage() {
        return "dev.valence.store.azure";
    }
}
