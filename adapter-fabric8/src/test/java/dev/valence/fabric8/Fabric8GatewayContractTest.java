package dev.valence.fabric8;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.valence.api.ErrorKind;
import dev.valence.api.ValenceException;
import dev.valence.spi.ClusterGatewayFactory;
import dev.valence.tck.cluster.ClusterGatewayContract;
import org.junit.jupiter.api.Test;

/** The fabric8 adapter against the shared ClusterGateway contract on the mock API server. */
class Fabric8GatewayContractTest extends ClusterGatewayContract {
    @Override
    protected ClusterGatewayFactory factory() {
        return new Fabric8GatewayFactory();
    }

    @Test
    void accessReviewsAskTheServer() {
        // the CRUD mock cannot decide a review (it answers 422); a refusal must map to PERMISSION
        bed.failNext("POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews$", 1, 403, "forbidden");
        ValenceException e = assertThrows(ValenceException.class, () -> gateway.allowed("get", "", "pods", "log"));
        assertEquals(ErrorKind.PERMISSION, e.kind());
    }

    @Override
    protected int requestAttempts() {
        return 1 + KubeconfigLoader.RETRIES;
    }
}
