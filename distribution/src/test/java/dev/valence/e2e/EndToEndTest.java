package dev.valence.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.valence.api.ErrorKind;
import dev.valence.api.Task;
import dev.valence.api.Task1;
import dev.valence.api.TaskCall;
import dev.valence.api.TaskRun;
import dev.valence.api.TaskStatus;
import dev.valence.api.ValenceException;
import dev.valence.api.WorkflowResult;
import dev.valence.core.Dispatcher;
import dev.valence.core.KubernetesExecutor;
import dev.valence.core.Launcher;
import dev.valence.core.LocalExecutor;
import dev.valence.examples.SeedExample;
import dev.valence.spi.ClusterGateway;
import dev.valence.tck.cluster.ApiServerBed;
import dev.valence.tck.cluster.JobControllerStandIn;
import dev.valence.tck.image.RegistryBed;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A task end to end, with real parts and no Docker: the fabric8 mock API server (CRUD), the real
 * CNCF registry receiving the Jib-built image, store-local, and a Job-controller stand-in that
 * runs each Job's pod as the real launcher in a child JVM, with the pod's env and its hostPath
 * mount mapped to the store directory (as {@code minikube mount <data_store>:/data} would).
 * Subclasses pick the cluster client.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
abstract class EndToEndTest {
    static ApiServerBed api;
    static RegistryBed registry;
    static Path work;
    static Path storeDir;

    /** Released by tests that hold a pod before it runs. */
    static volatile CountDownLatch hold = new CountDownLatch(0);
    static volatile String lastImage;

    JobControllerStandIn standIn;
    final List<AutoCloseable> closeables = new ArrayList<>();

    abstract String clusterClient();

    @BeforeAll
    static void beds() throws IOException {
        api = ApiServerBed.start();
        registry = RegistryBed.start();
        work = Files.createTempDirectory("valence-e2e");
        storeDir = Files.createDirectories(work.resolve("store"));
    }

    /**
     * The requests the executor made during the whole suite need no more than infra/rbac.yaml's Role
     * grants (the list the infra tests check the Role against), so the Role stays in sync with the code.
     */
    static void everyCallIsGrantedByTheRole() throws IOException {
        java.util.Set<String> granted = new java.util.TreeSet<>(Files.readAllLines(
                Path.of("..", "infra", "src", "test", "resources", "executor-permissions.txt")));
        granted.removeIf(String::isBlank);
        java.util.Set<String> used = new java.util.TreeSet<>();
        for (ApiServerBed.Request r : api.takeRequests()) {
            permission(r.method(), r.path()).ifPresent(used::add);
        }
        assertTrue(used.contains("batch/jobs:create"), "the suite's calls were recorded: " + used);
        java.util.Set<String> extra = new java.util.TreeSet<>(used);
        extra.removeAll(granted);
        assertEquals(java.util.Set.of(), extra, "calls the Role does not grant (used: " + used + ")");
    }

    /** {@code group/resource:verb} for a namespaced API request; empty for discovery and the check's probes. */
    static java.util.Optional<String> permission(String method, String pathAndQuery) {
        String path = pathAndQuery.replaceFirst("\\?.*$", "");
        boolean watch = pathAndQuery.contains("watch=true") || pathAndQuery.contains("watch=1");
        var m = java.util.regex.Pattern.compile("^/(?:api/v1|apis/([^/]+)/[^/]+)/namespaces/[^/]+/([^/]+)(/[^/]+)?(/[^/]+)?$")
                .matcher(path);
        if (!m.matches()) {
            return java.util.Optional.empty(); // /version, the namespace probe of check(), access reviews
        }
        String group = m.group(1) == null ? "" : m.group(1) + "/";
        String resource = m.group(2) + (m.group(4) == null ? "" : m.group(4));
        boolean named = m.group(3) != null;
        String verb = switch (method) {
            case "POST" -> "create";
            case "DELETE" -> "delete";
            case "PUT" -> "update";
            case "PATCH" -> "patch";
            default -> watch ? "watch" : named ? "get" : "list";
        };
        return java.util.Optional.of(group + resource + ":" + verb);
    }

    @AfterAll
    static void closeBeds() throws IOException {
        try {
            everyCallIsGrantedByTheRole();
        } finally {
            closeQuietly();
        }
    }

    private static void closeQuietly() {
        if (registry != null) {
            registry.close();
        }
        if (api != null) {
            api.close();
        }
    }

    @BeforeEach
    void controller() {
        standIn = new JobControllerStandIn(api);
        standIn.runJobsWith(this::runPod);
    }

    @AfterEach
    void close() throws Exception {
        hold.countDown();
        for (AutoCloseable c : closeables) {
            c.close();
        }
        standIn.close();
    }

    KubernetesExecutor executor(Map<String, Object> extra) {
        KubernetesExecutor.Builder b = KubernetesExecutor.builder()
                .environment(Map.of())
                .userHome(work)
                .k8sConfigFile(api.kubeconfig())
                .k8sContext(ApiServerBed.CONTEXT)
                .registry(registry.host())
                .baseImage("scratch")
                .dataStore(storeDir.toString())
                .set("data_store_mount", "/data")
                .cacheDir(work.resolve("cache"))
                .pollFreq(Duration.ofSeconds(1))
                .clusterClient(clusterClient());
        extra.forEach(b::set);
        KubernetesExecutor k8s = b.build();
        closeables.add(k8s);
        return k8s;
    }

    /** What the stand-in does with a pod, by the node id's prefix. */
    private JobControllerStandIn.Result runPod(JobControllerStandIn.PodRun pod) throws Exception {
        lastImage = pod.image();
        String node = pod.env().getOrDefault(Launcher.NODE_ENV, "");
        Map<String, String> env = mapMounts(pod);
        if (node.startsWith("pull")) {
            standIn.waiting(pod.namespace(), pod.jobName(), "ImagePullBackOff", "Back-off pulling image \"" + pod.image() + "\"");
            Thread.sleep(60_000); // the executor must give up long before the Job would
            return new JobControllerStandIn.Result(1, "");
        }
        if (node.startsWith("oom")) {
            api.scriptLog(pod.namespace(), pod.podName(), "allocating...\n");
            standIn.oomKill(pod.namespace(), pod.jobName());
            Thread.sleep(60_000);
            return new JobControllerStandIn.Result(137, "");
        }
        if (node.startsWith("hold")) {
            assertTrue(hold.await(60, TimeUnit.SECONDS));
        }
        if (node.startsWith("par")) {
            return inProcess(env);
        }
        return childJvm(env);
    }

    /** The pod's hostPath mounts point at the node's directories; here the node's /data is the store dir. */
    private static Map<String, String> mapMounts(JobControllerStandIn.PodRun pod) {
        return pod.envWithMountsAt(storeDir);
    }

    /** The pod's container: the real launcher (the image's entrypoint) in a child JVM with the pod's env. */
    private static JobControllerStandIn.Result childJvm(Map<String, String> env) throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        ProcessBuilder pb = new ProcessBuilder(java.toString(), "-Xshare:auto", "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"), Launcher.class.getName());
        pb.environment().clear();
        pb.environment().putAll(env);
        pb.redirectErrorStream(true);
        Process p = pb.start();
        byte[] log = p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
        }
        return new JobControllerStandIn.Result(p.exitValue(), new String(log, StandardCharsets.UTF_8));
    }

    /** The launcher in this JVM: for the many-task case, where a JVM per pod would only measure this machine. */
    private static JobControllerStandIn.Result inProcess(Map<String, String> env) {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        int code = Launcher.run(env, EndToEndTest.class.getClassLoader(), new PrintStream(log, true, StandardCharsets.UTF_8));
        return new JobControllerStandIn.Result(code, log.toString(StandardCharsets.UTF_8));
    }

    @Test
    void aValueComesBackFromAPod() {
        KubernetesExecutor k8s = executor(Map.of());
        Task1<String, String> shout = Task.of("shout", s -> {
            System.out.println("shouting " + s);
            return s.toUpperCase() + "!";
        }, k8s);
        TaskRun<String> run = shout.submit("hello");
        assertEquals("HELLO!", run.await());
        assertEquals(TaskStatus.COMPLETED, run.status());
        assertTrue(lastImage.startsWith(registry.host() + "/valence-task@sha256:"), lastImage);
        var manifest = registry.manifest("valence-task", lastImage.substring(lastImage.indexOf('@') + 1)).orElseThrow();
        String config = registry.config("valence-task", manifest).toString();
        assertTrue(config.contains("dev.valence.core.Launcher"), "the image's entrypoint is the launcher: " + config);
        waitUntil(() -> jobs(run.call().dispatchId()).isEmpty()); // deleted on success
    }

    @Test
    void theSeedsWorkflowRunsOnTheClusterAndLocally() {
        KubernetesExecutor k8s = executor(Map.of());
        try (LocalExecutor local = new LocalExecutor(); Dispatcher dispatcher = new Dispatcher(work.resolve("dispatches"))) {
            String id = dispatcher.dispatch(SeedExample.simpleWorkflow(k8s, local), List.of("Hello", "World"));
            WorkflowResult<String> result = dispatcher.result(id, true);
            assertEquals("Hello, World!", result.valueOrThrow());
            assertEquals("k8s:" + ApiServerBed.CONTEXT, result.node("join_words").orElseThrow().executor());
            assertTrue(result.node("join_words").orElseThrow().jobName().orElseThrow().startsWith("valence-"));
            assertEquals("local", result.node("excitement").orElseThrow().executor());
        }
    }

    @Test
    void aTaskThatThrowsRethrowsItsOwnExceptionWithTheRemoteTrace() {
        KubernetesExecutor k8s = executor(Map.of());
        Task1<String, String> picky = Task.of("picky", s -> {
            throw new IllegalArgumentException("bad argument: " + s);
        }, k8s);
        TaskRun<String> run = picky.submit("x");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, run::await);
        assertEquals("bad argument: x", e.getMessage());
        assertTrue(Arrays.stream(e.getStackTrace()).anyMatch(f -> f.getClassName().startsWith(EndToEndTest.class.getName())),
                "remote frames of the task's lambda");
        assertTrue(Arrays.stream(e.getStackTrace()).anyMatch(f -> f.getClassName().equals(Launcher.class.getName())),
                "remote frames of the launcher that ran it");
        String where = e.getSuppressed()[0].getMessage();
        assertTrue(where.startsWith("task 'picky' threw in Job " + run.jobName().orElseThrow()), where);
        assertTrue(where.contains("pod "), where);
    }

    @Test
    void imagePullBackOffFailsFastWithTheReason() {
        KubernetesExecutor k8s = executor(Map.of());
        TaskRun<String> run = k8s.submit(TaskCall.builder().nodeId("pull-1").taskName("t").body(args -> "x").build());
        ValenceException e = assertThrows(ValenceException.class, run::await);
        assertEquals(ErrorKind.POD_FAILED, e.kind());
        assertTrue(e.getMessage().contains("ImagePullBackOff"), e.getMessage());
        assertTrue(e.getMessage().contains("Back-off pulling image"), e.getMessage());
    }

    @Test
    void oomKilledFailsFastWithTheReason() {
        KubernetesExecutor k8s = executor(Map.of());
        TaskRun<String> run = k8s.submit(TaskCall.builder().nodeId("oom-1").taskName("t").body(args -> "x").build());
        ValenceException e = assertThrows(ValenceException.class, run::await);
        assertEquals(ErrorKind.POD_FAILED, e.kind());
        assertTrue(e.getMessage().contains("OOMKilled"), e.getMessage());
    }

    @Test
    void cancellingTheFutureDeletesTheJob() {
        hold = new CountDownLatch(1);
        KubernetesExecutor k8s = executor(Map.of());
        TaskRun<String> run = k8s.submit(TaskCall.builder().nodeId("hold-cancel").taskName("t").body(args -> "x").build());
        waitUntil(() -> run.status() == TaskStatus.RUNNING && jobs(run.call().dispatchId()).size() == 1);
        assertTrue(run.cancel());
        waitUntil(() -> jobs(run.call().dispatchId()).isEmpty());
        assertEquals(TaskStatus.CANCELLED, run.status());
    }

    @Test
    void aRestartedExecutorReattachesWithoutASecondJob() {
        hold = new CountDownLatch(1);
        KubernetesExecutor first = executor(Map.of());
        TaskCall call = TaskCall.builder().nodeId("hold-reattach").taskName("t").body(args -> "from the one Job").build();
        TaskRun<String> firstRun = first.submit(call);
        waitUntil(() -> firstRun.status() == TaskStatus.RUNNING);
        first.close(); // the executor's process "dies"; the Job runs on

        KubernetesExecutor second = executor(Map.of());
        TaskRun<String> again = second.submit(call);
        waitUntil(() -> again.status() == TaskStatus.RUNNING);
        assertEquals(1, jobs(call.dispatchId()).size());
        hold.countDown();
        assertEquals("from the one Job", again.await());
    }

    @Test
    void aHundredTasksInParallelAllComplete() {
        KubernetesExecutor k8s = executor(Map.of());
        String dispatch = TaskCall.newDispatchId();
        List<TaskRun<Integer>> runs = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            int n = i;
            runs.add(k8s.submit(TaskCall.builder().dispatchId(dispatch).nodeId("par-" + i).taskName("square")
                    .body(args -> n * n).build()));
        }
        for (int i = 0; i < 100; i++) {
            assertEquals(i * i, runs.get(i).await());
        }
    }

    @Test
    void aLambdaCapturingSomethingNotSerializableIsRefusedAtSubmit() {
        KubernetesExecutor k8s = executor(Map.of());
        Object lock = new Object();
        ValenceException e = assertThrows(ValenceException.class,
                () -> Task.of("locked", () -> lock.hashCode(), k8s).submit());
        assertEquals(ErrorKind.PAYLOAD, e.kind());
        assertTrue(e.getMessage().startsWith("task 'locked' cannot be sent: java.lang.Object is not Serializable"),
                e.getMessage());
    }

    static List<Job> jobs(String dispatchId) {
        return api.client().batch().v1().jobs().inNamespace(ApiServerBed.NAMESPACE)
                .withLabel(ClusterGateway.DISPATCH_LABEL, dispatchId).list().getItems();
    }

    static void waitUntil(BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within 60 s");
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
