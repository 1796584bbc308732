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
        try (KubernetesExecutor k8s = KubernetesExecutor.builder()
                .environment(Map.of())
                .userHome(home)
                .k8sConfigFile(Path.of(a[0]))
                .k8sContext(a[1])
                .registry(a[2])
                .baseImage(a[3])
                .dataStore(a[4])
                .set("data_store_mount", "/data")
                .cacheDir(home.resolve("cache"))
                .pollFreq(Duration.ofSeconds(1))
                .build();
             LocalExecutor local = new LocalExecutor();
             Dispatcher dispatcher = new Dispatcher(home.resolve("dispatches"))) {
            String id = dispatcher.dispatch(SeedExample.simpleWorkflow(k8s, local), List.of("Hello", "World"));
            WorkflowResult<String> result = dispatcher.result(id, true);
            System.out.println("value: " + result.valueOrThrow());
            System.exit(0);
        } catch (RuntimeException e) {
            System.out.println("failed: " + e);
            e.printStackTrace(System.out);
            System.exit(1);
        }
    }
}
