package dev.valence.spi;

import dev.valence.api.Settings;

/** Creates a {@link ClusterGateway}; selected by the {@code cluster_client} setting. */
public interface ClusterGatewayFactory extends PluginFactory {

    /** Connects to the cluster the settings name (kubeconfig, context, namespace). */
    ClusterGateway create(Settings settings);
}
