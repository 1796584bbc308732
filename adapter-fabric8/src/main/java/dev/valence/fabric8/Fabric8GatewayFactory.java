package dev.valence.fabric8;

import dev.valence.api.Settings;
import dev.valence.spi.ClusterGateway;
import dev.valence.spi.ClusterGatewayFactory;

/** ClusterGateway on the fabric8 Kubernetes client: {@code cluster_client = fabric8}, the default. */
public final class Fabric8GatewayFactory implements ClusterGatewayFactory {

    @Override
    public String name() {
        return "fabric8";
    }

    /** Reads {@code k8s_config_file} / {@code k8s_context} / {@code namespace}; no request is made until the gateway is used. */
    @Override
    public ClusterGateway create(Settings settings) {
        return Fabric8Gateway.connect(settings);
    }
}
