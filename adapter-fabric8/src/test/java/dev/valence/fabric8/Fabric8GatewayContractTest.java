package dev.valence.fabric8;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.valence.api.ErrorKind;
import dev.valence.api.ValenceException;
import dev.valence.spi.ClusterGateway;
import dev.valence.spi.ClusterGatewayFactory;
import dev.valence.spi.JobRef;
import dev.valence.spi.JobSpec;
import dev.valence.tck.cluster.ApiServerBed;
import dev.valence.tck.cluster.ClusterGatewayContract;
import java.util.Map;
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

    private static final String JOBS = "/apis/batch/v1/namespaces/" + ApiServerBed.NAMESPACE + "/jobs";

    @Test
    void aCreateWithoutADefiniteAnswerAdoptsTheJobTheServerMade() {
        // the server made the Job, but the client saw no answer it could trust (here: 503s past its retries)
        JobSpec spec = spec("dunknown");
        bed.client().batch().v1().jobs().inNamespace(ApiServerBed.NAMESPACE)
                .resource(JobManifest.build(spec, ApiServerBed.NAMESPACE)).create();
        bed.failNext("POST", JOBS, 1 + KubeconfigLoader.RETRIES, 503, "etcdserver: request timed out");
        JobRef ref = gateway.submit(spec);
        assertTrue(ref.adopted());
        assertEquals(1, gateway.list(Map.of(ClusterGateway.DISPATCH_LABEL, "dunknown")).size());
    }

    @Test
    void aCreateWithoutADefiniteAnswerIsMadeAgainWhenTheJobIsNotThere() {
        JobSpec spec = spec("dnone");
        bed.failNext("POST", JOBS, 1 + KubeconfigLoader.RETRIES, 503, "etcdserver: request timed out");
        JobRef ref = gateway.submit(spec);
        assertFalse(ref.adopted());
        assertEquals(1, gateway.list(Map.of(ClusterGateway.DISPATCH_LABEL, "dnone")).size());
    }

    @Test
    void aCreateThatStillFailsAfterTheReadIsAClusterError() {
        bed.failNext("POST", JOBS, 2 * (1 + KubeconfigLoader.RETRIES), 503, "etcdserver: request timed out");
        ValenceException e = assertThrows(ValenceException.class, () -> gateway.submit(spec("dgone")));
        assertEquals(ErrorKind.CLUSTER, e.kind());
        assertTrue(e.getMessage().contains("503"), e.getMessage());
        assertEquals(0, gateway.list(Map.of(ClusterGateway.DISPATCH_LABEL, "dgone")).size());
    }
}
