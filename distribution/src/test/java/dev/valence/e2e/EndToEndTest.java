package dev.valence.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.valence.api.ErrorKind;
import dev.valence.api.Node;
import dev.valence.api.NodeResult;
import dev.valence.api.Task;
import dev.valence.api.Task1;
import dev.valence.api.TaskCall;
import dev.valence.api.TaskRun;
import dev.valence.api.TaskStatus;
import dev.valence.api.ValenceException;
import dev.valence.api.Workflow;
import dev.valence.api.Workflow1;
import dev.valence.api.WorkflowResult;
import dev.valence.core.Dispatcher;
import dev.valence.core.KubernetesExecutor;
import dev.valence.core.Launcher;
import dev.valence.spi.ClusterGateway;
import dev.valence.tck.cluster.ApiServerBed;
import dev.valence.tck.cluster.JobControllerStandIn;
import dev.valence.tck.image.RegistryBed;
import dev.valence.tck.pods.HostDirs;
import dev.valence.tck.pods.RuncPodRunner;
import dev.valence.tck.pods.SharedBeds;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
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
 * CNCF registry receiving the Jib-built image on the tck's jlink JRE base image, store-local, and
 * the Job-controller stand-in running each Job's pod as a real container ({@link RuncPodRunner}:
 * the image pulled by digest, the pod spec's user, env, limits and hostPath mount, the node's
 * {@code /data} being the store directory, as {@code minikube mount <data_store>:/data} makes it).
 * Subclasses pick the cluster client.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
abstract class EndToEndTest {
    static ApiServerBed api;
    static RegistryBed registry;
    static String jre;
    static Path work;
    static Path storeDir;

    static volatile String lastImage;

    JobControllerStandIn standIn;
    /** A test's look at each pod before it runs; a result given here stands in for running it. */
    volatile java.util.function.Function<JobControllerStandIn.PodRun, java.util.Optional<JobControllerStandIn.Result>> podHook;
    RuncPodRunner runner;
    final List<AutoCloseable> closeables = new ArrayList<>();

    abstract String clusterClient();

    @BeforeAll
    static void beds() throws IOException {
        api = ApiServerBed.start();
        registry = SharedBeds.registry();
        jre = SharedBeds.jreImage();
        work = Files.createTempDirectory("valence-e2e");
        // a folder every pod uid may write (the identity cases use one the client made itself)
        storeDir = HostDirs.writableByAnyUid(work.resolve("store"));
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
        if (api != null) {
            api.close();
        }
    }

    @BeforeEach
    void controller() {
        controller(JobControllerStandIn.Options.defaults());
    }

    /** Replaces the stand-in (and its runner) by one that plays the control plane as {@code options} say. */
    void controller(JobControllerStandIn.Options options) {
        if (standIn != null) {
            standIn.close();
            runner.close();
        }
        runner = RuncPodRunner.builder().client(api.client()).hostPath("/data", storeDir).build();
        standIn = new JobControllerStandIn(api, options);
        standIn.runJobsWith(new JobControllerStandIn.PodRunner() {
            @Override
            public JobControllerStandIn.Result run(JobControllerStandIn.PodRun pod) throws Exception {
                lastImage = pod.image();
                java.util.function.Function<JobControllerStandIn.PodRun, java.util.Optional<JobControllerStandIn.Result>> hook
                        = podHook;
                if (hook != null) {
                    java.util.Optional<JobControllerStandIn.Result> instead = hook.apply(pod);
                    if (instead.isPresent()) {
                        return instead.get();
                    }
                }
                return runner.run(pod);
            }

            @Override
            public boolean reportsStart() {
                return true;
            }

            @Override
            public void kill(String namespace, String podName) {
                runner.kill(namespace, podName);
            }
        });
    }

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : closeables) {
            c.close();
        }
        standIn.close();
        runner.close();
    }

    KubernetesExecutor executor(Map<String, Object> extra) {
        KubernetesExecutor.Builder b = SeedDemoClient.onBed(work,
                // client-java watches over chunked HTTP: the official client goes through the bed's front door
                clusterClient().equals("official") ? api.chunkedWatches().kubeconfig() : api.kubeconfig(),
                ApiServerBed.CONTEXT, registry.host(), jre, storeDir.toString()).clusterClient(clusterClient());
        extra.forEach(b::set);
        KubernetesExecutor k8s = b.build();
        closeables.add(k8s);
        return k8s;
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
    void aWorkflowOfSubWorkflowGatherAfterOverridesAndAnEvictionRunsOnPodsAndARedispatchReusesIt() {
        KubernetesExecutor k8s = executor(Map.of());
        Map<String, io.fabric8.kubernetes.api.model.Pod> pods = new java.util.concurrent.ConcurrentHashMap<>();
        java.util.concurrent.atomic.AtomicBoolean evicted = new java.util.concurrent.atomic.AtomicBoolean();
        podHook = pod -> {
            pods.put(pod.jobName() + "#" + pods.size(), pod.pod());
            if (pod.jobName().contains("fragile") && evicted.compareAndSet(false, true)) {
                standIn.evict(pod.namespace(), pod.jobName()); // the first pod of 'fragile' is evicted
                return java.util.Optional.of(new JobControllerStandIn.Result(137, ""));
            }
            return java.util.Optional.empty();
        };
        Task1<Integer, Integer> square = Task.of("square", (Integer x) -> x * x, k8s);
        Task1<List<Integer>, Integer> sum = Task.of("sum", (List<Integer> xs) -> xs.stream().mapToInt(Integer::intValue)
                .sum(), k8s).with(o -> o.memory("384Mi").labels(Map.of("size", "small")));
        Task1<Integer, String> fragile = Task.of("fragile", (Integer x) -> "total " + x, k8s)
                .with(o -> o.backoff(Duration.ZERO));
        Workflow1<Integer, Integer> squares = Workflow.of("squares",
                (Node<Integer> n) -> sum.call(Node.gather(List.of(square.call(n), Node.of(9)))));
        Workflow1<Integer, String> wf = Workflow.of("nested", (Node<Integer> n) -> {
            Node<Integer> total = squares.call(n);
            Node<Integer> side = square.call(Node.of(5));
            return fragile.after(side).call(total);
        });
        try (Dispatcher dispatcher = new Dispatcher(work.resolve("dispatches-" + clusterClient()))) {
            String id = dispatcher.dispatch(wf, List.of(4));
            WorkflowResult<String> r = dispatcher.result(id, true);
            assertEquals("total 25", r.valueOrThrow());
            assertEquals(List.of("squares/square", "squares/sum", "squares", "square", "fragile"),
                    r.nodes().stream().map(NodeResult::nodeId).toList());
            assertTrue(r.node("squares").orElseThrow().workflow());
            assertEquals(java.util.Optional.of(25), r.node("squares").orElseThrow().value());
            assertEquals(List.of("squares", "square"), r.node("fragile").orElseThrow().dependsOn());
            NodeResult f = r.node("fragile").orElseThrow();
            assertEquals(2, f.attempts().size(), f.attempts().toString());
            assertTrue(f.attempts().get(0).error().orElseThrow().contains("Evicted"), f.attempts().toString());
            io.fabric8.kubernetes.api.model.Pod sumPod = pods.entrySet().stream()
                    .filter(e -> e.getKey().contains("-sum-")).findFirst().orElseThrow().getValue();
            var sumResources = sumPod.getSpec().getContainers().get(0).getResources();
            assertEquals("384Mi", sumResources.getRequests().get("memory").toString());
            assertEquals("small", sumPod.getMetadata().getLabels().get("size"));
            io.fabric8.kubernetes.api.model.Pod squarePod = pods.entrySet().stream()
                    .filter(e -> e.getKey().contains("-square-")).findFirst()
                    .orElseThrow(() -> new AssertionError("no square pod in " + pods.keySet())).getValue();
            assertTrue(!"384Mi".equals(squarePod.getSpec().getContainers().get(0).getResources().getRequests()
                    .get("memory").toString()), "the override is the task's alone");
            int podsSoFar = pods.size();
            assertEquals(5, podsSoFar, pods.keySet().toString());

            WorkflowResult<String> again = dispatcher.result(dispatcher.redispatch(id, wf, java.util.Optional.empty()), true);
            assertEquals("total 25", again.valueOrThrow());
            assertEquals(podsSoFar, pods.size(), "a redispatch with nothing changed runs no pod");
            assertTrue(again.nodes().stream().allMatch(n -> n.reusedFrom().equals(java.util.Optional.of(id))));
        }
    }

    /** Element 3 of the map test throws; the others give their square. */
    static Integer squareButNotThree(Integer x) {
        if (x == 3) {
            throw new IllegalStateException("three is not welcome");
        }
        return x * x;
    }

    @Test
    void aMapInAWorkflowRunsAsOneIndexedJobOfRealPodsWithResultsInOrderAndItsFailedElement() {
        KubernetesExecutor k8s = executor(Map.of());
        dev.valence.core.LocalExecutor local = new dev.valence.core.LocalExecutor();
        Map<String, JobControllerStandIn.PodRun> pods = new java.util.concurrent.ConcurrentHashMap<>();
        podHook = pod -> {
            pods.put(pod.podName(), pod);
            return java.util.Optional.empty();
        };
        Task1<Integer, List<Integer>> upTo = Task.of("up_to", (Integer n) -> new ArrayList<>(
                java.util.stream.IntStream.range(0, n).boxed().toList()), local);
        Task1<Integer, Integer> square = Task.of("square", EndToEndTest::squareButNotThree, k8s)
                .with(o -> o.parallelism(3).minSuccessRatio(0.8));
        Workflow1<Integer, List<Integer>> wf = Workflow.of("squares_map", (Node<Integer> n) -> square.map(upTo.call(n)));
        try (dev.valence.core.LocalExecutor local2 = local;
             Dispatcher dispatcher = new Dispatcher(work.resolve("dispatches-map-" + clusterClient()))) {
            WorkflowResult<List<Integer>> r = dispatcher.result(dispatcher.dispatch(wf, List.of(5)), true);
            dev.valence.api.MapResult<Integer> mapped = dev.valence.api.MapResult.from(r.valueOrThrow());
            assertEquals(Arrays.asList(0, 1, 4, null, 16), mapped);
            assertEquals(List.of(3), mapped.failures().stream().map(dev.valence.api.ElementResult::index).toList());
            Throwable three = mapped.elements().get(3).error().orElseThrow();
            assertInstanceOf(IllegalStateException.class, three);
            assertEquals("three is not welcome", three.getMessage());

            String job = r.node("square").orElseThrow().jobName().orElseThrow();
            assertEquals(5, pods.size(), "one pod per element: " + pods.keySet());
            for (JobControllerStandIn.PodRun pod : pods.values()) {
                assertEquals(job, pod.jobName(), "every pod is of the one Indexed Job");
                String index = pod.env().get("JOB_COMPLETION_INDEX");
                assertTrue(pod.podName().startsWith(job + "-" + index + "-"), pod.podName());
                assertEquals(index, pod.pod().getMetadata().getAnnotations().get(JobControllerStandIn.COMPLETION_INDEX));
            }
            assertEquals(java.util.Set.of("0", "1", "2", "3", "4"),
                    pods.values().stream().map(p -> p.env().get("JOB_COMPLETION_INDEX")).collect(java.util.stream.Collectors.toSet()));
        }
    }

    /** Elements 1 and 2 print a line and end their pod's JVM with exit code 3; element 3 throws; the others square. */
    static Integer squareOrDie(Integer x) {
        if (x == 1 || x == 2) {
            System.out.println("element " + x + " says goodbye");
            System.out.flush();
            Runtime.getRuntime().halt(3);
        }
        if (x == 3) {
            throw new IllegalStateException("three is not welcome");
        }
        return x * x;
    }

    @Test
    void eachMapElementWhosePodDiedFailsWithItsOwnPodsReasonAndLogTail() {
        api.serverMinorVersion(33); // backoffLimitPerIndex: the Job goes on past a failed index
        try {
            KubernetesExecutor k8s = executor(Map.of());
            Task1<Integer, Integer> square = Task.of("square_or_die", EndToEndTest::squareOrDie, k8s)
                    .with(o -> o.parallelism(2).minSuccessRatio(0.4));
            dev.valence.api.MapResult<Integer> mapped = square.map(List.of(0, 1, 2, 3, 4)).await();
            assertEquals(Arrays.asList(0, null, null, null, 16), mapped);
            assertEquals("three is not welcome", mapped.elements().get(3).error().orElseThrow().getMessage());
            for (int dead : List.of(1, 2)) {
                int other = 3 - dead;
                String error = mapped.elements().get(dead).error().orElseThrow().getMessage();
                assertTrue(error.contains("element " + dead + " says goodbye"), "its own pod's log: " + error);
                assertTrue(!error.contains("element " + other + " says goodbye"), "not the other pod's log: " + error);
                assertTrue(error.contains("exit code 3"), "its pod's exit code: " + error);
                assertTrue(error.contains("-" + dead + "-"), "names its pod: " + error);
            }
            assertTrue(!mapped.elements().get(3).error().orElseThrow().getMessage().contains("says goodbye"));
        } finally {
            api.serverMinorVersion(31);
        }
    }

    @Test
    void theSeedsWorkflowRunsOnTheClusterAndLocally() {
        KubernetesExecutor k8s = executor(Map.of());
        WorkflowResult<String> result = SeedDemoClient.runDemo(k8s, work);
        assertEquals("Hello, World!", result.valueOrThrow());
        assertEquals("k8s:" + ApiServerBed.CONTEXT, result.node("join_words").orElseThrow().executor());
        assertTrue(result.node("join_words").orElseThrow().jobName().orElseThrow().startsWith("valence-"));
        assertEquals("local", result.node("excitement").orElseThrow().executor());
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
    void anImageTheNodeCannotPullFailsFastWithTheKubeletsReason() throws IOException {
        // the client pushes with credentials; the pod has no pull secret, so the node is refused
        try (RegistryBed guarded = RegistryBed.builder().htpasswd("pusher", "push-only").start()) {
            Path creds = Files.writeString(work.resolve("push-creds.toml"), "username = \"pusher\"\npassword = \"push-only\"\n");
            KubernetesExecutor k8s = executor(Map.of("registry", guarded.host(), "registry_credentials_file", creds.toString()));
            TaskRun<String> run = k8s.submit(TaskCall.builder().nodeId("pull-1").taskName("t").body(args -> "x").build());
            ValenceException e = assertThrows(ValenceException.class, run::await);
            assertEquals(ErrorKind.POD_FAILED, e.kind());
            assertTrue(e.getMessage().contains("ErrImagePull") || e.getMessage().contains("ImagePullBackOff"), e.getMessage());
            assertTrue(e.getMessage().contains("pull access denied") || e.getMessage().contains("Back-off pulling image \""
                    + guarded.host()), e.getMessage());
        }
    }

    @Test
    void aBaseImageWithoutJavaFailsFastWithCreateContainerError() {
        KubernetesExecutor k8s = executor(Map.of("base_image", "scratch")); // the entrypoint's java is not in the image
        TaskRun<String> run = k8s.submit(TaskCall.builder().nodeId("nojava").taskName("t").body(args -> "x").build());
        ValenceException e = assertThrows(ValenceException.class, run::await);
        assertEquals(ErrorKind.POD_FAILED, e.kind());
        assertTrue(e.getMessage().contains("CreateContainerError"), e.getMessage());
        assertTrue(e.getMessage().contains("exec: \"java\": executable file not found in $PATH"), e.getMessage());
    }

    @Test
    void aTaskOverItsMemoryIsOomKilledWithTheReasonAndTheLogTail() {
        KubernetesExecutor k8s = executor(Map.of("memory", "256Mi"));
        dev.valence.api.Task0<Long> greedy = Task.of("greedy", () -> {
            // native memory: the heap would throw OutOfMemoryError long before the cgroup limit
            java.lang.reflect.Field f = Class.forName("sun.misc.Unsafe").getDeclaredField("theUnsafe");
            f.setAccessible(true);
            sun.misc.Unsafe unsafe = (sun.misc.Unsafe) f.get(null);
            long total = 0;
            for (int i = 0; ; i++) {
                long block = unsafe.allocateMemory(1 << 20);
                for (long page = 0; page < 1 << 20; page += 4096) {
                    unsafe.putByte(block + page, (byte) 1);
                }
                total += 1 << 20;
                if (i % 32 == 0) {
                    System.out.println("allocated " + (total >> 20) + " MB");
                }
            }
        }, k8s);
        ValenceException e = assertThrows(ValenceException.class, () -> greedy.submit().await());
        assertEquals(ErrorKind.POD_FAILED, e.kind());
        assertTrue(e.getMessage().contains("OOMKilled"), e.getMessage());
        assertTrue(e.getMessage().contains("allocated 1 MB"), "the log's tail is in the error: " + e.getMessage());
    }

    @Test
    void cancellingTheFutureDeletesTheJobAndKillsItsContainer() {
        KubernetesExecutor k8s = executor(Map.of());
        TaskRun<String> run = k8s.submit(TaskCall.builder().nodeId("hold-cancel").taskName("t")
                .body(args -> waitForRelease()).build());
        waitUntil(() -> run.status() == TaskStatus.RUNNING && jobs(run.call().dispatchId()).size() == 1);
        String job = run.jobName().orElseThrow();
        waitUntil(() -> containers().contains(job));
        assertTrue(run.cancel());
        waitUntil(() -> jobs(run.call().dispatchId()).isEmpty());
        assertEquals(TaskStatus.CANCELLED, run.status());
        waitUntil(() -> !containers().contains(job));
    }

    @Test
    void aRestartedExecutorReattachesWithoutASecondJob() throws IOException {
        KubernetesExecutor first = executor(Map.of());
        TaskCall call = TaskCall.builder().nodeId("hold-reattach").taskName("t")
                .body(args -> waitForRelease() + "from the one Job").build();
        TaskRun<String> firstRun = first.submit(call);
        waitUntil(() -> firstRun.status() == TaskStatus.RUNNING);
        first.close(); // the executor's process "dies"; the Job runs on

        KubernetesExecutor second = executor(Map.of());
        TaskRun<String> again = second.submit(call);
        waitUntil(() -> again.status() == TaskStatus.RUNNING);
        assertEquals(1, jobs(call.dispatchId()).size());
        release(call);
        assertEquals("released: from the one Job", again.await());
    }

    @Test
    void theTaskRunsInARealContainerAsThePodsUserWithItsMemory() {
        KubernetesExecutor small = executor(Map.of("memory", "256Mi", "run_as_user", "4321", "run_as_group", "4322"));
        KubernetesExecutor large = executor(Map.of("memory", "1Gi"));
        dev.valence.api.Task0<String> probe = Task.of("probe", EndToEndTest::probe, small);
        String inSmall = probe.submit().await();
        assertTrue(inSmall.contains("Uid:\t4321\t") && inSmall.contains("Gid:\t4322\t"),
                "the task runs as run_as_user:run_as_group (the pod's securityContext over the image's user "
                        + imageConfig().get("User") + "): " + inSmall);
        assertTrue(inSmall.contains("write /: Read-only file system") || inSmall.contains("write /: Permission denied")
                || inSmall.contains("write /: /probe"), "the task cannot write the root: " + inSmall);
        long maxSmall = Long.parseLong(inSmall.replaceAll("(?s).*maxMemory=(\\d+).*", "$1"));
        String inLarge = Task.of("probe", EndToEndTest::probe, large).submit().await();
        long maxLarge = Long.parseLong(inLarge.replaceAll("(?s).*maxMemory=(\\d+).*", "$1"));
        assertTrue(maxSmall < 256L << 20, "the heap fits the pod's memory: " + maxSmall);
        assertTrue(maxLarge > 3 * maxSmall / 2, "the heap follows the pod's memory: " + maxSmall + " then " + maxLarge);
    }

    @Test
    void aPodRefusedByPodSecurityFailsFastWithTheEventsMessageAndTheFixAndLeavesNoJob() {
        // a namespace of its own: its label would refuse the other tests' pods
        String ns = "valence-baseline-" + clusterClient();
        if (api.client().namespaces().withName(ns).get() == null) {
            api.client().namespaces().resource(new io.fabric8.kubernetes.api.model.NamespaceBuilder().withNewMetadata()
                    .withName(ns).addToLabels("pod-security.kubernetes.io/enforce", "baseline").endMetadata().build())
                    .create();
        }
        KubernetesExecutor k8s = executor(Map.of("namespace", ns, "unschedulable_grace", "10m"));
        TaskRun<String> run = k8s.submit(TaskCall.builder().nodeId("refused").taskName("t").body(args -> "x").build());
        ValenceException e = assertThrows(ValenceException.class, run::await);
        assertEquals(ErrorKind.POD_FAILED, e.kind());
        String job = run.jobName().orElseThrow();
        assertTrue(e.getMessage().contains(": FailedCreate: Error creating: pods \"" + job + "-"), e.getMessage());
        assertTrue(e.getMessage().contains("is forbidden: violates PodSecurity \"baseline:latest\": hostPath volumes (volume \""),
                "the event's message: " + e.getMessage());
        assertTrue(e.getMessage().contains("; namespace " + ns + " enforces a Pod Security level that forbids the hostPath "
                + "volume of a local data_store: use an s3:// or azblob:// data_store there"), "the fix: " + e.getMessage());
        waitUntil(() -> api.client().batch().v1().jobs().inNamespace(ns)
                .withLabel(ClusterGateway.DISPATCH_LABEL, run.call().dispatchId()).list().getItems().isEmpty());
        assertEquals(List.of(), api.client().pods().inNamespace(ns).list().getItems(), "no pod was ever made");
    }

    @Test
    void aRequestLargerThanTheNodeFailsAtOnceWithTheReason() {
        int cpus = Runtime.getRuntime().availableProcessors();
        KubernetesExecutor k8s = executor(Map.of("vcpu", String.valueOf(cpus * 16), "unschedulable_grace", "10m"));
        TaskCall call = TaskCall.builder().nodeId("too-big").taskName("t").body(args -> "x").build();
        ValenceException e = assertThrows(ValenceException.class, () -> k8s.submit(call).await());
        assertEquals(ErrorKind.CONFIG, e.kind());
        assertTrue(e.getMessage().contains("no node can hold Job ") && e.getMessage().contains("it requests cpu " + cpus * 16)
                && e.getMessage().contains("(" + JobControllerStandIn.NODE + ": cpu " + cpus + ","), e.getMessage());
        assertEquals(List.of(), jobs(call.dispatchId()), "no Job made");
    }

    @Test
    void aTimeoutTheControlPlaneEnforcesLateIsReportedByTheClientsBackstop() {
        controller(JobControllerStandIn.Options.builder().deadlineLateness(Duration.ofMinutes(2)).build());
        KubernetesExecutor k8s = executor(Map.of("timeout", "2s"));
        TaskRun<String> run = k8s.submit(TaskCall.builder().nodeId("hold-timeout").taskName("slow")
                .body(args -> waitForRelease()).build());
        ValenceException e = assertThrows(ValenceException.class, run::await);
        assertEquals(ErrorKind.TIMEOUT, e.kind());
        assertTrue(e.getMessage().startsWith("task 'slow' ran longer than its timeout of 2.0 s: Job " + run.jobName().orElseThrow()),
                e.getMessage());
        assertTrue(e.getMessage().contains("the control plane did not enforce activeDeadlineSeconds in time"), e.getMessage());
        assertEquals(TaskStatus.FAILED, run.status());
        String job = run.jobName().orElseThrow();
        waitUntil(() -> jobs(run.call().dispatchId()).isEmpty());
        waitUntil(() -> !containers().contains(job));
    }

    @Test
    void twentyTasksInParallelAllComplete() {
        KubernetesExecutor k8s = executor(Map.of());
        String dispatch = TaskCall.newDispatchId();
        List<TaskRun<Integer>> runs = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            int n = i;
            runs.add(k8s.submit(TaskCall.builder().dispatchId(dispatch).nodeId("par-" + i).taskName("square")
                    .body(args -> n * n).build()));
        }
        for (int i = 0; i < 20; i++) {
            assertEquals(i * i, runs.get(i).await());
        }
    }

    /** What the task sees of itself: /proc/self/status, a write to /, its heap. Runs in the pod. */
    static String probe() throws IOException {
        StringBuilder out = new StringBuilder(Files.readString(Path.of("/proc/self/status")));
        try {
            Files.writeString(Path.of("/probe"), "x");
            out.append("write /: ok\n");
        } catch (IOException e) {
            out.append("write /: ").append(e.getMessage().contains("Read-only") ? "Read-only file system"
                    : e.getMessage()).append('\n');
        }
        return out.append("maxMemory=").append(Runtime.getRuntime().maxMemory()).append('\n').toString();
    }

    /** In the pod: waits until the test writes {@code release} in the node's store folder. */
    static String waitForRelease() throws InterruptedException {
        Path release = Path.of(System.getenv("VALENCE_K8S_DATA_STORE"), System.getenv(Launcher.DISPATCH_ENV),
                System.getenv(Launcher.NODE_ENV), "release");
        for (int i = 0; i < 1200 && !Files.exists(release); i++) {
            Thread.sleep(50);
        }
        return "released: ";
    }

    static void release(TaskCall call) throws IOException {
        Files.writeString(storeDir.resolve(call.dispatchId()).resolve(call.nodeId()).resolve("release"), "go");
    }

    /** The ids of the containers runc runs now. */
    static String containers() {
        try {
            Process p = new ProcessBuilder("runc", "list", "-q").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor();
            return out;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> imageConfig() {
        var manifest = registry.manifest("valence-task", lastImage.substring(lastImage.indexOf('@') + 1)).orElseThrow();
        return (Map<String, Object>) registry.config("valence-task", manifest).get("config");
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
