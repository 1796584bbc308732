package dev.valence.fabric8;

import dev.valence.tck.AdapterArchitectureContract;

/** The adapter architecture rules, on this module. */
class Fabric8ArchitectureTest extends AdapterArchitectureContract {
    @Override
    protected String adapterPackage() {
        return "dev.valence.fabric8";
    }
}
