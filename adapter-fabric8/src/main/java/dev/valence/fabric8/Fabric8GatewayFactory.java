package dev.valence.fabric8;

import dev.valence.api.Settings;
import dev.valence.api.ValenceException;
import dev.valence.spi.ClusterGatewayFactory;
import dev.valence.spi.ClusterGateway;

/** ClusterGateway on fabric8 (cluster_client = fabric8) (not built yet). */
public final class Fabric8GatewayFactory implements ClusterGatewayFactory {
    @Override
    public String name() {
        return "fabric8";
    }
    @Override
    public ClusterGateway create(Settings settings) {
        throw ValenceException.notBuiltYet("ClusterGateway on fabric8 (cluster_client = fabric8)");
    }
}
