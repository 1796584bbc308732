package dev.valence.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.openqa.selenium.By;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code valence ui} as a user starts it, wired by the CLI, against the stand-in cluster: a node's
 * log tail read from its Job's pod (the code {@code jobs logs} uses), over the API and in the page's
 * node panel with follow (headless Chromium), and a cancel that deletes the Jobs of a dispatch another
 * process runs.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class UiCommandTest {
    private static final Pattern URL = Pattern.compile("valence ui: (http://127\\.0\\.0\\.1:\\d+/)");
    private static final Pattern TOKEN = Pattern.compile("name=\"valence-token\" content=\"([0-9a-f]+)\"");
    static ClusterBed cluster;

    @TempDir
    Path home;

    final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void startBed() {
        cluster = new ClusterBed();
    }

    @AfterAll
    static void stopBed() {
        cluster.close();
    }

    /** A dispatch this process runs (as far as the record says): node {@code work} on the cluster, as Job {@code job}. */
    private void record(String dispatch, String job) throws Exception {
        ClusterNodeRecord.write(home.resolve(".cache/valence/dispatches"), dispatch, job, true);
    }

    private HttpResponse<String> get(URI base, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(base.resolve(path)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void servesANodesJobLogAndCancelsTheDispatchsJobs() throws Exception {
        CliFixture cli = new CliFixture(home);
        String ns = cluster.newNamespace();
        cluster.use(cli, ns);
        String job = cluster.submit(home, ns, "c0ffee000001", "work");
        cluster.controller.running(ns, job);
        cluster.controller.writeLog(ns, job, "step 1\nstep 2\n");
        record("c0ffee000001", job);

        URI base = started(cli.start("ui", "--port", "0"));

        String list = get(base, "/api/dispatches").body();
        assertTrue(list.contains("\"id\": \"c0ffee000001\"") && list.contains("\"status\": \"RUNNING\""), list);
        String log = get(base, "/api/dispatches/c0ffee000001/nodes/work/log?tail=1").body();
        assertTrue(log.contains("\"text\": \"step 2\\n\""), "the last line only: " + log);
        assertTrue(log.contains("\"running\": true"), log);
        cluster.controller.writeLog(ns, job, "step 1\nstep 2\nstep 3\n");
        String later = get(base, "/api/dispatches/c0ffee000001/nodes/work/log").body();
        assertTrue(later.contains("step 1\\nstep 2\\nstep 3\\n"), "a follower's next poll: " + later);

        // the node's pods, as kubectl get pods shows them, each with its own log tail
        String pod = cluster.controller.podName(ns, job);
        String node = get(base, "/api/dispatches/c0ffee000001/nodes/work").body();
        assertTrue(node.contains("\"name\": \"" + pod + "\"") && node.contains("\"phase\": \"Running\"")
                && node.contains("\"container\": \"RUNNING\""), node);
        String podLog = get(base, "/api/dispatches/c0ffee000001/nodes/work/pods/" + pod + "/log?tail=1").body();
        assertTrue(podLog.contains("\"text\": \"step 3\\n\""), "that pod's last line: " + podLog);
        assertEquals(404, get(base, "/api/dispatches/c0ffee000001/nodes/work/pods/kube-apiserver-x/log").statusCode(),
                "only a pod of the node's Job");

        // follow as a stream: the tail first, then only the lines the pod wrote since, read from the cluster
        try (Events follow = Events.open(http, base.resolve("/api/dispatches/c0ffee000001/nodes/work/log/events?tail=2"))) {
            assertEquals(200, follow.response.statusCode());
            Events.Event first = follow.next();
            assertEquals("log", first.name());
            assertTrue(first.data().contains("\"reset\": true") && first.data().contains("\"text\": \"step 2\\nstep 3\\n\""),
                    first.data());
            cluster.controller.writeLog(ns, job, "step 1\nstep 2\nstep 3\nstep 3b\n");
            Events.Event next = follow.until("log", "\"reset\": false");
            assertTrue(next.data().contains("\"text\": \"step 3b\\n\""), "only the new line: " + next.data());
        }
        cluster.controller.writeLog(ns, job, "step 1\nstep 2\nstep 3\n");

        // the page: the node's panel shows its Job, its pod and the log tail, and follow shows what the pod writes next
        if (UiBrowserTest.browserUsable()) {
            followInThePage(base, ns, job);
        }

        Matcher t = TOKEN.matcher(get(base, "/").body());
        assertTrue(t.find());
        HttpResponse<String> cancel = http.send(HttpRequest.newBuilder(base.resolve("/api/dispatches/c0ffee000001/cancel"))
                .header("X-Valence-Token", t.group(1)).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, cancel.statusCode(), cancel.body());
        assertTrue(cancel.body().contains("Job " + job + " deleted"), cancel.body());
        assertTrue(cluster.bed.client().batch().v1().jobs().inNamespace(ns).withName(job).get() == null,
                "the dispatch's Job is gone");
        String gone = get(base, "/api/dispatches/c0ffee000001/nodes/work/log").body();
        assertTrue(gone.contains("\"running\": false") && gone.contains("is gone from namespace " + ns), gone);
    }

    /** The node panel shows the Job and its log tail; with follow on, what the pod writes next appears. */
    private void followInThePage(URI base, String ns, String job) {
        org.openqa.selenium.WebDriver browser = UiBrowserTest.chromium();
        try {
            WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(20));
            browser.get(base.resolve("/dispatch/c0ffee000001").toString());
            wait.until(ExpectedConditions.numberOfElementsToBe(By.cssSelector("#graph g.node"), 1));
            browser.findElement(By.cssSelector("#graph g.node rect")).click();
            wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("panel-log"), "step 3"));
            assertTrue(browser.findElement(By.id("panel-where")).getText().contains(job), "the node's Job");
            wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("panel-pods"), cluster.controller.podName(ns, job)));
            assertTrue(browser.findElement(By.id("panel-pods")).getText().contains("Running"), "the pod's status");
            browser.findElement(By.cssSelector("#panel-pods details.pod summary")).click();
            wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector("#panel-pods pre.pod-log"), "step 3"));
            browser.findElement(By.id("follow")).click();
            cluster.controller.writeLog(ns, job, "step 1\nstep 2\nstep 3\nstep 4\n");
            wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("panel-log"), "step 4"));
        } finally {
            browser.quit();
        }
    }

    @Test
    void resumeRunsTheFailedNodeAgainAsDispatchesResumeDoes() throws Exception {
        CliFixture cli = new CliFixture(home);
        cli.env.put("KUBECONFIG", cli.kubeconfig("kube/dead", dev.valence.tck.cluster.ApiServerBed.closedPortUrl(), "dead",
                "ns1").toString());
        DemoWorkflows.TwoSteps.reset();
        try {
            DemoWorkflows.TwoSteps.fail = true;
            CliFixture.Result run = cli.run("run", "--executor", "local", DemoWorkflows.TwoSteps.class.getName(), "x");
            assertEquals(1, run.code(), run.toString());
            Matcher id = Pattern.compile("dispatch ([0-9a-f]{12}) \\(").matcher(run.all());
            assertTrue(id.find(), run.toString());
            DemoWorkflows.TwoSteps.fail = false;

            URI base = started(cli.start("ui", "--port", "0"));
            Matcher t = TOKEN.matcher(get(base, "/").body());
            assertTrue(t.find());
            HttpResponse<String> resume = http.send(HttpRequest.newBuilder(base.resolve("/api/dispatches/" + id.group(1)
                    + "/resume")).header("X-Valence-Token", t.group(1)).POST(HttpRequest.BodyPublishers.noBody()).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, resume.statusCode(), resume.body());
            assertTrue(resume.body().contains("resuming dispatch " + id.group(1)), resume.body());
            String now = "";
            while (!now.contains("\"status\": \"COMPLETED\"")) {
                LockSupport.parkNanos(50_000_000L);
                now = get(base, "/api/dispatches/" + id.group(1)).body();
            }
            assertEquals(1, DemoWorkflows.TwoSteps.runs("first"), "a completed node is not run again");
            assertEquals(2, DemoWorkflows.TwoSteps.runs("second"), "the failed node ran again");
            assertTrue(now.contains("\"value\": \"x12\""), now);
        } finally {
            DemoWorkflows.TwoSteps.reset();
        }
    }

    /** Waits for {@code valence ui} to print its URL. */
    private static URI started(CliFixture.Running ui) {
        Matcher m;
        while (!(m = URL.matcher(ui.out())).find()) {
            assertTrue(!ui.result().isDone(), () -> "valence ui ended: " + ui.result().join());
            LockSupport.parkNanos(20_000_000L);
        }
        return URI.create(m.group(1));
    }

    @Test
    void aPortOutOfRangeIsAUsageError() {
        CliFixture.Result r = new CliFixture(home).run("ui", "--port", "70000");
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("--port must be 0 (any free port) to 65535, was 70000"), r.err());
        CliFixture.Result bad = new CliFixture(home).run("ui", "--address", "no such host.invalid");
        assertEquals(2, bad.code(), bad.toString());
        assertTrue(bad.err().contains("--address 'no such host.invalid' is not an address of this machine"), bad.err());
    }
}
