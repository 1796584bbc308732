package dev.valence.benchmarks;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Each harness runs once with tiny sizes and prints its report: tables and ratio lines. Nothing
 * about speed is asserted here; the numbers come from running the harnesses (see README.md).
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class HarnessSmokeTest {

    @BeforeAll
    static void quiet() {
        Logging.quiet();
    }

    private static String report(Harness h) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        h.run(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @FunctionalInterface
    interface Harness {
        void run(PrintStream out) throws Exception;
    }

    @Test
    void dispatcherOverheadReportsBothShapesAgainstTheDirectLoop() throws Exception {
        String r = report(out -> DispatcherOverhead.run(Options.parse("--nodes=20", "--warmup=0", "--runs=1"), out));
        assertTrue(r.contains("| chain ") && r.contains("| fan-out/fan-in "), r);
        assertTrue(r.contains("Dispatcher + LocalExecutor") && r.contains("direct loop"), r);
        assertTrue(r.contains("chain: dispatcher overhead ") && r.contains("µs/node over the direct loop"), r);
    }

    @Test
    void roundTripReportsTheRatioAndTheNoticedLatencyForBothClients() throws Exception {
        String r = report(out -> RoundTrip.run(Options.parse("--warmup=0", "--runs=1", "--poll-freqs=1",
                "--latency-samples=1"), out));
        assertTrue(r.contains("fabric8: executor round trip ÷ raw fabric8 create→Complete = "), r);
        assertTrue(r.contains("official: executor round trip ÷ raw fabric8 create→Complete = "), r);
        assertTrue(r.contains("| fabric8        |           1 |       1 |"), r);
        assertTrue(r.contains("| official       |           1 |       1 |"), r);
    }

    @Test
    void imageCacheReportsColdUnchangedAndEditedAgainstJib() throws Exception {
        String r = report(out -> ImageCache.run(Options.parse("--dep-jars=2", "--classes=3", "--cold=1", "--unchanged=1",
                "--edits=1"), out));
        assertTrue(r.contains("first build + push") && r.contains("unchanged class path") && r.contains("one class edited"), r);
        assertTrue(r.contains("goal, unchanged: 0 layers pushed"), r);
        assertTrue(r.contains("goal, one class edited: <= 1.5× Jib's own incremental build"), r);
        // the cache works whatever the timing: nothing uploaded for the unchanged class path, one layer after the edit
        assertTrue(r.contains("(0 layers/run"), r);
        assertTrue(r.contains("1 layer(s)/run pushed"), r);
    }

    @Test
    void storeThroughputReportsEachStoreAgainstAPlainFileCopy() throws Exception {
        String r = report(out -> StoreThroughput.run(Options.parse("--size-mib=1", "--runs=1", "--stores=local"), out));
        assertTrue(r.contains("| plain file copy ") && r.contains("| store-local "), r);
        assertTrue(r.contains("store-local: put+get of 1 MiB = ") && r.contains("× a plain file copy"), r);
    }

    @Test
    void mapFanOutReportsTheIndexedJobAgainstNTaskCalls() throws Exception {
        String r = report(out -> MapFanOut.run(Options.parse("--sizes=3", "--parallel-pods=2", "--completion-delay-ms=0",
                "--timeout=120"), out));
        assertTrue(r.contains("N task calls (N Jobs)") && r.contains("one map (Indexed Job)"), r);
        // whatever the timing: 3 Jobs and 6 writes (create + delete each) against 1 Job and 2 writes
        assertTrue(r.contains("N=3: map makes 3.0× fewer API writes (2 vs 6), 1 Job(s) instead of 3"), r);
    }

    @Test
    void soakReportsLostDuplicatesAndHeapPerTaskUnderInjectedFaults() throws Exception {
        String r = report(out -> Soak.run(Options.parse("--tasks=20", "--fail-every=10", "--reset-every=25",
                "--hold-timeout=60", "--timeout=120"), out));
        assertTrue(r.contains("| tasks submitted ") && r.contains("| lost (never completed, or wrong value) "), r);
        assertTrue(r.contains("| duplicate Jobs ") && r.contains("| heap per in-flight task, KiB (approximate) "), r);
        assertTrue(r.contains("soak verdict: lost "), r);
        // faults were injected whatever the timing: at least every 10th of the executor's requests
        assertTrue(r.matches("(?s).*soak verdict: .*, faults injected [1-9][0-9]*\\R.*"), r);
    }

    @Test
    void realClusterRoundTripReportsATaskAFanOutAndAMapAgainstRawJobsOnTheRealPodBed() throws Exception {
        String r = report(out -> RealClusterRoundTrip.run(Options.parse("--runs=1", "--warmup=1", "--fanout=2", "--map=2"), out));
        assertTrue(r.contains("| raw Job (java -version): create → Complete ") && r.contains("| Valence task: submit → result "), r);
        assertTrue(r.contains("Valence task ÷ raw Job = ") && r.contains("2-way fan-out ÷ 2 raw Jobs = "), r);
        assertTrue(r.contains("map of 2 ÷ raw Indexed Job of 2 = "), r);
        assertTrue(r.contains("valence run ÷ raw Job = ") || r.contains("valence run: not measured"), r);
    }

    @Test
    void cachedWorkflowReportsBothDispatchesJobsAndTheRatio() throws Exception {
        String r = report(out -> CachedWorkflow.run(Options.parse("--nodes=2"), out));
        assertTrue(r.contains("| first (cache empty) ") && r.contains("| second (same call) "), r);
        assertTrue(r.matches("(?s).*second ÷ first = \\d+\\.\\d{4} \\(\\d+\\.\\d\\d%; goal <= 5%\\), second created 0 Jobs "
                + "\\(goal 0\\).*"), r);
    }

    @Test
    void s3TaskStartReportsATaskOnS3AgainstTheSameTaskOnTheLocalStore() throws Exception {
        String r = report(out -> S3TaskStart.run(Options.parse("--runs=1", "--warmup=0"), out));
        assertTrue(r.contains("| task: submit → result ") && r.contains("| pod JVM uptime when the task's body starts "), r);
        assertTrue(r.matches("(?s).*S3 task ÷ local task = \\d+\\.\\d\\d×, S3 − local = -?\\d+ ms \\(goal <= 500 ms\\).*"), r);
    }

    @Test
    void taskImageSizeReportsTheClassPathBeforeAndAfter() throws Exception {
        java.nio.file.Path lib = java.nio.file.Files.createTempDirectory("lib");
        String r = report(out -> TaskImageSize.run(Options.parse("--lib=" + lib), out));
        assertTrue(r.contains("| whole lib/ (before) ") && r.contains("task image over the base: "), r);
    }

    @Test
    void uiRenderReportsTheBigDispatchAgainstTheSmallOne() throws Exception {
        String r = report(out -> UiRender.run(Options.parse("--nodes=40", "--baseline-nodes=10", "--warmup=0",
                "--runs=1"), out));
        assertTrue(r.contains("| 10 nodes (baseline) |") && r.contains("| 40 nodes "), r);
        assertTrue(r.contains("40 nodes: first render ") && r.contains("× the 10-node page"), r);
    }

    @Test
    void cliStartTimesEachCommandAgainstJavaVersion() throws Exception {
        String r = report(out -> CliStart.run(Options.parse("--runs=1"), out));
        assertTrue(r.contains("valence jobs list, refused, fabric8") && r.contains("java -version (baseline)"), r);
        assertTrue(r.contains("refused connection, whole command: fabric8 "), r);
    }
}
