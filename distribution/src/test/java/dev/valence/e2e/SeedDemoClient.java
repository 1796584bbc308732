package dev.valence.e2e;

import dev.valence.api.WorkflowResult;
import dev.valence.core.Dispatcher;
import dev.valence.core.KubernetesExecutor;
import dev.valence.core.LocalExecutor;
import dev.valence.examples.SeedExample;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The seed's demo as a user's program, for a client JVM started under another uid: dispatches the
 * seed workflow on the bed and prints its value. Arguments: kubeconfig context registry baseImage
 * dataStore home.
 */
public final class SeedDemoClient {
    private SeedDemoClient() {
    }

    /** Runs the demo; exit 0 and prints the value when it completed, 1 with the error otherwise. */
    public static void main(String[] a) {
        Path home = Path.of(a[5]);
        try (KubernetesExecutor k8s = onBed(home, Path.of(a[0]), a[1], a[2], a[3], a[4]).build()) {
            System.out.println("value: " + runDemo(k8s, home).valueOrThrow());
            System.exit(0);
        } catch (RuntimeException e) {
            System.out.println("failed: " + e);
            e.printStackTrace(System.out);
            System.exit(1);
        }
    }

    /**
     * An executor on the test bed: its kubeconfig and context, registry and base image, and a local
     * store whose directory stands for the node's {@code /data}; {@code home} holds its cache; poll 1 s.
     */
    static KubernetesExecutor.Builder onBed(Path home, Path kubeconfig, String context, String registry, String baseImage,
                                            String dataStore) {
        return KubernetesExecutor.builder()
                .environment(Map.of())
                .userHome(home)
                .k8sConfigFile(kubeconfig)
                .k8sContext(context)
                .registry(registry)
                .baseImage(baseImage)
                .dataStore(dataStore)
                .set("data_store_mount", "/data")
                .cacheDir(home.resolve("cache"))
                .pollFreq(Duration.ofSeconds(1));
    }

    /** The seed's workflow, join_words on {@code k8s} and excitement locally, waited for (records under {@code home}). */
    static WorkflowResult<String> runDemo(KubernetesExecutor k8s, Path home) {
        try (LocalExecutor local = new LocalExecutor(); Dispatcher dispatcher = new Dispatcher(home.resolve("dispatches"))) {
            String id = dispatcher.dispatch(SeedExample.simpleWorkflow(k8s, local), List.of("Hello", "World"));
            return dispatcher.result(id, true);
        }
    }
}
