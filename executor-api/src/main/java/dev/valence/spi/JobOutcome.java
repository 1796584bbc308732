package dev.valence.spi;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * How a Job ended. {@code reason} is the Kubernetes reason ({@code BackoffLimitExceeded},
 * {@code ImagePullBackOff}, {@code OOMKilled}, {@code Unschedulable}, {@code DeadlineExceeded},
 * {@code Deleted}...), {@code logTail} the last lines of the pod's log.
 */
public record JobOutcome(boolean succeeded, String reason, String message, String podName, String logTail,
                         Instant finishedAt) {

    public JobOutcome {
        reason = Objects.requireNonNullElse(reason, "");
        message = Objects.requireNonNullElse(message, "");
        podName = Objects.requireNonNullElse(podName, "");
        logTail = Objects.requireNonNullElse(logTail, "");
        finishedAt = Objects.requireNonNullElseGet(finishedAt, Instant::now);
    }

    /** The Job completed. */
    public static JobOutcome succeeded(String podName) {
        return new JobOutcome(true, "Complete", "", podName, "", Instant.now());
    }

    /** The Job failed or will never finish. */
    public static JobOutcome failed(String reason, String message, String podName, String logTail) {
        return new JobOutcome(false, reason, message, podName, logTail, Instant.now());
    }

    /** The pod name, when a pod ran. */
    public Optional<String> pod() {
        return podName.isEmpty() ? Optional.empty() : Optional.of(podName);
    }
}
