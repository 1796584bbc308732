package dev.valence.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.valence.tck.cluster.ApiServerBed;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code valence run} and {@code valence dispatches}: the demo, workflow classes, fallbacks, failures. */
class RunCommandTest {
    private static final Pattern DISPATCH = Pattern.compile("dispatch ([0-9a-f]{12}) \\(");

    @TempDir
    Path home;

    CliFixture cli;
    Path kubeconfig;

    @BeforeEach
    void setUp() {
        cli = new CliFixture(home);
        // the default kubeconfig (nothing set explicitly) of a closed loopback port: "the cluster does not answer"
        kubeconfig = cli.kubeconfig(".kube/config", ApiServerBed.closedPortUrl(), "dead", "ns1");
    }

    @Test
    void theDemoFallsBackToTheLocalExecutorSaysWhyAndPrintsHelloWorld() {
        CliFixture.Result r = cli.run("run", "--cluster-timeout", "20");
        assertEquals(0, r.code(), r.toString());
        assertEquals("Hello, World!\n", r.out());
        String first = r.err().lines().findFirst().orElse("");
        assertTrue(first.startsWith("executor: local, because the cluster (the current context of "
                + kubeconfig + ", namespace 'ns1') did not answer"), first);
        assertTrue(first.contains("cannot reach the Kubernetes API at http://127.0.0.1:"), first);
        assertTrue(first.contains("the tasks run in this JVM"), first);
        assertTrue(r.err().contains("workflow: the built-in demo"), r.err());
        // plain progress: a line per node status change, never terminal control characters
        assertTrue(r.err().lines().anyMatch(l -> l.matches("  join_words\\s+COMPLETED on local \\(\\d+\\.\\d s\\)")), r.err());
        assertTrue(r.err().lines().anyMatch(l -> l.matches("  excitement\\s+COMPLETED on local \\(\\d+\\.\\d s\\)")), r.err());
        assertTrue(!r.all().contains("\033["), "no ANSI codes when not on a terminal");
    }

    @Test
    void autoFailsInsteadOfRunningLocallyWhenAClusterSettingWasGiven() {
        cli.env.put("KUBECONFIG", kubeconfig.toString());
        CliFixture.Result byEnv = cli.run("run", "--cluster-timeout", "20");
        assertEquals(1, byEnv.code(), byEnv.toString());
        assertTrue(byEnv.err().startsWith("valence: --executor auto cannot use the cluster: the cluster (the current "
                + "context of " + kubeconfig + ", namespace 'ns1') did not answer"), byEnv.err());
        assertTrue(byEnv.err().contains("it falls back to the local executor only when nothing cluster-related is "
                + "configured, and k8s_config_file (env KUBECONFIG) is set"), byEnv.err());
        assertTrue(!byEnv.out().contains("Hello"), "no task ran: " + byEnv.out());

        cli.env.remove("KUBECONFIG");
        CliFixture.Result byFlags = cli.run("run", "--context", "dead", "-n", "ns1");
        assertEquals(1, byFlags.code(), byFlags.toString());
        assertTrue(byFlags.err().contains("k8s_context (flag --context), namespace (flag --namespace) are set; fix "
                + "them"), byFlags.err());

        CliFixture.Result byFile = cli.run("run", "--set", "cluster_client=official");
        assertEquals(1, byFile.code(), byFile.toString());
        assertTrue(byFile.err().contains("cluster_client (flag --set) is set"), byFile.err());

        CliFixture.Result local = cli.run("run", "--executor", "local", "--context", "dead");
        assertEquals(0, local.code(), local.toString());
    }

    @Test
    void aWorkflowThatNamesItsExecutorsRunsLocallyWithExecutorLocal() {
        CliFixture.Result r = cli.run("run", "--executor", "local", "dev.valence.examples.SeedExample", "Hello", "World");
        assertEquals(0, r.code(), r.toString());
        assertEquals("Hello, World!\n", r.out());
        assertTrue(r.err().startsWith("executors: local for every name, because --executor local was given"), r.err());
    }

    @Test
    void aWorkflowThatNamesAnExecutorWithNoSettingsFailsNamingTheSection() {
        cli.write(".config/valence/valence.toml", "[executors.k8s]\n[executors.k8s.local_k8s]\nvcpu = \"1\"\n");
        CliFixture.Result r = cli.run("run", "dev.valence.examples.SeedExample", "Hello", "World");
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("executor 'eks' has no settings: config file '"), r.err());
        CliFixture.Result config = cli.run("config", "--named", "eks");
        assertTrue(config.err().contains("has no [executors.k8s.eks] table (named executors there: local_k8s)"),
                config.toString());
    }

    @Test
    void dispatchesShowsTheRunWithEveryNode() throws Exception {
        CliFixture.Result run = cli.run("run", "--executor", "local");
        assertEquals(0, run.code(), run.toString());
        assertTrue(run.err().startsWith("executor: local, because --executor local was given"), run.err());
        String id = dispatchId(run);

        CliFixture.Result list = cli.run("dispatches");
        assertEquals(0, list.code(), list.toString());
        assertTrue(list.out().lines().anyMatch(l -> l.startsWith(id + "  simple_workflow  COMPLETED  2/2 ")), list.out());

        CliFixture.Result show = cli.run("dispatches", id);
        assertEquals(0, show.code(), show.toString());
        assertTrue(show.out().startsWith("dispatch " + id + ": workflow simple_workflow, COMPLETED\n"), show.out());
        assertTrue(show.out().contains("value: Hello, World!"), show.out());
        assertTrue(show.out().lines().anyMatch(l -> l.matches("join_words\\s+join_words\\s+COMPLETED\\s+local\\s+-\\s+1\\s+\\S+Z\\s+\\S+Z")),
                show.out());
        assertEquals(show.out(), cli.run("dispatches", "show", id).out());

        JsonNode doc = new ObjectMapper().readTree(cli.run("dispatches", id, "-o", "json").out());
        assertEquals("COMPLETED", doc.get("status").asText());
        assertEquals("Hello, World!", doc.get("value").asText());
        assertEquals(2, doc.get("nodes").size());
        assertEquals("excitement", doc.get("nodes").get(1).get("task").asText());
        assertEquals(List.of("join_words"), List.of(doc.get("nodes").get(1).get("depends_on").get(0).asText()));
        JsonNode all = new ObjectMapper().readTree(cli.run("dispatches", "list", "--output", "json").out());
        assertEquals(id, all.get(0).get("id").asText());
    }

    @Test
    void anOrphanedDispatchIsShownAsSuch() throws Exception {
        Path dir = home.resolve(".cache/valence/dispatches/0123456789ab");
        java.nio.file.Files.createDirectories(dir);
        // a record left by a process that died while a node ran (pid 2^22+1 does not exist on Linux)
        java.nio.file.Files.writeString(dir.resolve("record.properties"), """
                workflow=simple_workflow
                started=2024-01-01T00\\:00\\:00Z
                pid=4194305
                host=%s
                status=RUNNING
                nodes=join_words
                node.join_words.task=join_words
                node.join_words.status=RUNNING
                node.join_words.executor=k8s
                node.join_words.job=valence-0123456789ab-join-words-1a2b3c4d
                node.join_words.started=2024-01-01T00\\:00\\:01Z
                """.formatted(java.net.InetAddress.getLocalHost().getHostName()));
        CliFixture.Result list = cli.run("dispatches");
        assertTrue(list.out().contains("0123456789ab  simple_workflow  RUNNING (orphaned)"), list.toString());
        CliFixture.Result show = cli.run("dispatches", "0123456789ab");
        assertTrue(show.out().contains("orphaned: the process that ran it is gone"), show.toString());
        assertTrue(show.out().contains("valence-0123456789ab-join-words-1a2b3c4d"), show.out());
    }

    @Test
    void aWorkflowClassRunsWithItsArguments() {
        CliFixture.Result r = cli.run("run", "--executor", "local", DemoWorkflows.Repeat.class.getName(), "ha", "3");
        assertEquals(0, r.code(), r.toString());
        assertEquals("HA HA HA\n", r.out());
        assertTrue(r.err().contains("workflow: repeat_and_shout (" + DemoWorkflows.Repeat.class.getName()
                + ") with [ha, 3]"), r.err());
    }

    @Test
    void aMapShowsHowManyElementsSucceededAndWhichFailed() {
        CliFixture.Result r = cli.run("run", "--executor", "local", DemoWorkflows.WordLengths.class.getName(),
                "a bb boom ccc");
        assertEquals(0, r.code(), r.toString());
        assertEquals("3 of 4 succeeded; failed: [[2] failed: java.lang.IllegalArgumentException: boom is not a word]\n",
                r.out());
        assertTrue(r.err().lines().anyMatch(l -> l.matches("  length\\s+COMPLETED on local \\(\\d+\\.\\d s\\), 3 of 4 elements succeeded")),
                r.err());
        CliFixture.Result show = cli.run("dispatches", dispatchId(r));
        assertTrue(show.out().contains("node length map: 3 of 4 elements succeeded; failed elements:\n"
                + "  [2] java.lang.IllegalArgumentException: boom is not a word"), show.out());
        assertTrue(show.out().lines().anyMatch(l -> l.matches("length\\s+length\\s+COMPLETED.*3 of 4 elements succeeded")),
                show.out());
    }

    @Test
    void aFailingTaskExitsWithOneAndItsError() {
        CliFixture.Result r = cli.run("run", "--executor", "local", DemoWorkflows.Failing.class.getName(), "cake");
        assertEquals(1, r.code(), r.toString());
        assertEquals("", r.out());
        assertTrue(r.err().contains("dispatch " + dispatchId(r) + " FAILED"), r.err());
        assertTrue(r.err().contains("no cake today"), r.err());
    }

    @Test
    void aFailingTaskPrintsTheTopFramesOfItsTraceAndEveryFrameWithVerbose() {
        CliFixture.Result r = cli.run("run", "--executor", "local", DemoWorkflows.Deep.class.getName(), "cake");
        assertEquals(1, r.code(), r.toString());
        List<String> lines = r.err().lines().toList();
        int at = lines.indexOf("  boom threw:");
        assertTrue(at >= 0, r.err());
        assertEquals("    java.lang.IllegalStateException: no cake today", lines.get(at + 1));
        String descend = "    \tat " + DemoWorkflows.Deep.class.getName() + ".descend(DemoWorkflows.java:";
        for (int i = 2; i <= 1 + DispatchFollower.TOP_FRAMES; i++) {
            assertTrue(lines.get(at + i).startsWith(descend), lines.get(at + i));
        }
        assertTrue(lines.get(at + 2 + DispatchFollower.TOP_FRAMES).matches("    \t\\.\\.\\. \\d+ more"), r.err());
        assertTrue(lines.contains("    Caused by: java.lang.ArithmeticException: / by zero"), r.err());
        assertTrue(r.err().contains("(every frame: -v, or 'valence dispatches show " + dispatchId(r) + "')"), r.err());

        CliFixture.Result verbose = cli.run("run", "-v", "--executor", "local", DemoWorkflows.Deep.class.getName(), "pie");
        assertEquals(1, verbose.code(), verbose.toString());
        long frames = verbose.err().lines().filter(l -> l.startsWith(descend)).count();
        assertEquals(22, frames, "all eleven descend frames of the exception and of its cause: " + verbose.err());
        assertTrue(verbose.err().lines().anyMatch(l -> l.startsWith("    \tat dev.valence.core.LocalExecutor")), verbose.err());
        assertTrue(verbose.err().lines().noneMatch(l -> l.matches("    \t\\.\\.\\. \\d+ more")), verbose.err());
    }

    @Test
    void dispatchesShowNestsASubWorkflowsNodesUnderItAndCountsAttempts() throws Exception {
        CliFixture.Result run = cli.run("run", "--executor", "local", DemoWorkflows.Nested.class.getName(), "ab");
        assertEquals(0, run.code(), run.toString());
        String id = dispatchId(run);
        CliFixture.Result show = cli.run("dispatches", "show", id);
        assertEquals(0, show.code(), show.toString());
        java.util.List<String> nodes = show.out().lines().filter(l -> l.matches("\\s*(inner|shout)\\S*\\s.*")).toList();
        assertEquals(4, nodes.size(), show.out());
        assertTrue(nodes.get(0).matches("inner\\s+workflow inner\\s+COMPLETED\\s+workflow\\s+-\\s+-\\s.*"), show.out());
        assertTrue(nodes.get(1).matches("  inner/twice\\s+twice\\s+COMPLETED\\s+local\\s+-\\s+1\\s.*"), show.out());
        assertTrue(nodes.get(2).startsWith("  inner/twice-2 "), show.out());
        assertTrue(nodes.get(3).startsWith("shout "), show.out());
        assertTrue(show.out().contains("value: ABABABAB"), show.out());
        CliFixture.Result json = cli.run("dispatches", "show", id, "--output", "json");
        JsonNode twice = new ObjectMapper().readTree(json.out()).get("nodes").get(0);
        assertEquals("inner/twice", twice.get("node").asText(), json.out());
        assertEquals("inner", twice.get("parent").asText(), json.out());
        assertEquals(1, twice.get("attempts").get(0).get("number").asInt(), json.out());
    }

    @Test
    void dispatchesShowPrintsEachFailedNodesWholeTraceAndJsonKeepsItTyped() throws Exception {
        CliFixture.Result run = cli.run("run", "--executor", "local", DemoWorkflows.Deep.class.getName(), "cake");
        String id = dispatchId(run);
        CliFixture.Result show = cli.run("dispatches", "show", id);
        assertEquals(0, show.code(), show.toString());
        List<String> lines = show.out().lines().toList();
        int at = lines.indexOf("node boom threw:");
        assertTrue(at >= 0, show.out());
        assertEquals("  java.lang.IllegalStateException: no cake today", lines.get(at + 1));
        assertEquals(22, lines.stream().filter(l -> l.startsWith("  \tat " + DemoWorkflows.Deep.class.getName()
                + ".descend(")).count(), show.out());
        assertTrue(lines.contains("  Caused by: java.lang.ArithmeticException: / by zero"), show.out());

        JsonNode doc = new ObjectMapper().readTree(cli.run("dispatches", id, "-o", "json").out());
        JsonNode e = doc.get("nodes").get(0).get("exception");
        assertEquals("java.lang.IllegalStateException", e.get("type").asText());
        assertEquals("no cake today", e.get("message").asText());
        assertTrue(e.get("frames").get(0).asText().startsWith(DemoWorkflows.Deep.class.getName() + ".descend("),
                e.toString());
        assertEquals("java.lang.ArithmeticException", e.get("cause").get("type").asText());
        assertTrue(e.get("cause").get("cause").isNull(), e.toString());
    }

    @Test
    void anUnknownWorkflowClassIsAUsageError() {
        CliFixture.Result r = cli.run("run", "com.example.Nope");
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().startsWith("valence: workflow class 'com.example.Nope' was not found on the class path; put "
                + "its classes directory or jar on VALENCE_CLASSPATH"), r.err());
        assertTrue(r.err().contains("Run 'valence run --help' for usage."), r.err());
    }

    @Test
    void aClassWithoutTheFactoryMethodIsAUsageErrorNamingTheConvention() {
        CliFixture.Result r = cli.run("run", DemoWorkflows.NoFactory.class.getName());
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("has no method " + WorkflowClasses.CONVENTION), r.err());
    }

    @Test
    void theWrongNumberOfArgumentsIsAUsageError() {
        CliFixture.Result r = cli.run("run", "--executor", "local", DemoWorkflows.Repeat.class.getName(), "ha");
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("workflow 'repeat_and_shout' takes 2 argument(s) but 1 were given: [ha]"), r.err());
    }

    @Test
    void requiringTheClusterFailsWhenItDoesNotAnswer() {
        CliFixture.Result r = cli.run("run", "--executor", "kubernetes");
        assertEquals(1, r.code(), r.toString());
        assertTrue(r.err().startsWith("valence: cannot reach the Kubernetes API at http://127.0.0.1:"), r.err());
    }

    @Test
    void withoutAKubeconfigTheDemoSaysSoAndRunsLocally() throws java.io.IOException {
        java.nio.file.Files.delete(kubeconfig);
        CliFixture.Result r = cli.run("run");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.err().startsWith("executor: local, because there is no kubeconfig at "
                + home.resolve(".kube/config") + " (no cluster configured)"), r.err());
        assertEquals("Hello, World!\n", r.out());
    }

    @Test
    void onATerminalProgressIsRedrawnInPlace() {
        cli.terminal = true;
        CliFixture.Result r = cli.run("run", "--executor", "local");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.err().contains("\033[2A"), "cursor moves up over the two node lines");
        assertTrue(r.err().contains("\r\033[2K  excitement"), r.err());
    }

    private static String dispatchId(CliFixture.Result r) {
        Matcher m = DISPATCH.matcher(r.err());
        assertTrue(m.find(), r.err());
        return m.group(1);
    }
}
