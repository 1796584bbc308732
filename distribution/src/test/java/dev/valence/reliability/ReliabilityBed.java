package dev.valence.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.fail;

import dev.valence.api.TaskBody;
import dev.valence.api.TaskCall;
import dev.valence.api.TaskRun;
import dev.valence.api.ValenceException;
import dev.valence.core.KubernetesExecutor;
import dev.valence.core.Launcher;
import dev.valence.spi.ClusterGateway;
import dev.valence.tck.cluster.ApiServerBed;
import dev.valence.tck.cluster.JobControllerStandIn;
import dev.valence.tck.image.RegistryBed;
import dev.valence.tck.pods.HostDirs;
import dev.valence.tck.pods.RuncPodRunner;
import dev.valence.tck.pods.SharedBeds;
import dev.valence.tck.net.FaultProxy;
import dev.valence.tck.net.JobLedger;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;

/**
 * What every reliability case runs on: the fabric8 mock API server behind a {@link FaultProxy}
 * (the executor goes through the proxy; the Job-controller stand-in and the test talk to the
 * server directly, so an injected fault hits the executor only), the real CNCF registry,
 * store-local in a directory per test, and a stand-in whose pods launch the task in a real
 * container ({@link RuncPodRunner}, on the tck's JRE base image, the node's {@code /data} being the
 * store directory). A test scripts what one node's pod does with {@link #podDoes} (hold, lose the
 * output, be evicted, ...) around the launch; the default is to launch.
 *
 * <p>The stand-in plays the kubelet's pull first: a pod whose image digest is not in the registry
 * is left in {@code ImagePullBackOff}. The registry suite keeps its pods in this JVM
 * ({@link #realPods()}): its images are a tiny fresh class path per test.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
abstract class ReliabilityBed {
    static final String NAMESPACE = ApiServerBed.NAMESPACE;
    static final String JOBS = "/apis/batch/v1/namespaces/" + NAMESPACE + "/jobs";
    static final String PODS = "/api/v1/namespaces/" + NAMESPACE + "/pods";

    static ApiServerBed api;
    static RegistryBed registry;
    static FaultProxy apiProxy;
    static Path work;
    static Path kubeconfig;
    static Path cacheDir;

    Path storeDir;
    JobControllerStandIn standIn;
    RuncPodRunner runner;
    JobLedger ledger;
    final Map<String, PodScript> scripts = new ConcurrentHashMap<>();
    final Map<String, AtomicInteger> launches = new ConcurrentHashMap<>();
    final Map<String, AtomicInteger> podsStarted = new ConcurrentHashMap<>();
    final Map<String, AtomicInteger> podsEnded = new ConcurrentHashMap<>();
    final Map<String, String> images = new ConcurrentHashMap<>();
    final List<AutoCloseable> closeables = new ArrayList<>();
    /** Opened at the end of each test: pods parked until then go away. */
    final CountDownLatch testOver = new CountDownLatch(1);
    /** Opened by a test to let its held pods go on. */
    final CountDownLatch release = new CountDownLatch(1);

    /** {@code fabric8} or {@code official}. */
    abstract String clusterClient();

    /** What a node's pod does, instead of launching the task. */
    @FunctionalInterface
    interface PodScript {
        JobControllerStandIn.Result run(Pod pod) throws Exception;
    }

    @BeforeAll
    static void beds() throws IOException {
        api = ApiServerBed.start();
        registry = RegistryBed.start();
        apiProxy = FaultProxy.to(URI.create(api.url()).getPort());
        work = Files.createTempDirectory("valence-reliability");
        kubeconfig = api.writeKubeconfig("through-proxy", ApiServerBed.CONTEXT,
                new ApiServerBed.KubeContext(ApiServerBed.CONTEXT, apiProxy.url(), NAMESPACE));
        cacheDir = work.resolve("cache");
    }

    @AfterAll
    static void closeBeds() {
        if (apiProxy != null) {
            apiProxy.close();
        }
        if (registry != null) {
            registry.close();
        }
        if (api != null) {
            api.close();
        }
        deleteTree(work);
    }

    @BeforeEach
    void perTest() throws IOException {
        apiProxy.takeRequests();
        storeDir = HostDirs.writableByAnyUid(Files.createTempDirectory(work, "store"));
        ledger = JobLedger.watch(api.client(), NAMESPACE);
        runner = RuncPodRunner.builder().client(api.client()).hostPath("/data", storeDir).build();
        standIn = new JobControllerStandIn(api);
        standIn.runJobsWith(new JobControllerStandIn.PodRunner() {
            @Override
            public JobControllerStandIn.Result run(JobControllerStandIn.PodRun run) throws Exception {
                return runPod(run);
            }

            @Override
            public void kill(String namespace, String podName) {
                runner.kill(namespace, podName);
            }
        });
    }

    @AfterEach
    void cleanUp() throws Exception {
        testOver.countDown();
        release.countDown();
        apiProxy.heal();
        for (AutoCloseable c : closeables) {
            c.close();
        }
        standIn.close();
        runner.close();
        ledger.close();
    }

    /** An executor on the bed, through the API proxy, with the suite's settings plus {@code extra}. */
    KubernetesExecutor executor(Map<String, Object> extra) {
        KubernetesExecutor.Builder b = KubernetesExecutor.builder()
                .environment(Map.of())
                .userHome(work)
                .k8sConfigFile(kubeconfig)
                .k8sContext(ApiServerBed.CONTEXT)
                .registry(registryHost())
                .baseImage(realPods() ? SharedBeds.jreImage() : "scratch")
                .dataStore(storeDir.toString())
                .set("data_store_mount", "/data")
                .cacheDir(cacheDir)
                .pollFreq(pollFreq())
                .clusterClient(clusterClient())
                .classpath(classpath());
        extra.forEach(b::set);
        KubernetesExecutor k8s = b.build();
        closeables.add(k8s);
        return k8s;
    }

    /**
     * {@code poll_freq}: how often the official client lists Jobs; for fabric8 the informers'
     * resync (fabric8 accepts no less than 1 s), not how fast it learns of a change.
     */
    Duration pollFreq() {
        return Duration.ofSeconds(1);
    }

    /** Where executors push: the registry itself unless a test puts something between. */
    String registryHost() {
        return registry.host();
    }

    /** The class path in the task image: this JVM's, so the image can run the launcher and the tests' tasks. */
    List<Path> classpath() {
        return java.util.Arrays.stream(System.getProperty("java.class.path").split(java.io.File.pathSeparator))
                .map(Path::of).toList();
    }

    /**
     * Whether pods are real containers (the default) or the launcher in this JVM: the registry
     * suite keeps the latter, its images being a fresh random layer per test, about the push alone.
     */
    boolean realPods() {
        return true;
    }

    /** Scripts what the pod of {@code nodeId} does. */
    void podDoes(String nodeId, PodScript script) {
        scripts.put(nodeId, script);
    }

    /** How many times the task of {@code nodeId} was launched. */
    int launches(String nodeId) {
        return launches.getOrDefault(nodeId, new AtomicInteger()).get();
    }

    /** How many pods of {@code nodeId} the stand-in has started running (their script was called). */
    int podsStarted(String nodeId) {
        return podsStarted.getOrDefault(nodeId, new AtomicInteger()).get();
    }

    /** How many pods of {@code nodeId} have ended (their script returned). */
    int podsEnded(String nodeId) {
        return podsEnded.getOrDefault(nodeId, new AtomicInteger()).get();
    }

    /** Waits until the executor has read the cluster after this call: a list of pods went through the proxy. */
    void awaitExecutorLooked() {
        apiProxy.takeRequests();
        List<String> seen = new ArrayList<>();
        waitUntil("the executor lists pods again", () -> {
            seen.addAll(apiProxy.takeRequests());
            return seen.stream().anyMatch(r -> r.startsWith("GET " + PODS + "?"));
        });
    }

    private JobControllerStandIn.Result runPod(JobControllerStandIn.PodRun run) throws Exception {
        Pod pod = new Pod(run);
        images.put(pod.nodeId(), run.image());
        podsStarted.computeIfAbsent(pod.nodeId(), n -> new AtomicInteger()).incrementAndGet();
        try {
            if (!pod.imageInRegistry()) {
                standIn.waiting(run.namespace(), run.jobName(), "ImagePullBackOff",
                        "Back-off pulling image \"" + run.image() + "\": manifest unknown");
                pod.parkUntilGone();
                return new JobControllerStandIn.Result(1, "");
            }
            return scripts.getOrDefault(pod.nodeId(), Pod::launch).run(pod);
        } finally {
            podsEnded.computeIfAbsent(pod.nodeId(), n -> new AtomicInteger()).incrementAndGet();
        }
    }

    /** A pod being run by the stand-in, with what a script needs. */
    final class Pod {
        final JobControllerStandIn.PodRun run;
        final Map<String, String> env;

        Pod(JobControllerStandIn.PodRun run) {
            this.run = run;
            // the pod's hostPath mount of /data is the store directory of this test
            this.env = Map.copyOf(run.envWithMountsAt(storeDir));
        }

        String nodeId() {
            return env.get(Launcher.NODE_ENV);
        }

        String dispatchId() {
            return env.get(Launcher.DISPATCH_ENV);
        }

        /** The node's artifact (input, output) in the store directory. */
        Path artifact(String name) {
            return storeDir.resolve(dispatchId()).resolve(nodeId()).resolve(name);
        }

        /**
         * Runs the pod's container: a real one ({@link RuncPodRunner}, the image's entrypoint, the
         * launcher) unless the suite keeps pods in this JVM ({@link #realPods()}).
         */
        JobControllerStandIn.Result launch() throws Exception {
            launches.computeIfAbsent(nodeId(), n -> new AtomicInteger()).incrementAndGet();
            if (realPods()) {
                return runner.run(run);
            }
            ByteArrayOutputStream log = new ByteArrayOutputStream();
            int code = Launcher.run(env, ReliabilityBed.class.getClassLoader(), new PrintStream(log, true, StandardCharsets.UTF_8));
            return new JobControllerStandIn.Result(code, log.toString(StandardCharsets.UTF_8));
        }

        /** Whether the pod still exists (a deleted Job's pods are removed by the stand-in's garbage collection). */
        boolean alive() {
            return api.client().pods().inNamespace(run.namespace()).withName(run.podName()).get() != null;
        }

        /** Waits for the test to let held pods go on; launches if the pod still exists, else "is killed". */
        JobControllerStandIn.Result holdThenLaunch() throws Exception {
            awaitEither(release);
            return alive() ? launch() : new JobControllerStandIn.Result(137, "killed\n");
        }

        /** Stays until the pod is deleted or the test ends (as a pod that will never finish by itself). */
        void parkUntilGone() throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (alive() && testOver.getCount() > 0 && System.nanoTime() < deadline) {
                testOver.await(100, TimeUnit.MILLISECONDS);
            }
        }

        /** Stays until the test ends, so the stand-in writes nothing more about this Job. */
        void parkUntilTestEnds() throws InterruptedException {
            testOver.await(90, TimeUnit.SECONDS);
        }

        private void awaitEither(CountDownLatch latch) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (!latch.await(100, TimeUnit.MILLISECONDS) && testOver.getCount() > 0 && System.nanoTime() < deadline) {
                // a cancelled pod waits here until the test releases it
            }
        }

        /** The kubelet's pull: the pinned digest must be in the registry. */
        boolean imageInRegistry() {
            String image = run.image();
            int at = image.indexOf('@');
            int slash = image.indexOf('/');
            if (at < 0 || slash < 0) {
                return true;
            }
            return registry.manifest(image.substring(slash + 1, at), image.substring(at + 1)).isPresent();
        }
    }

    static TaskCall call(String dispatchId, String nodeId, TaskBody body) {
        return TaskCall.builder().dispatchId(dispatchId).nodeId(nodeId).taskName("t").body(body).build();
    }

    static TaskCall call(String nodeId, TaskBody body) {
        return call(TaskCall.newDispatchId(), nodeId, body);
    }

    // ---- what tests check ----

    static List<Job> jobs(String dispatchId) {
        return api.client().batch().v1().jobs().inNamespace(NAMESPACE)
                .withLabel(ClusterGateway.DISPATCH_LABEL, dispatchId).list().getItems();
    }

    static int pods(String jobName) {
        return api.client().pods().inNamespace(NAMESPACE).withLabel("job-name", jobName).list().getItems().size();
    }

    /** Files under the dispatch's prefix in the store (temp files included). */
    long artifacts(String dispatchId) {
        Path dir = storeDir.resolve(dispatchId);
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The run's value, waiting at most 60 s. */
    static <R> R value(TaskRun<R> run) {
        try {
            return run.result().get(60, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new AssertionError("task '" + run.call().taskName() + "' failed: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new AssertionError("task '" + run.call().taskName() + "' gave no result within 60 s (" + run + ")");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** The run's error, waiting at most 60 s; fails when it gave a value. */
    static Throwable error(TaskRun<?> run) {
        try {
            Object v = run.result().get(60, TimeUnit.SECONDS);
            return fail("task '" + run.call().taskName() + "' returned " + v + " but was expected to fail");
        } catch (ExecutionException | CompletionException e) {
            return e.getCause();
        } catch (TimeoutException e) {
            throw new AssertionError("task '" + run.call().taskName() + "' gave no result within 60 s (" + run + ")");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** The run's error as a {@link ValenceException}. */
    static ValenceException valenceError(TaskRun<?> run) {
        return assertInstanceOf(ValenceException.class, error(run));
    }

    static void assertOneJob(TaskRun<?> run, JobLedger ledger) {
        assertEquals(1, ledger.created(run.jobName().orElseThrow()), "Jobs created for " + run);
    }

    static void waitUntil(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within 60 s: " + what);
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    static void deleteTree(Path root) {
        if (root == null || !Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // best effort: a temp directory
        }
    }
}
