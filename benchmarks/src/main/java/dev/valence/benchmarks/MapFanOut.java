package dev.valence.benchmarks;

import dev.valence.api.MapResult;
import dev.valence.api.TaskBody;
import dev.valence.api.TaskCall;
import dev.valence.api.TaskRun;
import dev.valence.core.KubernetesExecutor;
import dev.valence.core.Launcher;
import dev.valence.spi.ClusterGateway;
import dev.valence.tck.cluster.ApiServerBed;
import dev.valence.tck.cluster.JobControllerStandIn;
import dev.valence.tck.net.FaultProxy;
import dev.valence.tck.net.JobLedger;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

/**
 * Issue 23: mapping a task over N elements as ONE Indexed Job ({@code task.map(list)}) against N task calls
 * (N Jobs, what the code did before maps), through {@link KubernetesExecutor} on the stand-in bed (fabric8's
 * mock API server + the Job-controller stand-in, each pod the real launcher run in this JVM, as in
 * {@code Soak}: a real container per pod would measure this machine's JVM start-ups). The executor's
 * requests go through a {@link FaultProxy} without faults, which counts them. Per N and way: the
 * executor's API writes (create, update, patch, delete), the objects the cluster got (Jobs, pods), wall
 * time from submit to the last result, and the executor's heap with everything in flight.
 */
public final class MapFanOut {
    /** The function of every element: {@code 3i + 1}. A static lambda, so the pod (this JVM) can load it. */
    static final TaskBody TASK = args -> 3 * (Integer) args[0] + 1;

    private MapFanOut() {
    }

    /** Options: {@code --sizes=10,100,1000 --parallel-pods=8 --completion-delay-ms=1000 --client=fabric8 --timeout=900}. */
    public static void main(String[] args) throws Exception {
        Logging.quiet();
        run(Options.parse(args), System.out);
    }

    static void run(Options o, PrintStream out) throws Exception {
        o.only("sizes", "parallel-pods", "completion-delay-ms", "client", "timeout");
        List<Integer> sizes = o.list("sizes", "10,100,1000").stream().map(Integer::parseInt).toList();
        int parallelPods = o.integer("parallel-pods", 8);
        Duration completionDelay = Duration.ofMillis(o.integer("completion-delay-ms", 1000));
        String client = o.string("client", "fabric8");
        Duration timeout = Duration.ofSeconds(o.integer("timeout", 900));
        out.printf("MapFanOut (issue 23): N elements as one Indexed Job (map) vs N task calls (N Jobs), through "
                + "KubernetesExecutor (%s) on the mock API server + Job-controller stand-in (%d pods at once, Complete "
                + "%d ms after the last pod), the launcher in-process as each pod; %d cores, Java %s%n", client,
                parallelPods, completionDelay.toMillis(), Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.version"));
        Path work = Files.createTempDirectory("valence-bench-map");
        try {
            new Bed(work, client, parallelPods, completionDelay, timeout).measure(sizes, out);
        } finally {
            Files2.deleteTree(work);
        }
    }

    /** What one way of running N elements cost. */
    record Cost(int writes, int jobs, int pods, double wallSeconds, double heapMiB) {
    }

    /** The bed and one executor, shared by every measurement. */
    private static final class Bed {
        final Path work;
        final Path storeDir;
        final String client;
        final int parallelPods;
        final Duration completionDelay;
        final Duration timeout;
        volatile CountDownLatch hold = new CountDownLatch(0);
        final java.util.concurrent.atomic.AtomicInteger pods = new java.util.concurrent.atomic.AtomicInteger();

        Bed(Path work, String client, int parallelPods, Duration completionDelay, Duration timeout) throws Exception {
            this.work = work;
            this.client = client;
            this.parallelPods = parallelPods;
            this.completionDelay = completionDelay;
            this.timeout = timeout;
            this.storeDir = Files.createDirectories(work.resolve("store"));
            Files.createDirectories(work.resolve("classpath"));
            Files.writeString(work.resolve("classpath").resolve("marker.txt"), "map fan-out image");
        }

        void measure(List<Integer> sizes, PrintStream out) throws Exception {
            MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
            try (ApiServerBed api = ApiServerBed.start();
                 FaultProxy proxy = FaultProxy.to(URI.create(api.urlFor(client)).getPort());
                 JobControllerStandIn standIn = new JobControllerStandIn(api, JobControllerStandIn.Options.builder()
                         .completionDelay(completionDelay).parallelPods(parallelPods).podRetryDelay(Duration.ZERO)
                         .build());
                 JobLedger ledger = JobLedger.watch(api.client(), ApiServerBed.NAMESPACE)) {
                Path kubeconfig = api.writeKubeconfig("through-proxy", ApiServerBed.CONTEXT,
                        new ApiServerBed.KubeContext(ApiServerBed.CONTEXT, proxy.url(), ApiServerBed.NAMESPACE));
                standIn.runJobsWith(this::pod);
                try (KubernetesExecutor k8s = KubernetesExecutor.builder()
                        .environment(Map.of()).userHome(work).k8sConfigFile(kubeconfig).k8sContext(ApiServerBed.CONTEXT)
                        .registry("tar").baseImage("scratch").classpath(List.of(work.resolve("classpath")))
                        .dataStore(storeDir.toString()).set("data_store_mount", "/data").cacheDir(work.resolve("cache"))
                        .pollFreq(Duration.ofSeconds(1)).clusterClient(client).build()) {
                    // warm-up: the image (tar), the informers, both ways once
                    tasks(k8s, api, proxy, ledger, memory, 2, false);
                    map(k8s, api, proxy, ledger, memory, 2, false);
                    Table t = new Table("N", "way", "API writes", "Jobs", "pods", "wall s", "heap in flight MiB");
                    List<String> ratios = new ArrayList<>();
                    for (int n : sizes) {
                        Cost each = tasks(k8s, api, proxy, ledger, memory, n, false);
                        Cost one = map(k8s, api, proxy, ledger, memory, n, false);
                        Cost eachHeld = tasks(k8s, api, proxy, ledger, memory, n, true);
                        Cost oneHeld = map(k8s, api, proxy, ledger, memory, n, true);
                        t.row(n, "N task calls (N Jobs)", each.writes(), each.jobs(), each.pods(), each.wallSeconds(),
                                eachHeld.heapMiB());
                        t.row(n, "one map (Indexed Job)", one.writes(), one.jobs(), one.pods(), one.wallSeconds(),
                                oneHeld.heapMiB());
                        ratios.add(String.format(java.util.Locale.ROOT, "N=%d: map makes %.1f× fewer API writes (%d vs %d), "
                                + "%d Job(s) instead of %d, and is %.2f× as fast (%.2f s vs %.2f s); heap in flight %.1f MiB "
                                + "vs %.1f MiB", n, each.writes() / (double) Math.max(1, one.writes()), one.writes(),
                                each.writes(), one.jobs(), each.jobs(), each.wallSeconds() / one.wallSeconds(),
                                one.wallSeconds(), each.wallSeconds(), oneHeld.heapMiB(), eachHeld.heapMiB()));
                    }
                    t.print(out);
                    ratios.forEach(out::println);
                    out.println("goal on the bed: >= 10× fewer API writes and >= 3× faster at N = 1,000. API writes: the "
                            + "executor's POST/PUT/PATCH/DELETE requests (Jobs created and deleted; the stand-in's own "
                            + "pod and status writes are the cluster's, not counted). Heap: used after System.gc() with "
                            + "every element in flight (pods held) minus before submitting; the bed runs in this JVM, so "
                            + "an upper bound for the executor.");
                }
            }
        }

        /** N task calls, one Job each. */
        Cost tasks(KubernetesExecutor k8s, ApiServerBed api, FaultProxy proxy, JobLedger ledger, MemoryMXBean memory,
                   int n, boolean held) throws Exception {
            String dispatch = TaskCall.newDispatchId();
            return measured(api, proxy, ledger, memory, dispatch, n, held, () -> {
                List<TaskRun<Integer>> runs = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    runs.add(k8s.submit(TaskCall.builder().dispatchId(dispatch).nodeId("n" + i).taskName("fan")
                            .body(TASK).args(List.of(i)).build()));
                }
                return () -> {
                    for (int i = 0; i < n; i++) {
                        check(runs.get(i).result().get(timeout.toSeconds(), TimeUnit.SECONDS), i);
                    }
                };
            });
        }

        /** One map of N elements: one Indexed Job. */
        Cost map(KubernetesExecutor k8s, ApiServerBed api, FaultProxy proxy, JobLedger ledger, MemoryMXBean memory,
                 int n, boolean held) throws Exception {
            String dispatch = TaskCall.newDispatchId();
            return measured(api, proxy, ledger, memory, dispatch, 1, held, () -> {
                TaskRun<MapResult<Integer>> run = k8s.submit(TaskCall.builder().dispatchId(dispatch).nodeId("map")
                        .taskName("fan").body(TASK).args(List.of(new ArrayList<>(IntStream.range(0, n).boxed().toList())))
                        .map(true).build());
                return () -> {
                    MapResult<Integer> r = run.result().get(timeout.toSeconds(), TimeUnit.SECONDS);
                    for (int i = 0; i < n; i++) {
                        check(r.get(i), i);
                    }
                };
            });
        }

        interface Submit {
            Await submit() throws Exception;
        }

        interface Await {
            void await() throws Exception;
        }

        /**
         * Submits, waits for every result and for the executor's clean-up (the Jobs deleted), and counts the
         * executor's writes; {@code held}: the pods wait until the {@code jobs} Jobs exist, and the heap is
         * measured then (the wall time of a held run is not reported).
         */
        Cost measured(ApiServerBed api, FaultProxy proxy, JobLedger ledger, MemoryMXBean memory, String dispatch, int jobs,
                      boolean held, Submit submit) throws Exception {
            if (held) {
                // the previous run's pods go with its Jobs, after them: measured before that, the heap they
                // free would be counted against this run (a negative "heap in flight")
                long settle = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (podsIn(api) > 0 && System.nanoTime() < settle) {
                    Thread.sleep(100);
                }
            }
            long before = held ? usedAfterGc(memory) : 0;
            hold = new CountDownLatch(held ? 1 : 0);
            pods.set(0);
            proxy.takeRequests();
            long t0 = System.nanoTime();
            Await await = submit.submit();
            double heap = 0;
            if (held) {
                long end = System.nanoTime() + timeout.toNanos();
                while (ledger.createdFor(dispatch) < jobs && System.nanoTime() < end) {
                    Thread.sleep(50);
                }
                heap = (usedAfterGc(memory) - before) / 1048576.0;
                hold.countDown();
            }
            await.await();
            double wall = (System.nanoTime() - t0) / 1e9;
            long cleanEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (jobsOf(api, dispatch) > 0 && System.nanoTime() < cleanEnd) {
                Thread.sleep(100);
            }
            int writes = (int) proxy.takeRequests().stream().filter(r -> !r.startsWith("GET ")).count();
            return new Cost(writes, ledger.createdFor(dispatch), pods.get(), wall, heap);
        }

        /** The pod: held while the heap is measured, then the real launcher in this JVM. */
        JobControllerStandIn.Result pod(JobControllerStandIn.PodRun run) throws Exception {
            hold.await(10, TimeUnit.MINUTES);
            pods.incrementAndGet();
            ByteArrayOutputStream log = new ByteArrayOutputStream();
            int code = Launcher.run(run.envWithMountsAt(storeDir), MapFanOut.class.getClassLoader(),
                    new PrintStream(log, true, StandardCharsets.UTF_8));
            return new JobControllerStandIn.Result(code, log.toString(StandardCharsets.UTF_8));
        }

        static void check(Integer value, int i) {
            if (value == null || value != 3 * i + 1) {
                throw new IllegalStateException("element " + i + " gave " + value + ", expected " + (3 * i + 1));
            }
        }

        static int podsIn(ApiServerBed api) {
            return api.client().pods().inNamespace(ApiServerBed.NAMESPACE).list().getItems().size();
        }

        static int jobsOf(ApiServerBed api, String dispatch) {
            return api.client().batch().v1().jobs().inNamespace(ApiServerBed.NAMESPACE)
                    .withLabel(ClusterGateway.DISPATCH_LABEL, dispatch).list().getItems().size();
        }

        static long usedAfterGc(MemoryMXBean memory) throws InterruptedException {
            for (int i = 0; i < 3; i++) {
                System.gc();
                Thread.sleep(100);
            }
            return memory.getHeapMemoryUsage().getUsed();
        }
    }
}
