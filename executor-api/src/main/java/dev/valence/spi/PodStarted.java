package dev.valence.spi;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A pod of a followed Job started: its container runs (or already ran). {@code nodeName} is empty
 * when the cluster did not say; {@code startedAt} is the container's start time as the kubelet
 * reported it, or when the gateway first saw the pod started.
 */
public record PodStarted(String podName, String nodeName, Instant startedAt) {

    public PodStarted {
        Objects.requireNonNull(podName, "podName");
        nodeName = Objects.requireNonNullElse(nodeName, "");
        startedAt = Objects.requireNonNullElseGet(startedAt, Instant::now);
    }

    /** The node the pod runs on, when known. */
    public Optional<String> node() {
        return nodeName.isEmpty() ? Optional.empty() : Optional.of(nodeName);
    }
}
