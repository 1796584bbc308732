package dev.valence.store.local;

import dev.valence.tck.AdapterArchitectureContract;

/** The adapter architecture rules, on this module. */
class LocalStoreArchitectureTest extends AdapterArchitectureContract {
    @Override
    protected String adapterPackage() {
        return "dev.valence.store.local";
    }
}
