package dev.valence.benchmarks;

import dev.valence.api.TaskBody;
import dev.valence.api.TaskCall;
import dev.valence.api.TaskRun;
import dev.valence.api.ValenceException;
import dev.valence.core.BenchmarkAccess;
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
import java.util.TreeMap;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Issue 12: a soak of many short tasks through {@link KubernetesExecutor} on the stand-in bed
 * (fabric8's mock API server + the Job-controller stand-in, the pod being the real launcher run in
 * this JVM), with the executor talking to the API server through a {@link FaultProxy} that injects
 * faults at a fixed rate. Reports tasks lost, duplicate Jobs (as the API server saw them), failures
 * by error kind, wall time, and heap per in-flight task.
 */
public final class Soak {
    /** The task of every Job: {@code 3i + 1}. A static lambda, so the pod (this JVM) can load it. */
    static final TaskBody TASK = args -> 3 * (Integer) args[0] + 1;

    private Soak() {
    }

    /**
     * Options: {@code --tasks=2000 --client=fabric8 --fail-every=20 --fail-code=503 --reset-every=50
     * --hold-timeout=180 --timeout=900} (seconds; {@code --fail-every=0} / {@code --reset-every=0}: none).
     */
    public static void main(String[] args) throws Exception {
        Logging.quiet();
        run(Options.parse(args), System.out);
    }

    static void run(Options o, PrintStream out) throws Exception {
        // each injected reset is logged by fabric8's Vert.x client at ERROR: expected here, counted in the report
        System.setProperty("org.slf4j.simpleLogger.log.io.vertx.core.net.impl.ConnectionBase", "off");
        o.only("tasks", "client", "fail-every", "fail-code", "reset-every", "hold-timeout", "timeout");
        int tasks = o.integer("tasks", 2000);
        String client = o.string("client", "fabric8");
        int failEvery = o.integer("fail-every", 20);
        int failCode = o.integer("fail-code", 503);
        int resetEvery = o.integer("reset-every", 50);
        Duration holdTimeout = Duration.ofSeconds(o.integer("hold-timeout", 180));
        Duration timeout = Duration.ofSeconds(o.integer("timeout", 900));
        out.printf("Soak (issue 12): %d short tasks through KubernetesExecutor (%s) on the mock API server + Job-controller "
                + "stand-in, the launcher in-process as the pod; the executor's API requests go through a fault proxy: "
                + "every %s request answered %d, every %s connection reset; %d cores, Java %s%n", tasks, client,
                failEvery > 0 ? failEvery + "th" : "no", failCode, resetEvery > 0 ? resetEvery + "th" : "no",
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"));
        Path work = Files.createTempDirectory("valence-bench-soak");
        try {
            new Run(work, client).soak(tasks, failEvery, failCode, resetEvery, holdTimeout, timeout, out);
        } finally {
            Files2.deleteTree(work);
        }
    }

    /** One soak on a fresh bed. */
    private static final class Run {
        final Path work;
        final Path storeDir;
        final String client;
        final Map<String, AtomicInteger> launches = new ConcurrentHashMap<>();
        final CountDownLatch hold = new CountDownLatch(1);
        volatile boolean holding;

        Run(Path work, String client) throws Exception {
            this.work = work;
            this.client = client;
            this.storeDir = Files.createDirectories(work.resolve("store"));
            Files.createDirectories(work.resolve("classpath"));
            Files.writeString(work.resolve("classpath").resolve("marker.txt"), "soak image");
        }

        void soak(int tasks, int failEvery, int failCode, int resetEvery, Duration holdTimeout, Duration timeout,
                  PrintStream out) throws Exception {
            MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
            try (ApiServerBed api = ApiServerBed.start();
                 FaultProxy proxy = FaultProxy.to(URI.create(api.urlFor(client)).getPort());
                 JobControllerStandIn standIn = new JobControllerStandIn(api, JobControllerStandIn.Options.builder()
                         .completionDelay(Duration.ZERO).build())) {
                Path kubeconfig = api.writeKubeconfig("through-proxy", ApiServerBed.CONTEXT,
                        new ApiServerBed.KubeContext(ApiServerBed.CONTEXT, proxy.url(), ApiServerBed.NAMESPACE));
                standIn.runJobsWith(this::pod);
                JobLedger ledger = JobLedger.watch(api.client(), ApiServerBed.NAMESPACE);
                try (KubernetesExecutor k8s = KubernetesExecutor.builder()
                        .environment(Map.of())
                        .userHome(work)
                        .k8sConfigFile(kubeconfig)
                        .k8sContext(ApiServerBed.CONTEXT)
                        .registry("tar")
                        .baseImage("scratch")
                        .classpath(List.of(work.resolve("classpath")))
                        .dataStore(storeDir.toString())
                        .set("data_store_mount", "/data")
                        .cacheDir(work.resolve("cache"))
                        .pollFreq(Duration.ofSeconds(1))
                        .clusterClient(client)
                        .build()) {
                    String dispatch = TaskCall.newDispatchId();
                    // warm-up, no faults: the image (tar), the informers
                    Integer warm = k8s.<Integer>submit(call(dispatch, "warm", 0)).result().get(120, TimeUnit.SECONDS);
                    if (warm != 1) {
                        throw new IllegalStateException("the warm-up task returned " + warm + ", expected 1");
                    }
                    if (failEvery > 0) {
                        proxy.answerEvery("*", "/api.*", failEvery, failCode);
                    }
                    if (resetEvery > 0) {
                        proxy.resetEvery("*", "/api.*", resetEvery);
                    }

                    proxy.takeRequests();
                    long before = usedAfterGc(memory);
                    holding = true;
                    long t0 = System.nanoTime();
                    List<TaskRun<Integer>> runs = new ArrayList<>(tasks);
                    for (int i = 0; i < tasks; i++) {
                        runs.add(k8s.submit(call(dispatch, "n" + i, i)));
                    }
                    // all N in flight: pods are held until every Job exists or its task failed (or the hold times out)
                    long holdEnd = System.nanoTime() + holdTimeout.toNanos();
                    while (ledger.createdFor(dispatch) - 1
                            + runs.stream().filter(r -> r.result().isCompletedExceptionally()).count() < tasks
                            && System.nanoTime() < holdEnd && runs.stream().anyMatch(r -> !r.result().isDone())) {
                        Thread.sleep(200);
                    }
                    long allCreated = System.nanoTime() - t0;
                    int jobsWhenMeasured = ledger.createdFor(dispatch) - 1;
                    proxy.takeRequests();
                    long inFlight = usedAfterGc(memory);
                    long notDoneWhenMeasured = runs.stream().filter(r -> !r.result().isDone()).count();
                    holding = false;
                    hold.countDown();

                    long deadline = System.nanoTime() + timeout.toNanos();
                    int delivered = 0;
                    int wrong = 0;
                    int unfinished = 0;
                    Map<String, Integer> failures = new TreeMap<>();
                    Map<String, String> examples = new TreeMap<>();
                    for (int i = 0; i < tasks; i++) {
                        long left = Math.max(1, deadline - System.nanoTime());
                        try {
                            Integer v = runs.get(i).result().get(left, TimeUnit.NANOSECONDS);
                            if (v != null && v == 3 * i + 1) {
                                delivered++;
                            } else {
                                wrong++;
                            }
                        } catch (TimeoutException e) {
                            unfinished++;
                        } catch (ExecutionException | CompletionException e) {
                            Throwable c = e.getCause() == null ? e : e.getCause();
                            String kind = c instanceof ValenceException ve ? ve.kind().name() : c.getClass().getSimpleName();
                            failures.merge(kind, 1, Integer::sum);
                            examples.putIfAbsent(kind, String.valueOf(c.getMessage()));
                        }
                    }
                    long wall = System.nanoTime() - t0;
                    // the executor cleans up after a result, asynchronously: give it a bounded moment
                    long cleanEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                    int leftBehind = jobsOf(api, dispatch);
                    while (leftBehind > 0 && System.nanoTime() < cleanEnd) {
                        Thread.sleep(500);
                        leftBehind = jobsOf(api, dispatch);
                    }
                    int injected = proxy.injectedAtRate();
                    proxy.heal();

                    int duplicates = 0;
                    int ranTwice = 0;
                    for (int i = 0; i < tasks; i++) {
                        String job = BenchmarkAccess.jobName(dispatch, "n" + i);
                        duplicates += Math.max(0, ledger.created(job) - 1);
                        ranTwice += Math.max(0, launches.getOrDefault(job, new AtomicInteger()).get() - 1);
                    }
                    int failed = failures.values().stream().mapToInt(Integer::intValue).sum();
                    Table t = new Table("what", "value", "goal");
                    t.row("tasks submitted", tasks, "");
                    t.row("results delivered (right value)", delivered, tasks);
                    t.row("lost (never completed, or wrong value)", unfinished + wrong, 0);
                    t.row("  never completed within " + timeout.toSeconds() + " s", unfinished, 0);
                    t.row("  wrong value", wrong, 0);
                    t.row("failed with an error", failed, 0);
                    failures.forEach((kind, n) -> t.row("  " + kind, n, ""));
                    t.row("duplicate Jobs (created more than once per name, API server's side)", duplicates, 0);
                    t.row("pods that ran a task again (same Job name)", ranTwice, 0);
                    t.row("Jobs left behind (30 s after the last result)", leftBehind, 0);
                    t.row("faults injected (HTTP " + failCode + " + resets)", injected, "");
                    t.row("wall time s (submit of the first → last result)", wall / 1e9, "");
                    t.row("tasks/s", tasks / (wall / 1e9), "");
                    t.row("  of which submitting until every Job existed (pods held), s", allCreated / 1e9, "");
                    t.row("Jobs created when heap measured", jobsWhenMeasured, tasks);
                    t.row("tasks not done when heap measured", notDoneWhenMeasured, tasks);
                    t.row("heap per in-flight task, KiB (approximate)", (inFlight - before) / 1024.0 / tasks, "");
                    t.print(out);
                    out.printf("heap: used heap after System.gc() (MemoryMXBean) with the tasks in flight, minus before "
                            + "submitting, ÷ %d: %.1f MiB → %.1f MiB. Approximate, and an upper bound for the executor: "
                            + "the mock API server, the stand-in and the ledger run in this JVM and hold their own copy of "
                            + "each Job.%n", tasks, before / 1048576.0, inFlight / 1048576.0);
                    examples.forEach((kind, message) -> out.printf("first %s failure: %s%n", kind, message));
                    out.printf("soak verdict: lost %d (goal 0: %s), duplicates %d (goal 0: %s), failed %d, faults injected %d%n",
                            unfinished + wrong, unfinished + wrong == 0 ? "met" : "MISSED", duplicates,
                            duplicates == 0 ? "met" : "MISSED", failed, injected);
                } finally {
                    hold.countDown();
                    ledger.close();
                }
            }
        }

        /**
         * The pod: held while the heap is measured, then the real launcher with the store mount mapped,
         * in this JVM. The soak runs thousands of pods: a real container each (the tck's RuncPodRunner,
         * which the end-to-end suites use) would measure this machine's JVM start-ups, not the
         * executor's memory and leaks, so this is the one place the in-JVM launcher stays.
         */
        JobControllerStandIn.Result pod(JobControllerStandIn.PodRun run) throws Exception {
            if (holding) {
                hold.await(10, TimeUnit.MINUTES);
            }
            launches.computeIfAbsent(run.jobName(), n -> new AtomicInteger()).incrementAndGet();
            Map<String, String> env = run.envWithMountsAt(storeDir);
            ByteArrayOutputStream log = new ByteArrayOutputStream();
            int code = Launcher.run(env, Soak.class.getClassLoader(), new PrintStream(log, true, StandardCharsets.UTF_8));
            return new JobControllerStandIn.Result(code, log.toString(StandardCharsets.UTF_8));
        }

        static TaskCall call(String dispatch, String node, int i) {
            return TaskCall.builder().dispatchId(dispatch).nodeId(node).taskName("soak").body(TASK).args(List.of(i))
                    .build();
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
