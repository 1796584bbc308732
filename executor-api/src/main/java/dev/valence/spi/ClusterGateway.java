package dev.valence.spi;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/** Port to a Kubernetes cluster: Jobs in one namespace. */
public interface ClusterGateway extends AutoCloseable {

    /** Label every Valence Job carries. */
    String MANAGED_BY = "app.kubernetes.io/managed-by";
    /** Label holding the dispatch id. */
    String DISPATCH_LABEL = "valence.dev/dispatch";
    /** Label holding the node id. */
    String NODE_LABEL = "valence.dev/node";

    /** The namespace Jobs go to. */
    String namespace();

    /**
     * Creates the Job, or adopts an existing one of the same name that carries the same dispatch
     * and node labels (a restarted executor re-attaches instead of starting a duplicate).
     */
    JobRef submit(JobSpec spec);

    /** Follows the Job to its outcome; never completes exceptionally for a failed pod. */
    default CompletableFuture<JobOutcome> follow(JobRef job) {
        return follow(job, JobListener.NONE);
    }

    /**
     * Follows the Job to its outcome, telling {@code listener} when each of its pods starts (once per
     * pod, before the outcome); never completes exceptionally for a failed pod.
     */
    CompletableFuture<JobOutcome> follow(JobRef job, JobListener listener);

    /** Deletes the Job and its pods; returns false when it did not exist. */
    boolean cancel(JobRef job);

    /** Last {@code tailLines} lines of the Job's pod log, empty when there is no pod yet. */
    String logs(JobRef job, int tailLines);

    /**
     * Last {@code tailLines} lines of one pod's log (the task container's), in {@code namespace}; empty when
     * the pod or its log is gone or has not started. A map reads each failed element's own pod by it.
     */
    default String podLogs(String namespace, String pod, int tailLines) {
        throw dev.valence.api.ValenceException.notBuiltYet("reading one pod's log for this cluster client");
    }

    /**
     * The pods of the Job, newest first, as {@code kubectl get pods -l job-name=<job>} shows them; empty
     * when it has none (yet, or any more). Used by {@code valence ui}'s node panel.
     */
    default List<PodInfo> pods(JobRef job) {
        throw dev.valence.api.ValenceException.notBuiltYet("listing a Job's pods for this cluster client");
    }

    /** Jobs carrying every given label. */
    List<JobInfo> list(Map<String, String> labels);

    /** The Job manifest that {@link #submit} would create, as YAML. */
    String render(JobSpec spec);

    /** Checks the cluster answers and the namespace is usable; throws with the reason if not. */
    void check();

    /**
     * Whether the current identity may {@code verb} the {@code resource} (API {@code group}, empty for
     * core; {@code subresource} such as {@code log} or empty) in this namespace, asked with a
     * SelfSubjectAccessReview. Used by {@code valence doctor}.
     */
    default boolean allowed(String verb, String group, String resource, String subresource) {
        throw dev.valence.api.ValenceException.notBuiltYet("access review for this cluster client");
    }

    /**
     * The server's Kubernetes version ({@code GET /version}), to choose Job features by; empty when the
     * server does not say (then the executor uses what every supported version has).
     */
    default java.util.Optional<ClusterVersion> serverVersion() {
        return java.util.Optional.empty();
    }

    /**
     * Which of the named Secrets or ConfigMaps ({@code kind}) do not exist in this namespace: what a
     * task's pod refers to ({@code env_from_secrets}, a store's {@link StoreAccess#objectVolumes()})
     * and would wait for. Used by {@code valence doctor}; throws {@code PERMISSION} when they may not be read.
     */
    default java.util.Set<String> missing(dev.valence.api.ClusterFileRef.Kind kind, java.util.Collection<String> names) {
        throw dev.valence.api.ValenceException.notBuiltYet("checking Secrets and ConfigMaps for this cluster client");
    }

    @Override
    void close();
}
