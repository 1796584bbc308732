package dev.valence.api;

/**
 * Runs task calls somewhere: in this JVM, in a child JVM, or as a Kubernetes Job.
 * An executor is cheap to create and owns whatever connections it opens; close it when done.
 */
public interface Executor extends AutoCloseable {
    /** A short name shown in logs and dispatch records, e.g. {@code local} or {@code k8s:minikube}. */
    String name();

    /** Starts the call and returns at once with a handle; the work happens in the background. */
    <R> TaskRun<R> submit(TaskCall call);

    /** Releases threads and connections; runs already finished are unaffected. */
    @Override
    default void close() {
    }
}
