package dev.valence.official;

import dev.valence.spi.ClusterGatewayFactory;
import dev.valence.tck.cluster.ClusterGatewayContract;

/** The shared cluster gateway contract, run against client-java on fabric8's mock API server, watches served chunked. */
class OfficialGatewayContractTest extends ClusterGatewayContract {
    @Override
    protected ClusterGatewayFactory factory() {
        return new OfficialGatewayFactory();
    }

    @Override
    protected boolean watchesOverChunkedHttp() {
        return true;
    }

    @Override
    protected int requestAttempts() {
        return ApiCalls.ATTEMPTS;
    }
}
