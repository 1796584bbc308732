package dev.valence.registry.ecr;

import dev.valence.tck.AdapterArchitectureContract;

/** The adapter architecture rules, on this module. */
class RegistryEcrArchitectureTest extends AdapterArchitectureContract {
    @Override
    protected String adapterPackage() {
        return "dev.valence.registry.ecr";
    }
}
