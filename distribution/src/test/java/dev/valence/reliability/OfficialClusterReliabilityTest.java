package dev.valence.reliability;

import java.time.Duration;

/** The cluster faults with {@code cluster_client = official} (client-java; its chunked watch cannot open on the mock server here, so Jobs are followed by the list every poll_freq that stands in for it). */
class OfficialClusterReliabilityTest extends ClusterReliabilityTest {
    @Override
    String clusterClient() {
        return "official";
    }

    /** The poller's period is how fast it learns of a change: short, to keep the suite quick. */
    @Override
    Duration pollFreq() {
        return Duration.ofMillis(300);
    }
}
