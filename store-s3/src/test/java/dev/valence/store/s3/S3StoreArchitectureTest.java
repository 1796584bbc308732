package dev.valence.store.s3;

import dev.valence.tck.AdapterArchitectureContract;

/** The adapter architecture rules, on this module. */
class S3StoreArchitectureTest extends AdapterArchitectureContract {
    @Override
    protected String adapterPackage() {
        return "dev.valence.store.s3";
    }
}
