package dev.valence.spi;

import java.time.Instant;
import java.util.Map;

/** A Job as listed: name, labels, phase and creation time. */
public record JobInfo(String name, String namespace, Map<String, String> labels, Phase phase, Instant created) {

    /** Where a Job stands. */
    public enum Phase { PENDING, RUNNING, SUCCEEDED, FAILED }

    public JobInfo {
        labels = Map.copyOf(labels);
    }
}
