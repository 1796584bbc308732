package dev.valence.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The request → permission mapping the end-to-end suites use to check calls against infra/rbac.yaml. */
class RolePermissionsTest {
    @Test
    void requestsMapToTheVerbAndResourceTheyNeed() {
        assertEquals(Optional.of("batch/jobs:create"), EndToEndTest.permission("POST", "/apis/batch/v1/namespaces/ns/jobs"));
        assertEquals(Optional.of("batch/jobs:list"),
                EndToEndTest.permission("GET", "/apis/batch/v1/namespaces/ns/jobs?labelSelector=a%3Db"));
        assertEquals(Optional.of("batch/jobs:watch"),
                EndToEndTest.permission("GET", "/apis/batch/v1/namespaces/ns/jobs?watch=true&resourceVersion=5"));
        assertEquals(Optional.of("batch/jobs:get"), EndToEndTest.permission("GET", "/apis/batch/v1/namespaces/ns/jobs/j1"));
        assertEquals(Optional.of("batch/jobs:delete"),
                EndToEndTest.permission("DELETE", "/apis/batch/v1/namespaces/ns/jobs/j1"));
        assertEquals(Optional.of("batch/jobs:patch"), EndToEndTest.permission("PATCH", "/apis/batch/v1/namespaces/ns/jobs/j1"));
        assertEquals(Optional.of("pods/log:get"),
                EndToEndTest.permission("GET", "/api/v1/namespaces/ns/pods/p1/log?tailLines=50"));
        assertEquals(Optional.of("pods:list"), EndToEndTest.permission("GET", "/api/v1/namespaces/ns/pods?labelSelector=x"));
        assertEquals(Optional.empty(), EndToEndTest.permission("GET", "/version"));
        assertEquals(Optional.empty(), EndToEndTest.permission("GET", "/api/v1/namespaces/ns"));
    }
}
