package dev.valence.registry.local;

import dev.valence.tck.AdapterArchitectureContract;

/** The adapter architecture rules, on this module. */
class RegistryLocalArchitectureTest extends AdapterArchitectureContract {
    @Override
    protected String adapterPackage() {
        return "dev.valence.registry.local";
    }
}
