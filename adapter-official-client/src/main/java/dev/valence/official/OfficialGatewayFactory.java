package dev.valence.official;

import dev.valence.api.Settings;
import dev.valence.api.ValenceException;
import dev.valence.spi.ClusterGatewayFactory;
import dev.valence.spi.ClusterGateway;

/** ClusterGateway on the official client (cluster_client = official) (not built yet). */
public final class OfficialGatewayFactory implements ClusterGatewayFactory {
    @Override
    public String name() {
        return "official";
    }
    @Override
    public ClusterGateway create(Settings settings) {
        throw ValenceException.notBuiltYet("ClusterGateway on the official client (cluster_client = official)");
    }
}
