package dev.valence.official;

import dev.valence.tck.AdapterArchitectureContract;

/** The adapter architecture rules, on this module. */
class OfficialArchitectureTest extends AdapterArchitectureContract {
    @Override
    protected String adapterPackage() {
        return "dev.valence.official";
    }
}
