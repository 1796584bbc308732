package dev.valence.benchmarks;

import dev.valence.api.Task;
import dev.valence.api.Task1;
import dev.valence.api.TaskRun;
import dev.valence.core.KubernetesExecutor;
import dev.valence.tck.cluster.ApiServerBed;
import dev.valence.tck.cluster.JobControllerStandIn;
import dev.valence.tck.pods.HostDirs;
import dev.valence.tck.pods.RuncPodRunner;
import dev.valence.tck.pods.SharedBeds;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Issue 21: one task on a cluster with real pods, against a raw Job of the same JRE base image running
 * {@code java -version} (create → {@code Complete}), interleaved; then a fan-out of N tasks against N raw
 * Jobs; then (issue 23) a map of {@code --map} elements, one Indexed Job, against a raw Indexed Job of as many
 * completions, all at once. On the cluster {@code --kubeconfig}/{@code $KUBECONFIG} and {@code --context} name when
 * {@code --context} is given (with {@code --registry}, {@code --base-image}, {@code --data-store}: what
 * the pods can reach); otherwise on the real-pod bed: the mock API server, the Job-controller stand-in
 * running each pod as a {@code runc} container from the image pulled from the registry bed, {@code Complete}
 * written {@code --completion-delay-ms} after the pod exited, as a control plane does.
 */
public final class RealClusterRoundTrip {
    private RealClusterRoundTrip() {
    }

    /** Runs with {@code --key=value} options (see benchmarks/README.md). */
    public static void main(String[] args) throws Exception {
        Logging.quiet();
        run(Options.parse(args), System.out);
        System.exit(0);
    }

    /** Where the Jobs run and what the executor needs there. */
    private interface Cluster extends AutoCloseable {
        KubernetesClient client();

        String namespace();

        KubernetesExecutor.Builder executor();

        String baseImage();

        String describe();

        /** Labels a raw Job needs here (the bed's controller stand-in runs only Jobs labelled as Valence's). */
        default Map<String, String> rawJobLabels() {
            return Map.of();
        }

        /** The settings {@code valence run} gets by environment ({@code VALENCE_K8S_<KEY>}). */
        Map<String, String> cliSettings();

        /**
         * How long each task pod's JVM took from its start to "running task" (the launcher's own line), in
         * ms, for the pods whose logs this cluster kept; empty where logs go with the pods.
         */
        default List<Long> launcherStartsMs() {
            return List.of();
        }

        @Override
        void close();
    }

    static void run(Options o, PrintStream out) throws Exception {
        o.only("runs", "warmup", "fanout", "context", "kubeconfig", "registry", "base-image", "data-store",
                "completion-delay-ms", "parallel-pods", "vcpu", "vcpu-limit", "memory", "valence-bin", "show-cli", "map");
        int runs = o.integer("runs", 10);
        int warmup = o.integer("warmup", 1);
        int fanout = o.integer("fanout", 20);
        int mapSize = o.integer("map", 20);
        Optional<Path> bin = valenceBin(o);
        try (Cluster cluster = o.string("context", "").isEmpty() ? Bed.start(o) : UserCluster.of(o)) {
            out.println("cluster: " + cluster.describe());
            try (KubernetesExecutor k8s = cluster.executor().build()) {
                Task1<Integer, Integer> task = Task.of("plus_one", x -> x + 1, k8s);
                for (int i = 0; i < warmup; i++) {
                    rawJob(cluster, o);
                    task.submit(i).await();
                }
                Samples raw = new Samples();
                Samples valence = new Samples();
                Samples cli = new Samples();
                if (bin.isPresent() && warmup > 0) {
                    valenceRun(cluster, bin.get(), false); // the CLI's image is built here, once
                }
                for (int i = 0; i < runs; i++) {
                    raw.add(rawJob(cluster, o));
                    long t0 = System.nanoTime();
                    int v = task.submit(i).await();
                    valence.add(System.nanoTime() - t0);
                    if (v != i + 1) {
                        throw new IllegalStateException("task returned " + v + " for " + i);
                    }
                    if (bin.isPresent()) {
                        cli.add(valenceRun(cluster, bin.get(), o.string("show-cli", "false").equals("true") && i == runs - 1));
                    }
                }
                long rawFan = 0;
                long valenceFan = 0;
                if (fanout > 0) {
                    rawFan = rawFanOut(cluster, o, fanout);
                    long t0 = System.nanoTime();
                    List<TaskRun<Integer>> all = new ArrayList<>();
                    for (int i = 0; i < fanout; i++) {
                        all.add(task.submit(i));
                    }
                    for (TaskRun<Integer> r : all) {
                        r.await();
                    }
                    valenceFan = System.nanoTime() - t0;
                }
                long rawMap = 0;
                long valenceMap = 0;
                if (mapSize > 0) {
                    // issue 23: one map as one Indexed Job against a raw Indexed Job of the same image, all at once
                    Task1<Integer, Integer> each = task.with(opt -> opt.parallelism(mapSize));
                    List<Integer> elements = java.util.stream.IntStream.range(0, mapSize).boxed().toList();
                    for (int i = 0; i < warmup; i++) {
                        rawIndexedJob(cluster, o, 2);
                        each.map(List.of(0, 1)).await();
                    }
                    rawMap = rawIndexedJob(cluster, o, mapSize);
                    long t0 = System.nanoTime();
                    dev.valence.api.MapResult<Integer> r = each.map(elements).await();
                    valenceMap = System.nanoTime() - t0;
                    for (int i = 0; i < mapSize; i++) {
                        if (r.get(i) != i + 1) {
                            throw new IllegalStateException("map element " + i + " gave " + r.get(i));
                        }
                    }
                }
                Table t = new Table("what", "runs", "median ms", "min ms", "max ms", "× raw Job");
                t.row("raw Job (java -version): create → Complete", raw.count(), Samples.ms(raw.median()),
                        Samples.ms(raw.min()), Samples.ms(raw.max()), 1.0);
                t.row("Valence task: submit → result", valence.count(), Samples.ms(valence.median()),
                        Samples.ms(valence.min()), Samples.ms(valence.max()), ratio(valence.median(), raw.median()));
                if (cli.count() > 0) {
                    t.row("valence run of a one-task workflow (whole command)", cli.count(), Samples.ms(cli.median()),
                            Samples.ms(cli.min()), Samples.ms(cli.max()), ratio(cli.median(), raw.median()));
                }
                if (fanout > 0) {
                    t.row(fanout + " raw Jobs at once: all Complete", 1, Samples.ms(rawFan), Samples.ms(rawFan),
                            Samples.ms(rawFan), 1.0);
                    t.row(fanout + " Valence tasks at once: all results", 1, Samples.ms(valenceFan),
                            Samples.ms(valenceFan), Samples.ms(valenceFan), ratio(valenceFan, rawFan));
                }
                if (mapSize > 0) {
                    t.row("raw Indexed Job, " + mapSize + " completions at once: Complete", 1, Samples.ms(rawMap),
                            Samples.ms(rawMap), Samples.ms(rawMap), 1.0);
                    t.row("Valence map of " + mapSize + " (one Indexed Job): all results", 1, Samples.ms(valenceMap),
                            Samples.ms(valenceMap), Samples.ms(valenceMap), ratio(valenceMap, rawMap));
                }
                t.print(out);
                Samples launcher = new Samples();
                cluster.launcherStartsMs().forEach(ms -> launcher.add(ms * 1_000_000));
                if (launcher.count() > 0) {
                    out.printf("launcher in the pod, JVM start → \"running task\": median %s ms, min %s, max %s (%d pods, "
                            + "CPU request %s, limit %s)%n", Samples.ms(launcher.median()), Samples.ms(launcher.min()),
                            Samples.ms(launcher.max()), launcher.count(), o.string("vcpu", "500m"),
                            o.string("vcpu-limit", "none"));
                }
                out.printf("Valence task ÷ raw Job = %.2f× (goal <= 1.0×)%n", ratio(valence.median(), raw.median()));
                if (fanout > 0) {
                    out.printf("%d-way fan-out ÷ %d raw Jobs = %.2f× (goal <= 1.1×)%n", fanout, fanout,
                            ratio(valenceFan, rawFan));
                }
                if (mapSize > 0) {
                    out.printf("map of %d ÷ raw Indexed Job of %d = %.2f× (goal <= 1.1×)%n", mapSize, mapSize,
                            ratio(valenceMap, rawMap));
                }
                if (cli.count() > 0) {
                    out.printf("valence run ÷ raw Job = %.2f× (goal <= 1.3×)%n", ratio(cli.median(), raw.median()));
                } else {
                    out.println("valence run: not measured (no assembled distribution; build it with "
                            + "'mvn -pl distribution -am package -DskipTests' or pass --valence-bin=<bin/valence>)");
                }
            }
        }
    }

    /** {@code bin/valence} of the assembled distribution: {@code --valence-bin}, else looked for from here. */
    static Optional<Path> valenceBin(Options o) {
        String given = o.string("valence-bin", "");
        if (given.equals("none")) {
            return Optional.empty();
        }
        if (!given.isEmpty()) {
            return Optional.of(Path.of(given).toAbsolutePath());
        }
        return List.of("distribution/target/valence/bin/valence", "../distribution/target/valence/bin/valence").stream()
                .map(p -> Path.of(p).toAbsolutePath().normalize()).filter(Files::isExecutable).findFirst();
    }

    /** {@code valence run --executor kubernetes} of {@link OneTaskWorkflow}: the whole command, start to exit. */
    private static long valenceRun(Cluster cluster, Path bin, boolean show) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(bin.toString(), "run", "--executor", "kubernetes"));
        if (show) {
            command.add("-v");
        }
        command.addAll(List.of(OneTaskWorkflow.class.getName(), "x"));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        Map<String, String> env = pb.environment();
        try {
            env.put("VALENCE_CLASSPATH", Path.of(OneTaskWorkflow.class.getProtectionDomain().getCodeSource().getLocation()
                    .toURI()).toString());
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
        cluster.cliSettings().forEach((k, v) -> env.put("VALENCE_K8S_" + k.toUpperCase(java.util.Locale.ROOT), v));
        long t0 = System.nanoTime();
        Process p = pb.start();
        byte[] output = p.getInputStream().readAllBytes();
        if (!p.waitFor(5, TimeUnit.MINUTES) || p.exitValue() != 0) {
            throw new IllegalStateException("valence run failed: " + new String(output, java.nio.charset.StandardCharsets.UTF_8));
        }
        long took = System.nanoTime() - t0;
        if (show) {
            System.out.println("valence run took " + took / 1_000_000 + " ms, its output:\n"
                    + new String(output, java.nio.charset.StandardCharsets.UTF_8));
        }
        return took;
    }

    /** The launcher's "running task" line: {@code ... running task 'x' (d/n), 812 ms after the JVM started}. */
    private static final java.util.regex.Pattern RUNNING_TASK =
            java.util.regex.Pattern.compile("running task '[^']*' \\([^)]*\\), (\\d+) ms after the JVM started");

    /** The pod resources both ways of running get: {@code vcpu}, {@code memory}, {@code vcpu_limit} when given. */
    private static Map<String, String> resources(Options o) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("vcpu", o.string("vcpu", "500m"));
        m.put("memory", o.string("memory", "1G"));
        if (!o.string("vcpu-limit", "").isEmpty()) {
            m.put("vcpu_limit", o.string("vcpu-limit", ""));
        }
        return m;
    }

    /** Memory limited to the request, as Valence does; CPU limited only with {@code --vcpu-limit}. */
    private static Map<String, Quantity> limits(Options o, Map<String, Quantity> requests) {
        Map<String, Quantity> limits = new LinkedHashMap<>();
        limits.put("memory", requests.get("memory"));
        String cpu = o.string("vcpu-limit", "");
        if (!cpu.isEmpty()) {
            limits.put("cpu", new Quantity(cpu));
        }
        return limits;
    }

    private static double ratio(long a, long b) {
        return b == 0 ? 0 : (double) a / b;
    }

    /** One raw Job of the base image running {@code java -version}: create → {@code Complete} seen; then deleted. */
    private static long rawJob(Cluster cluster, Options o) {
        String name = "raw-" + UUID.randomUUID().toString().substring(0, 8);
        long t0 = System.nanoTime();
        create(cluster, o, name);
        awaitComplete(cluster, name);
        long took = System.nanoTime() - t0;
        delete(cluster, name);
        return took;
    }

    /**
     * One raw Indexed Job of the base image, {@code n} completions all at once, each pod running
     * {@code java -version}: create → {@code Complete} seen; then deleted.
     */
    private static long rawIndexedJob(Cluster cluster, Options o, int n) {
        String name = "raw-" + UUID.randomUUID().toString().substring(0, 8);
        long t0 = System.nanoTime();
        Job job = rawJob(cluster, o, name);
        job.getSpec().setCompletionMode("Indexed");
        job.getSpec().setCompletions(n);
        job.getSpec().setParallelism(n);
        cluster.client().batch().v1().jobs().inNamespace(cluster.namespace()).resource(job).create();
        awaitComplete(cluster, name);
        long took = System.nanoTime() - t0;
        delete(cluster, name);
        return took;
    }

    private static long rawFanOut(Cluster cluster, Options o, int n) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(n, 32));
        try {
            List<String> names = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                names.add("raw-" + UUID.randomUUID().toString().substring(0, 8));
            }
            long t0 = System.nanoTime();
            List<CompletableFuture<Void>> all = names.stream().map(name -> CompletableFuture.runAsync(() -> {
                create(cluster, o, name);
                awaitComplete(cluster, name);
            }, pool)).toList();
            CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(10, TimeUnit.MINUTES);
            long took = System.nanoTime() - t0;
            names.forEach(name -> delete(cluster, name));
            return took;
        } finally {
            pool.shutdownNow();
        }
    }

    private static void create(Cluster cluster, Options o, String name) {
        cluster.client().batch().v1().jobs().inNamespace(cluster.namespace()).resource(rawJob(cluster, o, name)).create();
    }

    /** The raw Job: the base image running {@code java -version}, resources as the Valence task's. */
    private static Job rawJob(Cluster cluster, Options o, String name) {
        Map<String, Quantity> requests = new LinkedHashMap<>();
        requests.put("cpu", new Quantity(o.string("vcpu", "500m")));
        requests.put("memory", new Quantity(o.string("memory", "1G")));
        Job job = new JobBuilder().withNewMetadata().withName(name).addToLabels("app.kubernetes.io/name", "raw-job")
                .addToLabels(cluster.rawJobLabels())
                .endMetadata()
                .withNewSpec().withBackoffLimit(0).withNewTemplate().withNewSpec().withRestartPolicy("Never")
                .addNewContainer().withName("java").withImage(cluster.baseImage()).withCommand("java", "-version")
                .withNewResources().withRequests(requests).withLimits(limits(o, requests))
                .endResources().endContainer().endSpec().endTemplate().endSpec().build();
        return job;
    }

    private static void awaitComplete(Cluster cluster, String name) {
        cluster.client().batch().v1().jobs().inNamespace(cluster.namespace()).withName(name).waitUntilCondition(j -> {
            if (j == null || j.getStatus() == null) {
                return false;
            }
            boolean failed = j.getStatus().getConditions().stream()
                    .anyMatch(c -> "Failed".equals(c.getType()) && "True".equals(c.getStatus()));
            if (failed) {
                throw new IllegalStateException("raw Job " + name + " failed: " + j.getStatus().getConditions());
            }
            return j.getStatus().getConditions().stream()
                    .anyMatch(c -> "Complete".equals(c.getType()) && "True".equals(c.getStatus()));
        }, 2, TimeUnit.MINUTES);
    }

    /** Deletes a raw Job after its measure; best effort (the bed's API server may be slow to answer a burst of them). */
    private static void delete(Cluster cluster, String name) {
        try {
            deleteNow(cluster, name);
        } catch (RuntimeException e) {
            System.err.println("raw Job " + name + " not deleted: " + e.getMessage());
        }
    }

    private static void deleteNow(Cluster cluster, String name) {
        cluster.client().batch().v1().jobs().inNamespace(cluster.namespace()).withName(name)
                .withPropagationPolicy(io.fabric8.kubernetes.api.model.DeletionPropagation.BACKGROUND).delete();
    }

    /** The real-pod bed of the tests: mock API server, registry bed, runc pods, the stand-in controller. */
    private static final class Bed implements Cluster {
        private final ApiServerBed api;
        private final RuncPodRunner runner;
        private final JobControllerStandIn standIn;
        private final Path work;
        private final Path store;
        private final String jre;
        private final Duration completionDelay;
        private final Options o;

        private Bed(ApiServerBed api, RuncPodRunner runner, JobControllerStandIn standIn, Path work, Path store, String jre,
                    Duration completionDelay, Options o) {
            this.o = o;
            this.api = api;
            this.runner = runner;
            this.standIn = standIn;
            this.work = work;
            this.store = store;
            this.jre = jre;
            this.completionDelay = completionDelay;
        }

        static Bed start(Options o) throws IOException {
            Duration delay = Duration.ofMillis(o.integer("completion-delay-ms", 1000));
            ApiServerBed api = ApiServerBed.start();
            String jre = SharedBeds.jreImage();
            Path work = Files.createTempDirectory("valence-rcrt");
            Path store = HostDirs.writableByAnyUid(work.resolve("store"));
            RuncPodRunner runner = RuncPodRunner.builder().client(api.client()).hostPath("/data", store).build();
            JobControllerStandIn standIn = new JobControllerStandIn(api, JobControllerStandIn.Options.builder()
                    .completionDelay(delay).parallelPods(o.integer("parallel-pods", 4)).build());
            standIn.runJobsWith(runner);
            return new Bed(api, runner, standIn, work, store, jre, delay, o);
        }

        @Override
        public KubernetesClient client() {
            return api.client();
        }

        @Override
        public String namespace() {
            return ApiServerBed.NAMESPACE;
        }

        @Override
        public String baseImage() {
            return jre;
        }

        @Override
        public String describe() {
            return "real-pod bed (mock API server, runc pods, Complete " + completionDelay.toMillis()
                    + " ms after the pod exits)";
        }

        @Override
        public Map<String, String> rawJobLabels() {
            return Map.of("app.kubernetes.io/managed-by", "valence");
        }

        @Override
        public Map<String, String> cliSettings() {
            Map<String, String> m = new LinkedHashMap<>(Map.of("k8s_config_file", api.kubeconfig().toString(),
                    "k8s_context", ApiServerBed.CONTEXT, "registry", SharedBeds.registry().host(), "base_image", jre,
                    "data_store", store.toString(), "data_store_mount", "/data",
                    "cache_dir", work.resolve("cli-cache").toString()));
            m.putAll(resources(o));
            return m;
        }

        @Override
        public List<Long> launcherStartsMs() {
            return api.podLogs().values().stream().map(RUNNING_TASK::matcher).filter(java.util.regex.Matcher::find)
                    .map(m -> Long.parseLong(m.group(1))).toList();
        }

        @Override
        public KubernetesExecutor.Builder executor() {
            KubernetesExecutor.Builder b = KubernetesExecutor.builder().environment(Map.of()).userHome(work)
                    .k8sConfigFile(api.kubeconfig()).k8sContext(ApiServerBed.CONTEXT).registry(SharedBeds.registry().host())
                    .baseImage(jre).dataStore(store.toString()).set("data_store_mount", "/data")
                    .cacheDir(work.resolve("cache")).pollFreq(Duration.ofSeconds(10)).clusterClient("fabric8");
            resources(o).forEach(b::set);
            return b;
        }

        @Override
        public void close() {
            standIn.close();
            runner.close();
            api.close();
        }
    }

    /** A user's cluster: the kubeconfig and context given; the registry, base image and store the pods can reach. */
    private static final class UserCluster implements Cluster {
        private final KubernetesClient client;
        private final Options o;
        private final String namespace;

        private UserCluster(KubernetesClient client, Options o, String namespace) {
            this.client = client;
            this.o = o;
            this.namespace = namespace;
        }

        static UserCluster of(Options o) throws IOException {
            String context = o.string("context", "");
            Optional<Path> kubeconfig = Optional.ofNullable(o.string("kubeconfig", System.getenv("KUBECONFIG")))
                    .filter(s -> !s.isBlank()).map(Path::of);
            for (String required : List.of("registry", "base-image", "data-store")) {
                if (o.string(required, "").isEmpty()) {
                    throw new IllegalArgumentException("--" + required + " is needed with --context (what the cluster's "
                            + "pods can reach)");
                }
            }
            Config config = kubeconfig.isPresent()
                    ? Config.fromKubeconfig(context, Files.readString(kubeconfig.get()), kubeconfig.get().toString())
                    : Config.autoConfigure(context);
            KubernetesClient client = new KubernetesClientBuilder().withConfig(config).build();
            String ns = config.getNamespace() == null ? "default" : config.getNamespace();
            return new UserCluster(client, o, ns);
        }

        @Override
        public KubernetesClient client() {
            return client;
        }

        @Override
        public String namespace() {
            return namespace;
        }

        @Override
        public String baseImage() {
            return o.string("base-image", "");
        }

        @Override
        public String describe() {
            return "context " + o.string("context", "") + ", namespace " + namespace;
        }

        @Override
        public Map<String, String> cliSettings() {
            Map<String, String> m = new LinkedHashMap<>(Map.of("k8s_context", o.string("context", ""),
                    "namespace", namespace, "registry", o.string("registry", ""), "base_image", baseImage(),
                    "data_store", o.string("data-store", "")));
            m.putAll(resources(o));
            Optional.ofNullable(o.string("kubeconfig", System.getenv("KUBECONFIG"))).filter(s -> !s.isBlank())
                    .ifPresent(k -> m.put("k8s_config_file", k));
            return m;
        }

        @Override
        public KubernetesExecutor.Builder executor() {
            KubernetesExecutor.Builder b = KubernetesExecutor.builder().k8sContext(o.string("context", ""))
                    .namespace(namespace).registry(o.string("registry", "")).baseImage(baseImage())
                    .dataStore(o.string("data-store", ""));
            Optional.ofNullable(o.string("kubeconfig", System.getenv("KUBECONFIG"))).filter(s -> !s.isBlank())
                    .map(Path::of).ifPresent(b::k8sConfigFile);
            resources(o).forEach(b::set);
            return b;
        }

        @Override
        public void close() {
            client.close();
        }
    }
}
