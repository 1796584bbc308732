package dev.valence.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class JobListenerTest {

    @Test
    void oncePerPodPassesEachPodOnceAndSwallowsTheListenersExceptions() {
        List<String> told = new ArrayList<>();
        JobListener once = JobListener.oncePerPod(pod -> {
            told.add(pod.podName());
            throw new IllegalStateException("listener bug");
        });
        Instant at = Instant.parse("2026-01-01T00:00:00Z");
        once.podStarted(new PodStarted("p-1", "node-1", at));
        once.podStarted(new PodStarted("p-1", "node-1", at));
        once.podStarted(new PodStarted("p-2", null, null));
        assertEquals(List.of("p-1", "p-2"), told);
    }

    @Test
    void aPodStartedWithoutANodeSaysSo() {
        PodStarted pod = new PodStarted("p", null, Instant.EPOCH);
        assertEquals("", pod.nodeName());
        assertEquals(java.util.Optional.empty(), pod.node());
        assertEquals(java.util.Optional.of("n"), new PodStarted("p", "n", Instant.EPOCH).node());
    }
}
