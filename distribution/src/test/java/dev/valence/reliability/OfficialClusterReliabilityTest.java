package dev.valence.reliability;

import java.time.Duration;

/** The cluster faults with {@code cluster_client = official} (client-java; Jobs followed by a list every poll_freq). */
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
