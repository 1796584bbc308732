package dev.valence.fabric8;

import dev.valence.spi.ClusterGatewayFactory;
import dev.valence.tck.cluster.ClusterGatewayContract;

/** The fabric8 adapter against the shared ClusterGateway contract on the mock API server. */
class Fabric8GatewayContractTest extends ClusterGatewayContract {
    @Override
    protected ClusterGatewayFactory factory() {
        return new Fabric8GatewayFactory();
    }
}
