package ${package};

import dev.valence.spi.PluginFactory;
import dev.valence.tck.AdapterArchitectureContract;

/**
 * Valence's architecture rules on this adapter's package (found from its factory): it does not use Valence's
 * core, its only public type is its factory, and no public member names a backend type.
 */
class DirectoryStoreArchitectureTest extends AdapterArchitectureContract {
    @Override
    protected Class<? extends PluginFactory> factory() {
        return DirectoryStoreFactory.class;
    }
}
