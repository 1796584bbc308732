package dev.valence.distribution;

import dev.valence.core.JobNames;
import dev.valence.spi.ArtifactStore;
import dev.valence.spi.ClusterGateway;
import dev.valence.spi.JobInfo;
import dev.valence.spi.JobRef;
import jakarta.inject.Inject;
import jakarta.inject.Provider;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Valence's Jobs in the namespace, through the cluster port: list, cancel, clean (with their artifacts). */
final class ClusterJobs {
    private final Provider<ClusterGateway> gateway;
    private final Provider<ArtifactStore> store;

    @Inject
    ClusterJobs(Provider<ClusterGateway> gateway, Provider<ArtifactStore> store) {
        this.gateway = gateway;
        this.store = store;
    }

    /** The gateway (connected lazily). */
    ClusterGateway gateway() {
        return Failures.unwrapped(gateway::get);
    }

    /** Jobs labelled {@code app.kubernetes.io/managed-by=valence}, of one dispatch when given, oldest first. */
    List<JobInfo> list(Optional<String> dispatchId) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(ClusterGateway.MANAGED_BY, "valence");
        dispatchId.ifPresent(id -> labels.put(ClusterGateway.DISPATCH_LABEL, JobNames.labelValue(id)));
        return gateway().list(labels).stream().sorted(Comparator.comparing(JobInfo::created)
                .thenComparing(JobInfo::name)).toList();
    }

    /** One Valence Job by name. */
    Optional<JobInfo> find(String name) {
        return list(Optional.empty()).stream().filter(j -> j.name().equals(name)).findFirst();
    }

    /** Deletes a Job and its pods; false when it did not exist. */
    boolean cancel(String name) {
        ClusterGateway g = gateway();
        return g.cancel(new JobRef(JobNames.requireValid(name), g.namespace(), false));
    }

    /** Deletes the stored input and output of a Job's task; returns what was deleted, or why not. */
    String deleteArtifacts(JobInfo job) {
        String dispatch = job.labels().get(ClusterGateway.DISPATCH_LABEL);
        String node = job.labels().get(ClusterGateway.NODE_LABEL);
        if (dispatch == null || node == null) {
            return "no artifacts (the Job has no dispatch and node labels)";
        }
        try {
            ArtifactStore s = Failures.unwrapped(store::get);
            String prefix = dispatch + "/" + node + "/";
            s.deletePrefix(prefix);
            return "artifacts " + s.describe(prefix) + " deleted";
        } catch (RuntimeException e) {
            return "artifacts not deleted: " + Failures.message(e);
        }
    }

    /**
     * The keys a dispatch left in the data store ({@code <dispatchId>/...}), whether or not its Jobs
     * remain (a TTL or a user may have deleted them).
     */
    List<String> storedArtifacts(String dispatchId) {
        return Failures.unwrapped(store::get).list(dispatchId + "/");
    }

    /** Deletes what a dispatch left in the data store; returns what was deleted. */
    String deleteDispatchArtifacts(String dispatchId) {
        ArtifactStore s = Failures.unwrapped(store::get);
        String prefix = dispatchId + "/";
        int n = s.list(prefix).size();
        if (n == 0) {
            return "no stored artifacts of dispatch " + dispatchId + " in " + s.location();
        }
        s.deletePrefix(prefix);
        return "stored artifacts of dispatch " + dispatchId + " deleted: " + n + " object(s) under " + s.describe(prefix);
    }

    /** Whether a Job has finished (succeeded or failed). */
    static boolean finished(JobInfo j) {
        return j.phase() == JobInfo.Phase.SUCCEEDED || j.phase() == JobInfo.Phase.FAILED;
    }
}
