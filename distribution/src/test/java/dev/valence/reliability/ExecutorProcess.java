package dev.valence.reliability;

import dev.valence.api.TaskCall;
import dev.valence.api.TaskRun;
import dev.valence.api.TaskStatus;
import dev.valence.core.KubernetesExecutor;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * An executor in a JVM of its own, for the test that kills it: submits {@code count} calls of one
 * dispatch, prints {@code RUNNING <job>} for each once its Job is submitted, then waits to be killed.
 * Arguments: kubeconfig context registry storeDir cacheDir home pollFreqMillis clusterClient classPath
 * dispatchId count baseImage.
 */
public final class ExecutorProcess {
    private ExecutorProcess() {
    }

    public static void main(String[] a) throws Exception {
        KubernetesExecutor k8s = KubernetesExecutor.builder()
                .environment(Map.of())
                .userHome(Path.of(a[5]))
                .k8sConfigFile(Path.of(a[0]))
                .k8sContext(a[1])
                .registry(a[2])
                .baseImage(a[11])
                .dataStore(a[3])
                .set("data_store_mount", "/data")
                .cacheDir(Path.of(a[4]))
                .pollFreq(Duration.ofMillis(Long.parseLong(a[6])))
                .clusterClient(a[7])
                .classpath(java.util.Arrays.stream(a[8].split(java.io.File.pathSeparator)).map(Path::of).toList())
                .build();
        String dispatch = a[9];
        int count = Integer.parseInt(a[10]);
        List<TaskRun<String>> runs = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            runs.add(k8s.submit(call(dispatch, i)));
        }
        for (TaskRun<String> run : runs) {
            while (run.status() != TaskStatus.RUNNING) {
                if (run.result().isDone()) {
                    System.out.println("FAILED " + run);
                    System.exit(3);
                }
                Thread.sleep(20);
            }
            System.out.println("RUNNING " + run.jobName().orElseThrow());
        }
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE); // until killed
    }

    /** The call of node {@code held-i}: returns {@code value i}. */
    static TaskCall call(String dispatch, int i) {
        return ReliabilityBed.call(dispatch, "held-" + i, args -> "value " + i);
    }
}
