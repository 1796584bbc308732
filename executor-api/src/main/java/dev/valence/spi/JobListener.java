package dev.valence.spi;

/**
 * Told what happens to a followed Job before its outcome. A gateway calls it from its own threads,
 * at most once per pod, and before it completes the outcome; a listener must return quickly and an
 * exception it throws is logged and ignored.
 */
@FunctionalInterface
public interface JobListener {

    /** A listener that ignores every event. */
    JobListener NONE = pod -> { };

    /** A pod of the Job started; a Job retried after a pod failure reports each new pod. */
    void podStarted(PodStarted pod);

    /**
     * A pod of the Job exited with code 0 (all its containers terminated with exit code 0), as soon
     * as the gateway sees it and usually before the Job's {@code Complete} condition, which the Job
     * controller writes later. A sign, not the outcome: the outcome still comes through the follow.
     */
    default void podSucceeded(String podName) {
    }

    /**
     * A pod of the Job failed (its phase is {@code Failed}, or its container exited non-zero), with its
     * completion index when the Job is Indexed (the pod's {@code batch.kubernetes.io/job-completion-index}).
     * Told once per pod; the Job may still replace it.
     */
    default void podFailed(String podName, java.util.OptionalInt completionIndex) {
    }

    /**
     * {@link #podFailed(String, java.util.OptionalInt)} with why the pod failed as the gateway saw it: its
     * container's termination reason and exit code ({@code "OOMKilled, exit code 137"}, {@code "Error, exit code 3"}),
     * else the pod's own reason ({@code "Evicted"}), else empty. Gateways call this one; by default it drops the reason.
     */
    default void podFailed(String podName, java.util.OptionalInt completionIndex, String reason) {
        podFailed(podName, completionIndex);
    }

    /**
     * For gateways: {@code listener} told at most once per pod name and event, whatever the number of
     * times the pod is seen started or succeeded, and with its exceptions logged at DEBUG instead of thrown. Thread-safe.
     */
    static JobListener oncePerPod(JobListener listener) {
        return new OncePerPod(listener);
    }
}
