package dev.valence.benchmarks;

import dev.valence.api.Task;
import dev.valence.api.Task1;
import dev.valence.core.KubernetesExecutor;
import dev.valence.store.s3.S3ProxyBed;
import dev.valence.tck.cluster.ApiServerBed;
import dev.valence.tck.cluster.JobControllerStandIn;
import dev.valence.tck.pods.HostDirs;
import dev.valence.tck.pods.RuncPodRunner;
import dev.valence.tck.pods.SharedBeds;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Issue 28: what the S3 store costs a task in its pod. One task on the real-pod bed (runc pods, CPU
 * limited by {@code --vcpu-limit}, a CFS quota as on a cluster), alternately on store-local and on
 * store-s3 (S3Proxy on loopback, credentials from a Secret through {@code env_from_secrets}): submit →
 * result, and the pod JVM's uptime when the task's body starts (JVM start, class loading, the store
 * opened, the input read). Prints S3 ÷ local and S3 − local; goal: S3 ≤ local + 0.5 s.
 */
public final class S3TaskStart {
    private S3TaskStart() {
    }

    /** Runs with {@code --key=value} options (see benchmarks/README.md). */
    public static void main(String[] args) throws Exception {
        Logging.quiet();
        run(Options.parse(args), System.out);
        System.exit(0);
    }

    /** The pod JVM's uptime when the task's body runs, in ms. */
    static long uptime(int ignored) {
        return ManagementFactory.getRuntimeMXBean().getUptime();
    }

    static void run(Options o, PrintStream out) throws Exception {
        o.only("runs", "warmup", "vcpu", "vcpu-limit", "memory");
        int runs = o.integer("runs", 10);
        int warmup = o.integer("warmup", 1);
        String bucket = "valence-start";
        Path work = Files.createTempDirectory("valence-s3start");
        Path store = HostDirs.writableByAnyUid(work.resolve("store"));
        try (ApiServerBed api = ApiServerBed.start();
             S3ProxyBed s3 = S3ProxyBed.start();
             RuncPodRunner runner = RuncPodRunner.builder().client(api.client()).hostPath("/data", store).build();
             JobControllerStandIn standIn = new JobControllerStandIn(api, JobControllerStandIn.Options.builder()
                     .completionDelay(Duration.ZERO).parallelPods(2).build())) {
            standIn.runJobsWith(runner);
            s3.createBucket(bucket);
            api.client().secrets().inNamespace(ApiServerBed.NAMESPACE).resource(new SecretBuilder()
                    .withNewMetadata().withName("s3-credentials").endMetadata()
                    .withStringData(Map.of("AWS_ACCESS_KEY_ID", S3ProxyBed.ACCESS_KEY, "AWS_SECRET_ACCESS_KEY", s3.secretKey()))
                    .build()).create();
            String jre = SharedBeds.jreImage();
            java.util.function.Supplier<KubernetesExecutor.Builder> common = () -> KubernetesExecutor.builder().environment(Map.of()).userHome(work)
                    .k8sConfigFile(api.kubeconfig()).k8sContext(ApiServerBed.CONTEXT).registry(SharedBeds.registry().host())
                    .baseImage(jre).cacheDir(work.resolve("cache")).pollFreq(Duration.ofSeconds(10))
                    .vcpu(o.string("vcpu", "500m")).vcpuLimit(o.string("vcpu-limit", "500m"))
                    .memory(o.string("memory", "1G"))
                    .runAsUser(1000).runAsGroup(1000);
            out.println("real-pod bed, pods at vcpu " + o.string("vcpu", "500m") + ", CPU limit "
                    + o.string("vcpu-limit", "500m") + "; S3Proxy on loopback");
            try (KubernetesExecutor local = common.get().dataStore(store.toString()).set("data_store_mount", "/data").build();
                 KubernetesExecutor onS3 = common.get().dataStore("s3://" + bucket + "/runs").set("s3_endpoint", s3.endpoint())
                         .region(S3ProxyBed.REGION).envFromSecrets(List.of("s3-credentials")).build()) {
                Task1<Integer, Long> onLocal = Task.of("uptime_local", S3TaskStart::uptime, local);
                Task1<Integer, Long> onS3Task = Task.of("uptime_s3", S3TaskStart::uptime, onS3);
                for (int i = 0; i < warmup; i++) {
                    onLocal.submit(i).await();
                    onS3Task.submit(i).await();
                }
                Samples localTask = new Samples();
                Samples s3Task = new Samples();
                Samples localUp = new Samples();
                Samples s3Up = new Samples();
                for (int i = 0; i < runs; i++) {
                    long t0 = System.nanoTime();
                    long up = onLocal.submit(i).await();
                    localTask.add(System.nanoTime() - t0);
                    localUp.add(up * 1_000_000);
                    t0 = System.nanoTime();
                    up = onS3Task.submit(i).await();
                    s3Task.add(System.nanoTime() - t0);
                    s3Up.add(up * 1_000_000);
                }
                Table t = new Table("what", "runs", "local median ms", "S3 median ms", "S3 − local ms", "S3 ÷ local");
                t.row("task: submit → result", runs, Samples.ms(localTask.median()), Samples.ms(s3Task.median()),
                        Samples.ms(s3Task.median() - localTask.median()), ratio(s3Task.median(), localTask.median()));
                t.row("pod JVM uptime when the task's body starts", runs, Samples.ms(localUp.median()),
                        Samples.ms(s3Up.median()), Samples.ms(s3Up.median() - localUp.median()),
                        ratio(s3Up.median(), localUp.median()));
                t.print(out);
                out.printf("S3 task ÷ local task = %.2f×, S3 − local = %.0f ms (goal <= 500 ms)%n",
                        ratio(s3Task.median(), localTask.median()), Samples.ms(s3Task.median() - localTask.median()));
            }
        }
    }

    private static double ratio(long a, long b) {
        return b == 0 ? 0 : (double) a / b;
    }
}
