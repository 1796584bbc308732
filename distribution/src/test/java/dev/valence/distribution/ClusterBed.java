package dev.valence.distribution;

import dev.valence.api.Settings;
import dev.valence.spi.ClusterGateway;
import dev.valence.spi.JobRef;
import dev.valence.spi.JobSpec;
import dev.valence.spi.Plugins;
import dev.valence.tck.cluster.ApiServerBed;
import dev.valence.tck.cluster.JobControllerStandIn;
import java.nio.file.Path;
import java.util.Map;

/**
 * A mock API server (the tck's bed) with a namespace per test, and Valence Jobs created through the
 * fabric8 gateway the way the executor creates them; the tck's Job controller stand-in plays the
 * cluster's part (pods, statuses, logs).
 */
final class ClusterBed implements AutoCloseable {
    final ApiServerBed bed = ApiServerBed.start();
    final JobControllerStandIn controller = new JobControllerStandIn(bed);
    private int namespaces;

    /** A fresh namespace on the bed. */
    String newNamespace() {
        String ns = "t" + (++namespaces) + "-" + Long.toHexString(System.nanoTime() & 0xffffff);
        bed.createNamespace(ns);
        return ns;
    }

    /** Points the CLI at the bed: its kubeconfig, and the namespace. */
    void use(CliFixture cli, String namespace) {
        cli.env.put("KUBECONFIG", bed.kubeconfig().toString());
        cli.env.put("VALENCE_K8S_NAMESPACE", namespace);
    }

    /** Creates a Valence Job (labels as the executor sets them) in the namespace; returns its name. */
    String submit(Path home, String namespace, String dispatch, String node) {
        Settings settings = Plugins.load(getClass().getClassLoader()).declareKeys(Settings.builder())
                .environment(Map.of()).userHome(home).k8sConfigFile(bed.kubeconfig()).namespace(namespace).build();
        String name = dev.valence.core.JobNames.jobName(dispatch, node);
        try (ClusterGateway g = Plugins.load(getClass().getClassLoader()).clusterGateway("fabric8").create(settings)) {
            JobRef ref = g.submit(JobSpec.builder().name(name).image("example.test/valence-task@sha256:" + "a".repeat(64))
                    .label(ClusterGateway.MANAGED_BY, "valence").label(ClusterGateway.DISPATCH_LABEL, dispatch)
                    .label(ClusterGateway.NODE_LABEL, node).label("valence.dev/task", node).build());
            return ref.name();
        }
    }

    /** Creates a Valence Indexed Job (a map's) of {@code completions} indexes in the namespace; returns its name. */
    String submitIndexed(Path home, String namespace, String dispatch, String node, int completions) {
        Settings settings = Plugins.load(getClass().getClassLoader()).declareKeys(Settings.builder())
                .environment(Map.of()).userHome(home).k8sConfigFile(bed.kubeconfig()).namespace(namespace).build();
        String name = dev.valence.core.JobNames.jobName(dispatch, node);
        try (ClusterGateway g = Plugins.load(getClass().getClassLoader()).clusterGateway("fabric8").create(settings)) {
            return g.submit(JobSpec.builder().name(name).image("example.test/valence-task@sha256:" + "a".repeat(64))
                    .label(ClusterGateway.MANAGED_BY, "valence").label(ClusterGateway.DISPATCH_LABEL, dispatch)
                    .label(ClusterGateway.NODE_LABEL, node).label("valence.dev/task", node).completions(completions)
                    .build()).name();
        }
    }

    @Override
    public void close() {
        controller.close();
        bed.close();
    }
}
