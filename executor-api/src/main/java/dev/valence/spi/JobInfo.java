package dev.valence.spi;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A Job as listed: name, labels, phase, creation time and, for an Indexed Job (a map), its progress
 * over its indexes.
 */
public record JobInfo(String name, String namespace, Map<String, String> labels, Phase phase, Instant created,
                      Optional<Progress> progress) {

    /** Where a Job stands. */
    public enum Phase { PENDING, RUNNING, SUCCEEDED, FAILED }

    /** An Indexed Job's pods: how many indexes in all, and how many succeeded, failed (pods) and run now. */
    public record Progress(int completions, int succeeded, int failed, int active) {
        /** {@code 3 succeeded, 1 failed, 2 active of 10}. */
        @Override
        public String toString() {
            return succeeded + " succeeded, " + failed + " failed, " + active + " active of " + completions;
        }
    }

    public JobInfo {
        labels = Map.copyOf(labels);
        Objects.requireNonNull(progress, "progress");
    }

    /** A Job without progress (not an Indexed Job). */
    public JobInfo(String name, String namespace, Map<String, String> labels, Phase phase, Instant created) {
        this(name, namespace, labels, phase, created, Optional.empty());
    }
}
