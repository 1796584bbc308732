package dev.valence.official;

import dev.valence.api.Settings;
import dev.valence.spi.ClusterGateway;
import dev.valence.spi.ClusterGatewayFactory;
import java.time.Clock;

/** Creates the {@link ClusterGateway} on the official Kubernetes Java client; selected by {@code cluster_client = official}. */
public final class OfficialGatewayFactory implements ClusterGatewayFactory {

    /** The {@code cluster_client} value that selects this adapter. */
    public static final String NAME = "official";

    @Override
    public String name() {
        return NAME;
    }

    /** Reads the kubeconfig ({@code k8s_config_file}, {@code k8s_context}) or the in-cluster config; does not call the API. */
    @Override
    public ClusterGateway create(Settings settings) {
        OfficialGateway gateway = new OfficialGateway(ClusterConnection.open(settings), settings.pollFreq(),
                settings.unschedulableGrace(), Clock.systemUTC());
        return settings.checkNodeCapacity() ? gateway.checkingNodeCapacity() : gateway;
    }
}
