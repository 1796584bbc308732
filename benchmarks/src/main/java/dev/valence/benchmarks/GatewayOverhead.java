package dev.valence.benchmarks;

import dev.valence.api.Settings;
import dev.valence.spi.ClusterGateway;
import dev.valence.spi.ClusterGatewayFactory;
import dev.valence.spi.JobOutcome;
import dev.valence.spi.JobRef;
import dev.valence.spi.JobSpec;
import dev.valence.spi.Plugins;
import dev.valence.tck.cluster.ApiServerBed;
import dev.valence.tck.cluster.JobControllerStandIn;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Issue 6: per cluster client, submit→outcome of one Job through the {@link ClusterGateway} port,
 * against raw fabric8 creating the same Job (the gateway's own rendering) and waiting for
 * {@code Complete} with an informer started once, in the same run and interleaved, on fabric8's
 * mock API server with the Job-controller stand-in completing every Job as soon as it appears.
 * Then what many in-flight Jobs cost: threads of this JVM and established TCP connections to the
 * mock server, with all Jobs submitted and followed and none finished yet; then the stand-in
 * completes them all and every outcome is checked.
 */
public final class GatewayOverhead {
    private GatewayOverhead() {
    }

    /** Options: {@code --clients=fabric8,official --warmup=5 --runs=20 --jobs=1000 --poll-freq=1 --burst=20 --bursts=5}. */
    public static void main(String[] args) throws Exception {
        Logging.quiet();
        run(Options.parse(args), System.out);
    }

    static void run(Options o, PrintStream out) throws Exception {
        o.only("clients", "warmup", "runs", "jobs", "poll-freq", "burst", "bursts");
        List<String> clients = o.list("clients", "fabric8,official");
        int warmup = o.integer("warmup", 5);
        int runs = o.integer("runs", 20);
        int jobs = o.integer("jobs", 1000);
        Duration pollFreq = Duration.ofSeconds(o.integer("poll-freq", 1));
        out.printf("Cluster gateway overhead (issue 6): mock API server (CRUD) + Job-controller stand-in; %d warm-up + %d "
                + "measured runs per way, interleaved; poll_freq %d s; %d cores, Java %s%n", warmup, runs,
                pollFreq.toSeconds(), Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"));
        Path home = Files.createTempDirectory("valence-bench-gateway");
        try {
            Table trips = new Table("cluster client", "way", "median ms", "p90 ms", "min ms", "× raw");
            List<String> verdicts = new ArrayList<>();
            for (String client : clients) {
                try (Bed bed = new Bed(home, client, pollFreq)) {
                    bed.roundTrips(warmup, runs, trips, verdicts);
                }
            }
            trips.print(out);
            out.println("raw = fabric8's KubernetesClient creating the Job the gateway renders for the same spec, then its"
                    + " Complete seen by an informer started once; it is the baseline of both rows (also for the official"
                    + " client, whose own raw follow would be a list per poll_freq).");
            verdicts.forEach(out::println);

            out.printf("%nIn-flight cost: %d Jobs submitted and followed through one gateway, none finished yet; threads of "
                    + "this JVM (ThreadMXBean) and ESTABLISHED TCP connections to the mock server's port (/proc/net/tcp, "
                    + "tcp6), against the same gateway idle after one Job; then the stand-in completes them all.%n", jobs);
            Table cost = new Table("cluster client", "in-flight Jobs", "submit all s", "threads idle", "threads in flight",
                    "Δ threads", "conns idle", "conns in flight", "Δ conns", "complete all s", "succeeded");
            for (String client : clients) {
                try (Bed bed = new Bed(home, client, pollFreq)) {
                    bed.inFlight(jobs, cost);
                }
            }
            cost.print(out);

            int burst = o.integer("burst", 20);
            int bursts = o.integer("bursts", 5);
            if (burst > 0) {
                out.printf("%nBurst of creates (issue 21): %d Jobs created at once through the gateway (%d threads, as the "
                        + "executor starts up to 32 tasks at once), against raw fabric8 creating the same Jobs one after "
                        + "the other (what kubectl in a loop does) and all at once; median of %d bursts, interleaved; "
                        + "nothing completes them.%n", burst, burst, bursts);
                Table t = new Table("cluster client", "way", "median ms", "min ms", "max ms", "× raw one by one");
                for (String client : clients) {
                    try (Bed bed = new Bed(home, client, pollFreq)) {
                        bed.bursts(burst, bursts, t);
                    }
                }
                t.print(out);
            }
        } finally {
            Files2.deleteTree(home);
        }
    }

    /** A fresh mock API server, stand-in, gateway and raw client (fresh: see RoundTrip on the mock's watch bookkeeping). */
    private static final class Bed implements AutoCloseable {
        private static int serial;
        final String client;
        final ApiServerBed api;
        final JobControllerStandIn controller;
        final ClusterGateway gateway;
        final KubernetesClient raw;
        final Map<String, CompletableFuture<Long>> rawWaiters = new ConcurrentHashMap<>();
        SharedIndexInformer<Job> rawInformer;

        Bed(Path home, String client, Duration pollFreq) {
            this.client = client;
            this.api = ApiServerBed.start();
            this.controller = new JobControllerStandIn(api, JobControllerStandIn.Options.builder()
                    .completionDelay(java.time.Duration.ZERO).build()); // overhead of the gateway alone: no controller delay
            Plugins plugins = Plugins.load(GatewayOverhead.class.getClassLoader());
            ClusterGatewayFactory factory = plugins.clusterGateway(client);
            Settings.Builder b = plugins.declareKeys(Settings.builder()).environment(Map.of()).userHome(home)
                    .k8sConfigFile(api.kubeconfig()).k8sContext(ApiServerBed.CONTEXT).pollFreq(pollFreq)
                    .clusterClient(client);
            this.gateway = factory.create(b.build());
            this.raw = new KubernetesClientBuilder().withConfig(new ConfigBuilder(Config.empty())
                    .withMasterUrl(api.url()).withNamespace(ApiServerBed.NAMESPACE).build()).build();
        }

        JobSpec spec(String prefix) {
            int n = serial++;
            return JobSpec.builder().name("valence-bench-" + prefix + "-n" + n).image("127.0.0.1:5000/valence-task:bench")
                    .command(List.of("java", "-version"))
                    .label(ClusterGateway.DISPATCH_LABEL, "bench").label(ClusterGateway.NODE_LABEL, prefix + "-n" + n)
                    .vcpu("100m").memory("64Mi").build();
        }

        void roundTrips(int warmup, int runs, Table trips, List<String> verdicts) throws Exception {
            controller.runJobsWith(pod -> new JobControllerStandIn.Result(0, "done\n"));
            rawInformer = RoundTrip.informCompletions(raw, rawWaiters);
            Samples gw = new Samples();
            Samples rw = new Samples();
            for (int r = 0; r < warmup + runs; r++) {
                long g = viaGateway(spec("gw"));
                long w = viaRaw(spec("raw"));
                if (r >= warmup) {
                    gw.add(g);
                    rw.add(w);
                }
            }
            trips.row(client, "ClusterGateway submit→follow outcome", Samples.ms(gw.median()),
                    Samples.ms(gw.percentile(90)), Samples.ms(gw.min()), (double) gw.median() / rw.median());
            trips.row(client, "raw fabric8 create→Complete", Samples.ms(rw.median()), Samples.ms(rw.percentile(90)),
                    Samples.ms(rw.min()), 1.0);
            verdicts.add(String.format(Locale.ROOT, "%s: gateway submit→outcome ÷ raw fabric8 create→Complete = %.2f× "
                    + "(medians %.1f ms vs %.1f ms; overhead %+.1f ms)", client, (double) gw.median() / rw.median(),
                    Samples.ms(gw.median()), Samples.ms(rw.median()), Samples.ms(gw.median() - rw.median())));
        }

        private long viaGateway(JobSpec spec) throws Exception {
            long t0 = System.nanoTime();
            JobRef ref = gateway.submit(spec);
            JobOutcome outcome = gateway.follow(ref).get(60, TimeUnit.SECONDS);
            long t1 = System.nanoTime();
            if (!outcome.succeeded()) {
                throw new IllegalStateException("Job " + spec.name() + " did not succeed: " + outcome);
            }
            gateway.cancel(ref);
            return t1 - t0;
        }

        private long viaRaw(JobSpec spec) {
            Job job = rendered(spec);
            String name = job.getMetadata().getName();
            var jobs = raw.batch().v1().jobs().inNamespace(ApiServerBed.NAMESPACE);
            CompletableFuture<Long> seen = new CompletableFuture<>();
            rawWaiters.put(name, seen);
            long t0 = System.nanoTime();
            jobs.resource(job).create();
            long t1 = seen.orTimeout(60, TimeUnit.SECONDS).join();
            jobs.withName(name).delete();
            return t1 - t0;
        }

        void bursts(int n, int times, Table t) throws Exception {
            Samples viaGateway = new Samples();
            Samples rawSerial = new Samples();
            Samples rawParallel = new Samples();
            ExecutorService pool = Executors.newFixedThreadPool(n);
            try {
                burst(n, pool, s -> gateway.submit(s)); // warm-up of both clients
                burst(n, pool, this::rawCreate);
                for (int i = 0; i < times; i++) {
                    viaGateway.add(burst(n, pool, s -> gateway.submit(s)));
                    long t0 = System.nanoTime();
                    for (int j = 0; j < n; j++) {
                        rawCreate(spec("serial"));
                    }
                    rawSerial.add(System.nanoTime() - t0);
                    rawParallel.add(burst(n, pool, this::rawCreate));
                }
            } finally {
                pool.shutdownNow();
            }
            long base = rawSerial.median();
            t.row(client, n + " submits at once through the gateway", Samples.ms(viaGateway.median()),
                    Samples.ms(viaGateway.min()), Samples.ms(viaGateway.max()), (double) viaGateway.median() / base);
            t.row(client, n + " raw fabric8 creates one by one", Samples.ms(base), Samples.ms(rawSerial.min()),
                    Samples.ms(rawSerial.max()), 1.0);
            t.row(client, n + " raw fabric8 creates at once", Samples.ms(rawParallel.median()),
                    Samples.ms(rawParallel.min()), Samples.ms(rawParallel.max()), (double) rawParallel.median() / base);
        }

        /** Creates {@code n} Jobs at once with {@code create}; how long until the last create returned. */
        private long burst(int n, ExecutorService pool, java.util.function.Consumer<JobSpec> create) throws Exception {
            List<JobSpec> specs = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                specs.add(spec("burst"));
            }
            long t0 = System.nanoTime();
            List<Future<?>> all = new ArrayList<>();
            for (JobSpec s : specs) {
                all.add(pool.submit(() -> create.accept(s)));
            }
            for (Future<?> f : all) {
                f.get(120, TimeUnit.SECONDS);
            }
            return System.nanoTime() - t0;
        }

        /** The Job the gateway renders for {@code spec}, as raw fabric8 creates it (the same manifest both ways). */
        private Job rendered(JobSpec spec) {
            return raw.batch().v1().jobs().load(new ByteArrayInputStream(
                    gateway.render(spec).getBytes(StandardCharsets.UTF_8))).item();
        }

        private void rawCreate(JobSpec spec) {
            Job job = rendered(spec);
            raw.batch().v1().jobs().inNamespace(ApiServerBed.NAMESPACE).resource(job).create();
        }

        void inFlight(int count, Table cost) throws Exception {
            ThreadMXBean threads = ManagementFactory.getThreadMXBean();
            int port = URI.create(api.url()).getPort();
            // the gateway idle after one Job (its watch or poller started): the reference point
            JobSpec first = spec("warm");
            JobRef warm = gateway.submit(first);
            CompletableFuture<JobOutcome> warmOutcome = gateway.follow(warm);
            controller.succeed(ApiServerBed.NAMESPACE, first.name());
            warmOutcome.get(60, TimeUnit.SECONDS);
            gateway.cancel(warm);
            Thread.sleep(1000);
            int threadsIdle = threads.getThreadCount();
            int connsIdle = established(port);

            List<JobSpec> specs = new ArrayList<>();
            List<CompletableFuture<JobOutcome>> outcomes = new ArrayList<>();
            long t0 = System.nanoTime();
            for (int i = 0; i < count; i++) {
                JobSpec s = spec("flight");
                specs.add(s);
                outcomes.add(gateway.follow(gateway.submit(s)));
            }
            long t1 = System.nanoTime();
            Thread.sleep(2000); // let every follow settle (a poll_freq or more)
            int threadsBusy = threads.getThreadCount();
            int connsBusy = established(port);
            long done = outcomes.stream().filter(CompletableFuture::isDone).count();
            if (done > 0) {
                throw new IllegalStateException(done + " of " + count + " Jobs finished before the stand-in completed them");
            }

            long t2 = System.nanoTime();
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<?>> writes = new ArrayList<>();
                for (JobSpec s : specs) {
                    writes.add(pool.submit(() -> controller.succeed(ApiServerBed.NAMESPACE, s.name())));
                }
                for (Future<?> w : writes) {
                    w.get(120, TimeUnit.SECONDS);
                }
            } finally {
                pool.shutdownNow();
            }
            int succeeded = 0;
            for (CompletableFuture<JobOutcome> f : outcomes) {
                if (f.get(120, TimeUnit.SECONDS).succeeded()) {
                    succeeded++;
                }
            }
            long t3 = System.nanoTime();
            cost.row(client, count, (t1 - t0) / 1e9, threadsIdle, threadsBusy, threadsBusy - threadsIdle, connsIdle,
                    connsBusy, connsBusy - connsIdle, (t3 - t2) / 1e9, succeeded + "/" + count);
        }

        @Override
        public void close() {
            if (rawInformer != null) {
                rawInformer.close();
            }
            raw.close();
            gateway.close();
            controller.close();
            api.close();
        }
    }

    /** ESTABLISHED TCP connections whose remote end is {@code port} on this host (the client ends only). */
    static int established(int port) throws IOException {
        int n = 0;
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            Path p = Path.of(table);
            if (!Files.isReadable(p)) {
                continue;
            }
            List<String> lines = Files.readAllLines(p);
            for (String line : lines.subList(1, lines.size())) {
                String[] f = line.trim().split("\\s+");
                // f[1] local address:port, f[2] remote address:port, f[3] state (01 = ESTABLISHED), all hex
                String remote = f[2];
                int remotePort = Integer.parseInt(remote.substring(remote.indexOf(':') + 1), 16);
                if (remotePort == port && "01".equals(f[3])) {
                    n++;
                }
            }
        }
        return n;
    }
}
