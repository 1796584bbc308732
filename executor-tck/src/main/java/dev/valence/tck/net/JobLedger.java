package dev.valence.tck.net;

import dev.valence.spi.ClusterGateway;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Test tool: every Valence Job ever created in a namespace, by name, as the API server saw it
 * (a watch with the bed's own client, which no injected fault touches). A Job deleted and created
 * again under the same name counts twice: its uid differs.
 */
public final class JobLedger implements AutoCloseable {
    private final Map<String, Set<String>> uidsByName = new ConcurrentHashMap<>();
    private final Map<String, Set<String>> namesByDispatch = new ConcurrentHashMap<>();
    private final Watch watch;

    private JobLedger(KubernetesClient client, String namespace) {
        this.watch = client.batch().v1().jobs().inNamespace(namespace).withLabel(ClusterGateway.MANAGED_BY, "valence")
                .watch(new Watcher<>() {
                    @Override
                    public void eventReceived(Action action, Job job) {
                        String name = job.getMetadata().getName();
                        uidsByName.computeIfAbsent(name, n -> ConcurrentHashMap.newKeySet()).add(job.getMetadata().getUid());
                        Map<String, String> labels = job.getMetadata().getLabels();
                        String dispatch = labels == null ? "" : labels.getOrDefault(ClusterGateway.DISPATCH_LABEL, "");
                        namesByDispatch.computeIfAbsent(dispatch, d -> ConcurrentHashMap.newKeySet()).add(name);
                    }

                    @Override
                    public void onClose(WatcherException cause) {
                        // the bed closes with the test class
                    }
                });
    }

    /** Starts recording the Valence Jobs of the namespace. */
    public static JobLedger watch(KubernetesClient client, String namespace) {
        return new JobLedger(client, namespace);
    }

    /** How many Jobs with this name were created (0 when none). */
    public int created(String jobName) {
        return uidsByName.getOrDefault(jobName, Set.of()).size();
    }

    /** How many Jobs, counting re-creations, were created for a dispatch. */
    public int createdFor(String dispatchId) {
        return namesByDispatch.getOrDefault(dispatchId, Set.of()).stream().mapToInt(this::created).sum();
    }

    @Override
    public void close() {
        watch.close();
    }
}
