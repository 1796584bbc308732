package dev.valence.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.valence.tck.cluster.ApiServerBed;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code valence dispatches resume ID} with the local executor: a failed dispatch runs its failed node
 * again, an orphaned one (its process died) goes on, and clear errors when the dispatch still runs
 * in a live process, lacks what a resume needs, or has completed. (The cluster case, re-attaching to
 * a running Job, is in {@link ClusterCliTest}.)
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ResumeCommandTest {
    private static final Pattern DISPATCH = Pattern.compile("dispatch ([0-9a-f]{12}) \\(");
    /** A pid that does not exist on Linux (above pid_max's upper bound, 2^22). */
    private static final String DEAD_PID = "4194305";

    @TempDir
    Path home;

    CliFixture cli;

    @BeforeEach
    void setUp() {
        cli = new CliFixture(home);
        cli.kubeconfig(".kube/config", ApiServerBed.closedPortUrl(), "dead", "ns1"); // the default: auto may fall back
        DemoWorkflows.TwoSteps.reset();
    }

    @AfterEach
    void tearDown() {
        DemoWorkflows.TwoSteps.reset();
    }

    @Test
    void aFailedDispatchResumesRunningOnlyItsFailedNode() throws IOException {
        DemoWorkflows.TwoSteps.fail = true;
        CliFixture.Result run = cli.run("run", "--executor", "local", DemoWorkflows.TwoSteps.class.getName(), "x");
        assertEquals(1, run.code(), run.toString());
        String id = id(run);
        assertTrue(Files.readString(record(id)).contains("source.workflow_class=" + DemoWorkflows.TwoSteps.class.getName()),
                "the record names the workflow class");

        DemoWorkflows.TwoSteps.fail = false;
        CliFixture.Result resume = cli.run("dispatches", "resume", id);
        assertEquals(0, resume.code(), resume.toString());
        assertEquals("x12\n", resume.out());
        assertTrue(resume.err().contains("executor: local, because --executor local was given"), resume.err());
        assertTrue(resume.err().contains("resuming dispatch " + id + ": workflow two_steps ("
                + DemoWorkflows.TwoSteps.class.getName() + ") with [x]; 1 of 2 nodes already completed"), resume.err());
        assertEquals(1, DemoWorkflows.TwoSteps.runs("first"), "a completed node is not run again");
        assertEquals(2, DemoWorkflows.TwoSteps.runs("second"), "the failed node ran again");
        assertTrue(cli.run("dispatches", id).out().startsWith("dispatch " + id + ": workflow two_steps, COMPLETED\n"));

        CliFixture.Result again = cli.run("dispatches", "resume", id);
        assertEquals(0, again.code(), again.toString());
        assertTrue(again.err().startsWith("dispatch " + id + " has already completed; nothing to resume"), again.err());
        assertEquals("x12\n", again.out());
    }

    @Test
    void aDispatchWhoseProcessDiedGoesOnWhereItStopped() throws IOException {
        DemoWorkflows.TwoSteps.fail = true;
        String id = id(cli.run("run", "--executor", "local", DemoWorkflows.TwoSteps.class.getName(), "y"));
        // what a killed process leaves: the record says RUNNING, 'second' running, and names a pid that is gone
        Path file = record(id);
        Files.writeString(file, Files.readString(file).replaceAll("(?m)^status=.*$", "status=RUNNING")
                .replaceAll("(?m)^node\\.second\\.status=.*$", "node.second.status=RUNNING")
                .replaceAll("(?m)^(finished|error|node\\.second\\.(finished|error|exception\\.\\d+\\.\\w+))=.*\\R", "")
                .replaceAll("(?m)^pid=.*$", "pid=" + DEAD_PID));
        CliFixture.Result show = cli.run("dispatches", id);
        assertTrue(show.out().contains("RUNNING (orphaned)"), show.toString());
        assertTrue(show.out().contains("orphaned: the process that ran it is gone; 'valence dispatches resume " + id
                + "' goes on"), show.out());

        DemoWorkflows.TwoSteps.fail = false;
        CliFixture.Result resume = cli.run("dispatches", "resume", id);
        assertEquals(0, resume.code(), resume.toString());
        assertEquals("y12\n", resume.out());
        assertEquals(1, DemoWorkflows.TwoSteps.runs("first"));
        assertTrue(Files.readString(file).contains("pid=" + ProcessHandle.current().pid()), "the resuming process owns it");
    }

    @Test
    void aDispatchStillRunningInALiveProcessIsNotResumed() throws Exception {
        DemoWorkflows.TwoSteps.fail = true;
        String id = id(cli.run("run", "--executor", "local", DemoWorkflows.TwoSteps.class.getName(), "z"));
        Process alive = new ProcessBuilder("sleep", "60").start();
        try {
            Path file = record(id);
            Files.writeString(file, Files.readString(file).replaceAll("(?m)^status=.*$", "status=RUNNING")
                    .replaceAll("(?m)^finished=.*\\R", "").replaceAll("(?m)^pid=.*$", "pid=" + alive.pid()));
            CliFixture.Result r = cli.run("dispatches", "resume", id);
            assertEquals(1, r.code(), r.toString());
            assertEquals("valence: dispatch " + id + " is still running in process " + alive.pid() + " on host "
                    + InetAddress.getLocalHost().getHostName() + "; wait for it, or cancel it there (Ctrl-C) or with "
                    + "'valence dispatches cancel " + id + "'\n", r.err());
            assertEquals(1, DemoWorkflows.TwoSteps.runs("second"), "nothing ran");
        } finally {
            alive.destroy();
            alive.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void aRecordThatDoesNotNameItsWorkflowClassSaysHowToResumeIt() throws IOException {
        Path dir = Files.createDirectories(home.resolve(".cache/valence/dispatches/0123456789ab"));
        // a record of a dispatch made through the Java API (or by a Valence before resume): no source.* keys
        Files.writeString(dir.resolve("record.properties"), """
                workflow=simple_workflow
                started=2024-01-01T00\\:00\\:00Z
                pid=%s
                host=%s
                status=RUNNING
                nodes=join_words
                node.join_words.task=join_words
                node.join_words.status=RUNNING
                node.join_words.executor=k8s
                """.formatted(DEAD_PID, InetAddress.getLocalHost().getHostName()));
        CliFixture.Result r = cli.run("dispatches", "resume", "0123456789ab");
        assertEquals(1, r.code(), r.toString());
        assertTrue(r.err().startsWith("valence: dispatch 0123456789ab (simple_workflow) does not record its workflow "
                + "class and arguments"), r.err());
        assertTrue(r.err().contains("Valence.resume(\"0123456789ab\", workflow, args...)"), r.err());

        CliFixture.Result unknown = cli.run("dispatches", "resume", "fedcba987654");
        assertEquals(1, unknown.code(), unknown.toString());
        assertTrue(unknown.err().startsWith("valence: no dispatch 'fedcba987654' under "), unknown.err());
    }

    private Path record(String id) {
        return home.resolve(".cache/valence/dispatches").resolve(id).resolve("record.properties");
    }

    private static String id(CliFixture.Result r) {
        Matcher m = DISPATCH.matcher(r.err());
        assertTrue(m.find(), r.toString());
        return m.group(1);
    }
}
