package dev.valence.official;

import dev.valence.spi.ClusterGatewayFactory;
import dev.valence.tck.cluster.KubeconfigAuthContract;

/** The shared kubeconfig authentication contract, run against client-java over HTTPS. */
class OfficialKubeconfigAuthContractTest extends KubeconfigAuthContract {
    @Override
    protected ClusterGatewayFactory factory() {
        return new OfficialGatewayFactory();
    }
}
