package dev.valence.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code valence jobs list|logs|cancel|clean} and {@code dispatches cancel} against the mock API server. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class JobsCommandTest {
    static ClusterBed cluster;

    @TempDir
    Path home;

    CliFixture cli;
    String ns;
    String done;
    String running;
    String failed;

    @BeforeAll
    static void startBed() {
        cluster = new ClusterBed();
    }

    @AfterAll
    static void stopBed() {
        cluster.close();
    }

    @BeforeEach
    void setUp() {
        cli = new CliFixture(home);
        ns = cluster.newNamespace();
        cluster.use(cli, ns);
        done = cluster.submit(home, ns, "d1aaaaaaaaaa", "join_words");
        running = cluster.submit(home, ns, "d1aaaaaaaaaa", "excitement");
        failed = cluster.submit(home, ns, "d2bbbbbbbbbb", "join_words");
        cluster.controller.succeed(ns, done);
        cluster.controller.running(ns, running);
        cluster.controller.fail(ns, failed, 3);
    }

    @Test
    void listShowsValenceJobsWithStatusDispatchAndNode() throws Exception {
        CliFixture.Result r = cli.run("jobs", "list");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().startsWith("NAME"), r.out());
        assertTrue(line(r, done).matches(done + "\\s+SUCCEEDED\\s+d1aaaaaaaaaa\\s+join_words\\s+\\d+[smhd]"), r.out());
        assertTrue(line(r, running).matches(running + "\\s+RUNNING\\s+d1aaaaaaaaaa\\s+excitement\\s+\\d+[smhd]"), r.out());
        assertTrue(line(r, failed).matches(failed + "\\s+FAILED\\s+d2bbbbbbbbbb\\s+join_words\\s+\\d+[smhd]"), r.out());

        CliFixture.Result one = cli.run("jobs", "list", "--dispatch", "d2bbbbbbbbbb", "-o", "json");
        JsonNode doc = new ObjectMapper().readTree(one.out());
        assertEquals(1, doc.size(), one.out());
        assertEquals(failed, doc.get(0).get("name").asText());
        assertEquals("FAILED", doc.get(0).get("status").asText());
        assertEquals(ns, doc.get(0).get("namespace").asText());
    }

    @Test
    void listShowsAMapsIndexedJobWithItsProgress() throws Exception {
        String map = cluster.submitIndexed(home, ns, "d4dddddddddd", "square", 10);
        cluster.controller.indexedProgress(ns, map, new java.util.TreeSet<>(List.of(0, 1, 2, 7)), 1, 3);
        CliFixture.Result r = cli.run("jobs", "list", "--dispatch", "d4dddddddddd");
        assertEquals(0, r.code(), r.toString());
        assertTrue(line(r, map).matches(map + "\\s+RUNNING \\[4 succeeded, 1 failed, 3 active of 10\\]\\s+d4dddddddddd"
                + "\\s+square\\s+\\d+[smhd]"), r.out());
        JsonNode doc = new ObjectMapper().readTree(cli.run("jobs", "list", "--dispatch", "d4dddddddddd", "-o", "json").out());
        assertEquals(10, doc.get(0).get("progress").get("completions").asInt());
        assertEquals(4, doc.get(0).get("progress").get("succeeded").asInt());
        assertTrue(cli.run("jobs", "list", "--dispatch", "d1aaaaaaaaaa", "-o", "json").out().indexOf("progress") < 0,
                "a plain Job has no progress");
    }

    @Test
    void listSaysWhenThereAreNone() {
        cluster.use(cli, cluster.newNamespace());
        CliFixture.Result r = cli.run("jobs", "list");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().startsWith("no Valence Jobs in namespace t"), r.out());
    }

    @Test
    void logsPrintsTheTailOfThePodsLog() {
        cluster.controller.writeLog(ns, done, "line 1\nline 2\nline 3\n");
        CliFixture.Result r = cli.run("jobs", "logs", done, "--tail", "2");
        assertEquals(0, r.code(), r.toString());
        assertEquals("line 2\nline 3\n", r.out());
    }

    @Test
    void logsOfAJobWithoutAPodSaysSo() {
        String pending = cluster.submit(home, ns, "d3cccccccccc", "waiting");
        CliFixture.Result r = cli.run("jobs", "logs", pending);
        assertEquals(0, r.code(), r.toString());
        assertEquals("", r.out());
        assertTrue(r.err().startsWith("no log yet: the pod of Job " + pending + " has not started"), r.err());
    }

    @Test
    void logsOfAnUnknownJobIsAnErrorNamingTheNamespace() {
        CliFixture.Result r = cli.run("jobs", "logs", "valence-nope");
        assertEquals(1, r.code(), r.toString());
        assertEquals("valence: no Valence Job 'valence-nope' in namespace " + ns + "; see them with 'valence jobs list'\n",
                r.err());
        CliFixture.Result bad = cli.run("jobs", "logs", "Not_A_Name");
        assertEquals(2, bad.code(), bad.toString());
        assertTrue(bad.err().contains("Job name 'Not_A_Name' is not valid"), bad.err());
    }

    @Test
    void logsFollowPrintsNewLinesUntilTheJobFinishes() throws Exception {
        cluster.controller.writeLog(ns, running, "starting\n");
        CliFixture.Running follow = cli.start("jobs", "logs", running, "-f", "--interval", "0.1");
        awaitOutput(follow, "starting\n");
        cluster.controller.writeLog(ns, running, "starting\nworking\n");
        awaitOutput(follow, "starting\nworking\n");
        cluster.controller.succeed(ns, running);
        CliFixture.Result r = follow.result().get(60, TimeUnit.SECONDS);
        assertEquals(0, r.code(), r.toString());
        assertEquals("starting\nworking\n", r.out());
        assertEquals("Job " + running + " SUCCEEDED\n", r.err());
    }

    @Test
    void cancelDeletesOneJobOrAllOfADispatch() {
        CliFixture.Result one = cli.run("jobs", "cancel", failed);
        assertEquals(0, one.code(), one.toString());
        assertEquals("Job " + failed + " deleted (with its pods)\n", one.out());
        assertNull(cluster.bed.client().batch().v1().jobs().inNamespace(ns).withName(failed).get());

        CliFixture.Result again = cli.run("jobs", "cancel", failed);
        assertEquals(1, again.code(), again.toString());
        assertTrue(again.err().contains("no Job '" + failed + "' in namespace " + ns), again.err());

        CliFixture.Result dispatch = cli.run("jobs", "cancel", "--dispatch", "d1aaaaaaaaaa");
        assertEquals(0, dispatch.code(), dispatch.toString());
        assertTrue(dispatch.out().contains("Job " + done + " deleted") && dispatch.out().contains("Job " + running
                + " deleted"), dispatch.out());
        assertTrue(cluster.bed.client().batch().v1().jobs().inNamespace(ns).list().getItems().isEmpty());

        assertEquals(2, cli.run("jobs", "cancel").code());
        assertEquals(2, cli.run("jobs").code());
    }

    @Test
    void cleanDeletesFinishedJobsAndTheirArtifactsAndDryRunDeletesNothing() throws Exception {
        Path data = home.resolve(".cache/valence/data");
        List<Path> artifacts = new ArrayList<>();
        for (String node : List.of("d1aaaaaaaaaa/join_words", "d1aaaaaaaaaa/excitement", "d2bbbbbbbbbb/join_words")) {
            Path input = data.resolve(node).resolve("input");
            Files.createDirectories(input.getParent());
            artifacts.add(Files.writeString(input, "payload"));
        }
        CliFixture.Result dry = cli.run("jobs", "clean", "--all-finished", "--dry-run");
        assertEquals(0, dry.code(), dry.toString());
        assertEquals(List.of("would delete Job " + done + " (SUCCEEDED) and its artifacts",
                "would delete Job " + failed + " (FAILED) and its artifacts"), sorted(dry.out()));
        assertEquals(3, cluster.bed.client().batch().v1().jobs().inNamespace(ns).list().getItems().size());

        CliFixture.Result clean = cli.run("jobs", "clean", "--all-finished");
        assertEquals(0, clean.code(), clean.toString());
        assertTrue(clean.out().contains("Job " + done + " (SUCCEEDED) deleted; artifacts " + data.resolve("d1aaaaaaaaaa/join_words")),
                clean.out());
        List<String> left = cluster.bed.client().batch().v1().jobs().inNamespace(ns).list().getItems().stream()
                .map(j -> j.getMetadata().getName()).toList();
        assertEquals(List.of(running), left);
        assertFalse(Files.exists(artifacts.get(0)), "artifacts of the succeeded Job are gone");
        assertTrue(Files.exists(artifacts.get(1)), "artifacts of the running Job are kept");
        assertFalse(Files.exists(artifacts.get(2)), "artifacts of the failed Job are gone");

        CliFixture.Result none = cli.run("jobs", "clean");
        assertEquals(2, none.code(), none.toString());
        assertTrue(none.err().contains("say which Jobs: --all-finished, or --dispatch ID"), none.err());
    }

    @Test
    void cleanAllFinishedAlsoDeletesThePendingJobsOfADispatchRecordedAsOver() throws Exception {
        String pending = cluster.submit(home, ns, "d3cccccccccc", "join_words"); // its pod never created
        String live = cluster.submit(home, ns, "d4dddddddddd", "join_words");
        record("d3cccccccccc", "FAILED");
        record("d4dddddddddd", "RUNNING");
        CliFixture.Result r = cli.run("jobs", "clean", "--all-finished", "--keep-artifacts");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("Job " + pending + " (PENDING) deleted; artifacts kept"), r.out());
        List<String> left = cluster.bed.client().batch().v1().jobs().inNamespace(ns).list().getItems().stream()
                .map(j -> j.getMetadata().getName()).sorted().toList();
        assertEquals(List.of(running, live).stream().sorted().toList(), left,
                "a running dispatch's Jobs stay, whatever their phase");
    }

    private void record(String dispatch, String status) throws Exception {
        Path dir = home.resolve(".cache/valence/dispatches/" + dispatch);
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("record.properties"), """
                workflow=simple_workflow
                started=2024-01-01T00\\:00\\:00Z
                pid=%d
                host=%s
                status=%s
                nodes=
                """.formatted(ProcessHandle.current().pid(), java.net.InetAddress.getLocalHost().getHostName(), status));
    }

    @Test
    void cleanOfADispatchDeletesItsStoredArtifactsWhenItsJobsAreGone() throws Exception {
        Path data = home.resolve(".cache/valence/data");
        Path orphan = data.resolve("d9eeeeeeeeee/join_words/input");
        Path other = data.resolve("d2bbbbbbbbbb/join_words/input");
        for (Path p : List.of(orphan, other)) {
            Files.createDirectories(p.getParent());
            Files.writeString(p, "payload");
        }
        CliFixture.Result dry = cli.run("jobs", "clean", "--dispatch", "d9eeeeeeeeee", "--dry-run");
        assertEquals(0, dry.code(), dry.toString());
        assertTrue(dry.out().contains("would delete 1 stored object(s) of dispatch d9eeeeeeeeee"), dry.out());
        assertTrue(Files.exists(orphan));

        CliFixture.Result r = cli.run("jobs", "clean", "--dispatch", "d9eeeeeeeeee");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("stored artifacts of dispatch d9eeeeeeeeee deleted: 1 object(s)"), r.out());
        assertFalse(Files.exists(orphan), "the dispatch's input is gone though it had no Job");
        assertTrue(Files.exists(other), "another dispatch's artifacts stay");

        CliFixture.Result again = cli.run("jobs", "clean", "--dispatch", "d9eeeeeeeeee");
        assertTrue(again.out().contains("nothing to clean in namespace " + ns + " nor in the data store"), again.out());
    }

    @Test
    void cleanOfADispatchDeletesAllItsJobs() {
        CliFixture.Result r = cli.run("jobs", "clean", "--dispatch", "d1aaaaaaaaaa", "--keep-artifacts");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("Job " + running + " (RUNNING) deleted; artifacts kept"), r.out());
        List<String> left = cluster.bed.client().batch().v1().jobs().inNamespace(ns).list().getItems().stream()
                .map(j -> j.getMetadata().getName()).toList();
        assertEquals(List.of(failed), left);
    }

    @Test
    void dispatchesCancelDeletesTheJobsOfADispatchRunningElsewhere() throws Exception {
        Path dir = home.resolve(".cache/valence/dispatches/d1aaaaaaaaaa");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("record.properties"), """
                workflow=simple_workflow
                started=2024-01-01T00\\:00\\:00Z
                pid=%d
                host=%s
                status=RUNNING
                nodes=
                """.formatted(ProcessHandle.current().pid(), java.net.InetAddress.getLocalHost().getHostName()));
        CliFixture.Result r = cli.run("dispatches", "cancel", "d1aaaaaaaaaa");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("Job " + done + " deleted") && r.out().contains("Job " + running + " deleted"),
                r.out());
        assertEquals(1, cluster.bed.client().batch().v1().jobs().inNamespace(ns).list().getItems().size());
        CliFixture.Result unknown = cli.run("dispatches", "cancel", "ffffffffffff");
        assertEquals(1, unknown.code(), unknown.toString());
        assertTrue(unknown.err().contains("no dispatch 'ffffffffffff'"), unknown.err());
    }

    private static void awaitOutput(CliFixture.Running running, String expected) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!running.out().equals(expected)) {
            if (System.nanoTime() > deadline || running.result().isDone()) {
                throw new AssertionError("expected output " + expected + " but got " + running.out()
                        + (running.result().isDone() ? " (ended: " + running.result().join() + ")" : ""));
            }
            Thread.sleep(20);
        }
    }

    private static String line(CliFixture.Result r, String name) {
        return r.out().lines().filter(l -> l.startsWith(name + " ")).findFirst().orElse("");
    }

    private static List<String> sorted(String text) {
        return text.lines().sorted().toList();
    }
}
