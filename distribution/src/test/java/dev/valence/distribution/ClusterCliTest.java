package dev.valence.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.valence.api.TaskStatus;
import dev.valence.api.WorkflowResult;
import dev.valence.core.DispatchSource;
import dev.valence.core.Dispatcher;
import dev.valence.core.KubernetesExecutor;
import dev.valence.core.Launcher;
import dev.valence.core.LocalExecutor;
import dev.valence.tck.cluster.ApiServerBed;
import dev.valence.tck.cluster.JobControllerStandIn;
import dev.valence.tck.image.RegistryBed;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CLI against a cluster (the tck's mock API server, a real registry, a local store; the Job
 * controller stand-in runs each pod's launcher in this JVM, or plays a pod that fails): a task that
 * throws in its pod shows its remote trace in {@code run}, the record and {@code dispatches show};
 * {@code dispatches resume} re-attaches to the running Job of a dispatch whose process died; and
 * {@code doctor}'s probe pod passes, fails when the pod cannot write the store, and times out —
 * leaving no Job and no store folder behind.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class ClusterCliTest {
    private static final Pattern DISPATCH = Pattern.compile("dispatch ([0-9a-f]{12}) \\(");

    static ApiServerBed api;
    static RegistryBed registry;
    static JobControllerStandIn controller;
    /** What the stand-in's pods do; each test sets its own, {@link #launch} by default. */
    static volatile JobControllerStandIn.PodRunner pods = ClusterCliTest::launch;

    @TempDir
    static Path work;
    static Path store;
    static Path home;

    CliFixture cli;

    @BeforeAll
    static void beds() throws IOException {
        api = ApiServerBed.start();
        registry = RegistryBed.start();
        controller = new JobControllerStandIn(api);
        store = Files.createDirectories(work.resolve("store"));
        home = Files.createDirectories(work.resolve("home"));
        controller.runJobsWith(pod -> pods.run(pod));
    }

    @AfterAll
    static void close() {
        controller.close();
        registry.close();
        api.close();
    }

    @BeforeEach
    void setUp() {
        pods = ClusterCliTest::launch;
        DemoWorkflows.TwoSteps.reset();
        cli = new CliFixture(home);
        cli.env.put("KUBECONFIG", api.kubeconfig().toString());
        cli.write(".config/valence/valence.toml", """
                [executors.k8s]
                registry = "%s"
                base_image = "scratch"
                data_store = "%s"
                data_store_mount = "/data"
                poll_freq = 1
                """.formatted(registry.host(), store));
    }

    @AfterEach
    void release() {
        DemoWorkflows.TwoSteps.reset();
    }

    /** The pod's command as the real launcher runs it, the pod's mount mapped to the store directory. */
    static JobControllerStandIn.Result launch(JobControllerStandIn.PodRun pod) {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        int code = Launcher.run(pod.envWithMountsAt(store), ClusterCliTest.class.getClassLoader(),
                new PrintStream(log, true, StandardCharsets.UTF_8));
        return new JobControllerStandIn.Result(code, log.toString(StandardCharsets.UTF_8));
    }

    @Test
    void aTaskThatThrowsInItsPodShowsItsRemoteTraceInRunTheRecordAndShow() throws IOException {
        CliFixture.Result run = cli.run("run", "--executor", "kubernetes", DemoWorkflows.Deep.class.getName(), "cake");
        assertEquals(1, run.code(), run.toString());
        List<String> lines = run.err().lines().toList();
        int at = lines.indexOf("  boom threw:");
        assertTrue(at >= 0, run.err());
        assertEquals("    java.lang.IllegalStateException: no cake today", lines.get(at + 1));
        assertTrue(lines.get(at + 2).startsWith("    \tat " + DemoWorkflows.Deep.class.getName() + ".descend("), run.err());
        assertTrue(lines.contains("    Caused by: java.lang.ArithmeticException: / by zero"), run.err());

        String id = id(run);
        String record = Files.readString(home.resolve(".cache/valence/dispatches").resolve(id).resolve("record.properties"));
        assertTrue(record.contains("node.boom.exception.0.type=java.lang.IllegalStateException"), record);
        assertTrue(record.contains("node.boom.exception.1.type=java.lang.ArithmeticException"), record);

        // the frames are the pod's: below the task, the launcher that ran it there
        CliFixture.Result show = cli.run("dispatches", "show", id);
        assertTrue(show.out().contains("node boom threw:\n  java.lang.IllegalStateException: no cake today\n"), show.out());
        assertTrue(show.out().lines().anyMatch(l -> l.startsWith("  \tat dev.valence.core.Launcher.run(")), show.out());
        assertTrue(show.out().lines().noneMatch(l -> l.contains("dev.valence.core.LocalExecutor")), show.out());
    }

    @Test
    void resumeFromTheCliReattachesToTheRunningJobOfADispatchWhoseProcessDied() throws Exception {
        DemoWorkflows.TwoSteps.hold = new CountDownLatch(1);
        Path cache = home.resolve(".cache/valence");
        String id;
        KubernetesExecutor first = KubernetesExecutor.builder().environment(Map.of()).userHome(home)
                .k8sConfigFile(api.kubeconfig()).registry(registry.host()).baseImage("scratch")
                .dataStore(store.toString()).set("data_store_mount", "/data").pollFreq(Duration.ofSeconds(1))
                .cacheDir(cache).build();
        try (LocalExecutor local = new LocalExecutor()) {
            Dispatcher one = new Dispatcher(cache);
            id = one.dispatch(DemoWorkflows.TwoSteps.workflow(first, local), List.of("x"), new DispatchSource(
                    Optional.of(DemoWorkflows.TwoSteps.class.getName()), List.of("x"), RunCommand.KUBERNETES));
            waitUntil("second runs in its pod", () -> one.result(id).node("second").orElseThrow().status()
                    == TaskStatus.RUNNING && DemoWorkflows.TwoSteps.runs("second") == 1);
            one.close(); // its record stays as a crash leaves it
            first.close();
        }
        // the process "died": its record still says RUNNING and names a pid that is gone
        Path file = cache.resolve("dispatches").resolve(id).resolve("record.properties");
        Files.writeString(file, Files.readString(file).replaceAll("(?m)^pid=.*$", "pid=4194305")
                .replaceAll("(?m)^closed_early=.*$", "closed_early=false"));
        assertTrue(cli.run("dispatches", id).out().contains("RUNNING (orphaned)"));

        CliFixture.Running resume = cli.start("dispatches", "resume", id);
        String me = "pid=" + ProcessHandle.current().pid();
        waitUntil("the resumed dispatch follows its running node", () -> {
            try {
                String text = Files.readString(file);
                return text.contains(me) && text.contains("node.second.status=RUNNING");
            } catch (IOException e) {
                return false;
            }
        });
        DemoWorkflows.TwoSteps.hold.countDown();
        CliFixture.Result r = resume.result().get(120, TimeUnit.SECONDS);
        assertEquals(0, r.code(), r.toString());
        assertEquals("x12\n", r.out());
        assertTrue(r.err().startsWith("executor: kubernetes, "), r.err());
        assertTrue(r.err().contains("resuming dispatch " + id + ": workflow two_steps ("
                + DemoWorkflows.TwoSteps.class.getName() + ") with [x]; 1 of 2 nodes already completed"), r.err());
        assertEquals(1, DemoWorkflows.TwoSteps.runs("first"), "a completed node is not run again");
        assertEquals(1, DemoWorkflows.TwoSteps.runs("second"), "the running node was re-attached, not run again");
        try (Dispatcher check = new Dispatcher(cache)) {
            WorkflowResult<Object> done = check.result(id);
            assertEquals(TaskStatus.COMPLETED, done.status());
        }
    }

    @Test
    void doctorsProbePodPassesAndLeavesNothingBehind() {
        try (AccessReviewStandIn authorizer = new AccessReviewStandIn(api.url())) {
            front(authorizer);
            CliFixture.Result r = cli.run("doctor");
            assertEquals(0, r.code(), r.toString());
            String line = check(r, DoctorCommand.PROBE);
            assertTrue(line.matches("PASS  probe pod             a Job pulled " + Pattern.quote(registry.host())
                    + "/valence-task@sha256:[0-9a-f]{64}; its pod \\(uid \\d+, gid \\d+\\) read its input and wrote its "
                    + "output at " + Pattern.quote(store.toString()) + "/doctor-[0-9a-f]{8}/probe/; Job and artifacts "
                    + "deleted"), r.out());
            assertNothingLeft();

            CliFixture.Result skipped = cli.run("doctor", "--no-probe");
            assertEquals("SKIP  probe pod             --no-probe was given", check(skipped, DoctorCommand.PROBE));
        }
    }

    @Test
    void doctorFailsWhenThePodCannotWriteTheStoreAndNamesTheIdentitySettings() {
        pods = pod -> {
            if (!pod.env().getOrDefault(Launcher.DISPATCH_ENV, "").startsWith(DoctorCommand.PROBE_DISPATCH_PREFIX)) {
                return launch(pod);
            }
            // what the launcher prints when the pod's user may read the store but not write it
            String node = "/data/" + pod.env().get(Launcher.DISPATCH_ENV) + "/probe/";
            return new JobControllerStandIn.Result(2, "[valence] running task 'valence-doctor-probe'\n[valence] writing "
                    + node + "output failed: java.nio.file.AccessDeniedException: " + node + "output.part\n");
        };
        try (AccessReviewStandIn authorizer = new AccessReviewStandIn(api.url())) {
            front(authorizer);
            CliFixture.Result r = cli.run("doctor");
            assertEquals(1, r.code(), r.toString());
            assertTrue(check(r, "store writable").startsWith("PASS"), r.out());
            String line = check(r, DoctorCommand.PROBE);
            assertTrue(line.startsWith("FAIL  probe pod             the pod cannot read or write the store " + store
                    + " (Job valence-doctor-"), r.out());
            assertTrue(line.matches(".*: \\[valence\\] writing /data/doctor-[0-9a-f]{8}/probe/output failed: "
                    + "java.nio.file.AccessDeniedException: /data/doctor-[0-9a-f]{8}/probe/output.part"), line);
            String fix = fix(r, DoctorCommand.PROBE);
            assertTrue(fix.startsWith("fix: the pod runs as the uid and gid of its security context"), fix);
            assertTrue(fix.contains("set run_as_user, run_as_group and fs_group"), fix);
            assertNothingLeft();
        }
    }

    @Test
    void aProbePodThatDoesNotFinishInTimeFailsAndIsDeleted() throws Exception {
        CountDownLatch never = new CountDownLatch(1);
        try (AccessReviewStandIn authorizer = new AccessReviewStandIn(api.url())) {
            front(authorizer);
            assertEquals(0, cli.run("doctor").code(), "a first probe builds and pushes the image");
            pods = pod -> {
                never.await(60, TimeUnit.SECONDS);
                return new JobControllerStandIn.Result(1, "too late\n");
            };
            CliFixture.Result r = cli.run("doctor", "--timeout", "4");
            assertEquals(1, r.code(), r.toString());
            String line = check(r, DoctorCommand.PROBE);
            assertTrue(line.startsWith("FAIL  probe pod             no result from the probe pod within 4 s (Job "
                    + "valence-doctor-"), r.out());
            assertTrue(fix(r, DoctorCommand.PROBE).startsWith("fix: a first pull of the base image can take minutes: "
                    + "run 'valence doctor --timeout 600'"), r.out());
            assertNothingLeft();
        } finally {
            never.countDown();
        }
    }

    /**
     * Points the CLI at the authorizer stand-in (the mock server cannot decide access reviews) with the
     * official client, which follows Jobs by listing: the stand-in passes plain requests, not watches.
     */
    private void front(AccessReviewStandIn authorizer) {
        cli.env.put("KUBECONFIG", cli.kubeconfig("kube/front", authorizer.url(), "front", ApiServerBed.NAMESPACE)
                .toString());
        cli.env.put("VALENCE_K8S_CLUSTER_CLIENT", "official");
    }

    /** No probe Job in the namespace, and no doctor folder in the store. */
    private static void assertNothingLeft() {
        waitUntil("the probe's Jobs are deleted", () -> api.client().batch().v1().jobs().inNamespace(ApiServerBed.NAMESPACE)
                .list().getItems().stream().noneMatch(j -> j.getMetadata().getName().startsWith("valence-doctor-")));
        try (Stream<Path> entries = Files.list(store)) {
            List<String> left = entries.map(p -> p.getFileName().toString())
                    .filter(n -> n.startsWith("doctor-") || n.startsWith("valence-doctor")).toList();
            assertEquals(List.of(), left, "nothing of doctor's is left in the store");
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static String check(CliFixture.Result r, String name) {
        return r.out().lines().filter(l -> l.matches("(PASS|FAIL|SKIP)  " + name + " .*")).findFirst().orElse("");
    }

    private static String fix(CliFixture.Result r, String name) {
        List<String> lines = r.out().lines().toList();
        for (int i = 0; i < lines.size() - 1; i++) {
            if (lines.get(i).matches("(PASS|FAIL|SKIP)  " + name + " .*")) {
                return lines.get(i + 1).trim();
            }
        }
        return "";
    }

    private static String id(CliFixture.Result r) {
        Matcher m = DISPATCH.matcher(r.err());
        assertTrue(m.find(), r.toString());
        return m.group(1);
    }

    private static void waitUntil(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting until " + what);
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
