package dev.valence.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.valence.api.TaskRun;
import dev.valence.core.KubernetesExecutor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The cluster faults with {@code cluster_client = fabric8}, plus what only a watch has: a watch
 * closed mid-flight, and {@code 410 Gone} when it is opened again.
 */
class Fabric8ClusterReliabilityTest extends ClusterReliabilityTest {
    @Override
    String clusterClient() {
        return "fabric8";
    }

    /** fabric8 follows with watches: it has followed once the watches on Jobs and pods are open. */
    @Override
    void awaitExecutorFollows() {
        List<String> seen = new ArrayList<>();
        waitUntil("the executor watches Jobs and pods", () -> {
            seen.addAll(apiProxy.takeRequests());
            return seen.stream().anyMatch(r -> r.startsWith("GET " + JOBS + "?") && r.contains("watch=true"))
                    && seen.stream().anyMatch(r -> r.startsWith("GET " + PODS + "?") && r.contains("watch=true"));
        });
    }

    /** The watch pushes changes as they happen; give it a moment (and a resync period) to have been read. */
    @Override
    void awaitExecutorLooked() {
        try {
            Thread.sleep(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    @Test
    void aWatchClosedMidFlightIsReopenedAndTheResultArrives() {
        KubernetesExecutor k8s = executor(Map.of());
        podDoes("held", Pod::holdThenLaunch);
        apiProxy.takeRequests();
        TaskRun<String> run = k8s.submit(call("held", args -> "after the watch closed"));
        awaitPod(run);
        awaitExecutorFollows();
        apiProxy.cutConnections();
        release.countDown();
        assertEquals("after the watch closed", value(run));
        assertOneJob(run, ledger);
        assertEquals(1, launches("held"));
    }

    @Test
    void goneOnReWatchMakesTheWatchListAgainAndTheResultArrives() {
        KubernetesExecutor k8s = executor(Map.of());
        podDoes("held", Pod::holdThenLaunch);
        apiProxy.takeRequests();
        TaskRun<String> run = k8s.submit(call("held", args -> "after 410"));
        awaitPod(run);
        awaitExecutorFollows();
        apiProxy.answerNext("GET", JOBS, 1, 410);
        apiProxy.answerNext("GET", PODS, 1, 410);
        apiProxy.cutConnections();
        release.countDown();
        assertEquals("after 410", value(run));
        assertEquals(0, apiProxy.pendingFaults(), "both re-watches met 410 Gone");
        assertOneJob(run, ledger);
        assertEquals(1, launches("held"));
    }

    @Test
    void goneOnTheFirstWatchMakesTheInformersListAgainAndTheResultArrives() {
        apiProxy.answerNext("GET", JOBS + "\\?.*watch=true.*", 1, 410);
        apiProxy.answerNext("GET", PODS + "\\?.*watch=true.*", 1, 410);
        KubernetesExecutor k8s = executor(Map.of());
        TaskRun<String> run = k8s.submit(call("gone-first", args -> "after a 410 at start"));
        assertEquals("after a 410 at start", value(run));
        assertEquals(0, apiProxy.pendingFaults(), "both first watches met 410 Gone");
        assertOneJob(run, ledger);
        assertEquals(1, launches("gone-first"));
    }
}
