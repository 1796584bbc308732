package dev.valence.fabric8;

import dev.valence.spi.ClusterGatewayFactory;
import dev.valence.tck.cluster.KubeconfigAuthContract;

/** The fabric8 adapter against the shared kubeconfig authentication suite over HTTPS. */
class Fabric8KubeconfigAuthTest extends KubeconfigAuthContract {
    @Override
    protected ClusterGatewayFactory factory() {
        return new Fabric8GatewayFactory();
    }
}
