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
     * For gateways: {@code listener} told at most once per pod name, whatever the number of times
     * the pod is seen started, and with its exceptions logged at DEBUG instead of thrown. Thread-safe.
     */
    static JobListener oncePerPod(JobListener listener) {
        return new OncePerPod(listener);
    }
}
