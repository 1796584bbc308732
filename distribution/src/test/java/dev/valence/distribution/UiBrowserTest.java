package dev.valence.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.valence.api.Executor;
import dev.valence.api.Node;
import dev.valence.api.Task;
import dev.valence.api.Task1;
import dev.valence.api.Task3;
import dev.valence.api.TaskStatus;
import dev.valence.api.Workflow;
import dev.valence.core.Dispatcher;
import dev.valence.core.LocalExecutor;
import dev.valence.distribution.ui.UiServer;
import java.io.File;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * {@code valence ui}'s page in headless Chromium (Debian {@code chromium} + {@code chromium-driver},
 * driven by Selenium): the dispatch list, a running dispatch's graph with every node, a node turning
 * from RUNNING to COMPLETED with its pod in the panel, a failed node's trace, a map's elements, and a
 * cancel. The watched dispatch runs on the stand-in cluster, each task a real runc container (held by a
 * {@code release} file in its store folder); the others on the local executor in this JVM, held by
 * latches (the page reads records, so their states are those of a cluster dispatch). Screenshots go to
 * {@code target/ui-*.png}.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class UiBrowserTest {
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    /** {@code tokenize} waits for it. */
    static volatile CountDownLatch hold = new CountDownLatch(0);

    @TempDir
    static Path home;

    static LocalExecutor local;
    static Dispatcher dispatcher;
    static UiServer server;
    static WebDriver browser;

    // the stand-in cluster: the mock API server, the Job-controller stand-in running each pod as a runc container
    static dev.valence.tck.cluster.ApiServerBed api;
    static dev.valence.tck.cluster.JobControllerStandIn standIn;
    static dev.valence.tck.pods.RuncPodRunner runner;
    static dev.valence.core.KubernetesExecutor k8s;
    static dev.valence.spi.ClusterGateway gateway;
    static Path storeDir;

    @BeforeAll
    static void start() {
        assumeBrowser();
        local = new LocalExecutor();
        dispatcher = new Dispatcher(home.resolve("cache"));
        api = dev.valence.tck.cluster.ApiServerBed.start();
        storeDir = dev.valence.tck.pods.HostDirs.writableByAnyUid(home.resolve("store"));
        runner = dev.valence.tck.pods.RuncPodRunner.builder().client(api.client()).hostPath("/data", storeDir).build();
        standIn = new dev.valence.tck.cluster.JobControllerStandIn(api);
        standIn.runJobsWith(runner);
        k8s = dev.valence.core.KubernetesExecutor.builder().environment(java.util.Map.of()).userHome(home)
                .k8sConfigFile(api.kubeconfig()).k8sContext(dev.valence.tck.cluster.ApiServerBed.CONTEXT)
                .registry(dev.valence.tck.pods.SharedBeds.registry().host()).baseImage(dev.valence.tck.pods.SharedBeds.jreImage())
                .dataStore(storeDir.toString()).set("data_store_mount", "/data").cacheDir(home.resolve("k8s-cache"))
                .pollFreq(Duration.ofSeconds(1)).build();
        dev.valence.api.Settings settings = dev.valence.spi.Plugins.load(UiBrowserTest.class.getClassLoader())
                .declareKeys(dev.valence.api.Settings.builder()).environment(java.util.Map.of()).userHome(home)
                .k8sConfigFile(api.kubeconfig()).k8sContext(dev.valence.tck.cluster.ApiServerBed.CONTEXT)
                .namespace(dev.valence.tck.cluster.ApiServerBed.NAMESPACE).build();
        gateway = dev.valence.spi.Plugins.load(UiBrowserTest.class.getClassLoader()).clusterGateway("fabric8").create(settings);
        DispatcherUiBackend backend = new DispatcherUiBackend(() -> dispatcher, new ClusterJobs(() -> gateway, () -> null),
                () -> dev.valence.api.Settings.builder().build(), id -> "resumed " + id);
        server = UiServer.start(backend, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        browser = chromium();
    }

    /** Aborts (skips) the test when the browser is missing, unless it is required: then fails saying what to install. */
    static void assumeBrowser() {
        if (!browserUsable()) {
            Assumptions.abort("chromium and chromium-driver are not installed (scripts/test.sh installs them, and CI "
                    + "runs it: there this test runs)");
        }
    }

    /** Whether the browser is installed; when it is required and missing, fails saying what to install. */
    static boolean browserUsable() {
        boolean installed = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
        assertTrue(installed || !required(), "the browser test needs Debian's chromium and chromium-driver: "
                + "apt-get install chromium chromium-driver (scripts/test.sh does)");
        return installed;
    }

    /** On CI ({@code CI} set) and under scripts/test.sh ({@code VALENCE_REQUIRE_BROWSER}) a missing browser fails. */
    static boolean required() {
        return System.getenv("CI") != null || System.getenv("VALENCE_REQUIRE_BROWSER") != null;
    }

    /** Headless Chromium as CI runs it: no sandbox (root in a container), no GPU, no network of its own. */
    static WebDriver chromium() {
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                "--disable-background-networking", "--disable-dev-shm-usage", "--window-size=1400,900");
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(CHROMEDRIVER.toString())).usingAnyFreePort().build();
        return new ChromeDriver(service, options);
    }

    @AfterAll
    static void stop() {
        hold.countDown();
        if (browser != null) {
            browser.quit();
        }
        if (server != null) {
            server.close();
        }
        if (dispatcher != null) {
            dispatcher.close();
        }
        for (AutoCloseable c : new AutoCloseable[] {k8s, gateway, standIn, runner, api}) {
            if (c != null) {
                try {
                    c.close();
                } catch (Exception e) {
                    // the next one still closes
                }
            }
        }
        if (local != null) {
            local.close();
        }
    }

    /**
     * prepare → (clean, tokenize, count) → report; {@code tokenize} waits for {@link #hold} (on the cluster: for
     * its {@code release} file), unless {@code failCount}: then {@code count} throws.
     */
    static Workflow<?> pipeline(Executor e, boolean failCount) {
        boolean onCluster = e instanceof dev.valence.core.KubernetesExecutor;
        Task1<String, String> prepare = Task.of("prepare", s -> s.trim(), e);
        Task1<String, String> clean = Task.of("clean", s -> s.toLowerCase(Locale.ROOT), e);
        Task1<String, Integer> tokenize = Task.of("tokenize", s -> {
            if (onCluster) {
                waitForRelease();
            } else if (!failCount) {
                hold.await();
            }
            return s.split(" ").length;
        }, e);
        Task1<String, Integer> count = Task.of("count", s -> {
            if (failCount) {
                throw new IllegalArgumentException("cannot count '" + s + "': the counter is broken");
            }
            return s.length();
        }, e);
        Task3<String, Integer, Integer, String> report = Task.of("report", (c, t, n) -> c + ": " + t + " words, "
                + n + " chars", e);
        return Workflow.of("text_pipeline", (Node<String> s) -> {
            Node<String> p = prepare.call(s);
            return report.call(clean.call(p), tokenize.call(p), count.call(p));
        });
    }

    /** In the pod: waits until the test writes {@code release} in the node's store folder (at most a minute). */
    static void waitForRelease() throws InterruptedException {
        Path release = Path.of(System.getenv("VALENCE_K8S_DATA_STORE"), System.getenv("VALENCE_DISPATCH_ID"),
                System.getenv("VALENCE_NODE_ID"), "release");
        for (int i = 0; i < 1200 && !Files.exists(release); i++) {
            Thread.sleep(50);
        }
    }

    /** Element 2 throws; the others give their square. */
    static Integer squareButNotTwo(Integer x) {
        if (x == 2) {
            throw new IllegalStateException("two is not welcome");
        }
        return x * x;
    }

    private WebDriverWait waiting() {
        return new WebDriverWait(browser, Duration.ofSeconds(20));
    }

    private WebElement node(String task) {
        return browser.findElement(By.xpath("//*[local-name()='g'][contains(@class,'node')][.//*[local-name()='text']"
                + "[normalize-space()='" + task + "']]"));
    }

    private void screenshot(String name) throws Exception {
        Path shot = ((org.openqa.selenium.TakesScreenshot) browser).getScreenshotAs(OutputType.FILE).toPath();
        Path target = Path.of("target", name);
        Files.createDirectories(target.getParent());
        Files.copy(shot, target, StandardCopyOption.REPLACE_EXISTING);
    }

    @Test
    void watchesADispatchRunOpensAFailedNodesTraceAndCancelsOne() throws Exception {
        String running = dispatcher.dispatch(pipeline(k8s, false), List.of(" The quick brown fox "));
        String failed = dispatcher.dispatch(pipeline(local, true), List.of(" jumps over "));

        // the list: both dispatches, filterable
        browser.get(server.uri().toString());
        waiting().until(ExpectedConditions.numberOfElementsToBe(By.cssSelector("tr.dispatch-row"), 2));
        assertEquals(TaskStatus.FAILED, dispatcher.result(failed, true).status());
        new org.openqa.selenium.support.ui.Select(browser.findElement(By.id("filter-status"))).selectByValue("RUNNING");
        waiting().until(ExpectedConditions.numberOfElementsToBe(By.cssSelector("tr.dispatch-row"), 1));
        assertEquals(running, browser.findElement(By.cssSelector("tr.dispatch-row")).getAttribute("data-id"));
        assertEquals("stream", browser.findElement(By.tagName("body")).getAttribute("data-live"),
                "the list is pushed by its event stream, not polled");

        // the running dispatch: five boxes, tokenize RUNNING, then COMPLETED once released
        browser.findElement(By.cssSelector("tr.dispatch-row")).click();
        waiting().until(ExpectedConditions.numberOfElementsToBe(By.cssSelector("#graph g.node"), 5));
        assertEquals(6, browser.findElements(By.cssSelector("#graph path.edge")).size(),
                "edges: prepare to clean, tokenize, count; those three to report");
        new WebDriverWait(browser, Duration.ofSeconds(90)) // the first pods wait for the task image to be built
                .until(d -> "RUNNING".equals(node("tokenize").getAttribute("data-status")));
        waiting().until(d -> "COMPLETED".equals(node("clean").getAttribute("data-status")));
        // the running node's pod, a real container on the stand-in cluster
        node("tokenize").click();
        waiting().until(ExpectedConditions.textToBePresentInElementLocated(By.id("panel-pods"), "Running"));
        assertTrue(browser.findElement(By.id("panel-where")).getText().contains("valence-"), "the node's Job");
        screenshot("ui-running.png");
        Files.writeString(storeDir.resolve(running).resolve("tokenize").resolve("release"), "go");
        waiting().until(d -> "COMPLETED".equals(node("tokenize").getAttribute("data-status")));
        waiting().until(d -> "COMPLETED".equals(node("report").getAttribute("data-status")));
        waiting().until(ExpectedConditions.textToBe(By.id("dispatch-status"), "COMPLETED"));
        assertTrue(browser.findElements(By.cssSelector("#timeline rect.bar")).size() >= 5, "a bar per node run");
        // pushed, not polled: the page read the dispatch from its event stream only
        Object fetched = ((org.openqa.selenium.JavascriptExecutor) browser).executeScript(
                "return performance.getEntriesByType('resource').map(e => e.name).filter(n => n.endsWith('/api/dispatches/"
                + running + "'))");
        assertEquals(List.of(), fetched, "the dispatch was never fetched (polled): its stream (listed once it ends) fed it");
        assertEquals("stream", browser.findElement(By.tagName("body")).getAttribute("data-live"));

        // the failed dispatch: the failed node's trace in the panel
        browser.get(server.uri().resolve("/dispatch/" + failed).toString());
        waiting().until(d -> "FAILED".equals(node("count").getAttribute("data-status")));
        node("count").click();
        waiting().until(ExpectedConditions.textToBePresentInElementLocated(By.id("panel-trace"),
                "java.lang.IllegalArgumentException: cannot count 'jumps over': the counter is broken"));
        assertTrue(browser.findElement(By.id("panel-trace")).getText().contains("at dev.valence.distribution.UiBrowserTest"),
                "the remote stack trace's frames");
        assertTrue(browser.findElement(By.id("panel-inputs")).getText().contains("jumps over"),
                "the input: prepare's value");
        screenshot("ui-failed-node.png");

        // cancel a running dispatch, after the confirmation
        hold = new CountDownLatch(1);
        String toCancel = dispatcher.dispatch(pipeline(local, false), List.of("a b"));
        browser.get(server.uri().resolve("/dispatch/" + toCancel).toString());
        waiting().until(d -> "RUNNING".equals(node("tokenize").getAttribute("data-status")));
        browser.findElement(By.id("cancel")).click();
        waiting().until(ExpectedConditions.alertIsPresent()).accept();
        waiting().until(ExpectedConditions.textToBe(By.id("dispatch-status"), "CANCELLED"));
        waiting().until(d -> "CANCELLED".equals(node("tokenize").getAttribute("data-status")));
        assertEquals(TaskStatus.CANCELLED, dispatcher.result(toCancel).status());

        // a sub-workflow: a box holding its nodes
        String nested = dispatcher.dispatch(DemoWorkflows.Nested.workflow(local, local), List.of("ab"));
        assertEquals(TaskStatus.COMPLETED, dispatcher.result(nested, true).status());
        browser.get(server.uri().resolve("/dispatch/" + nested).toString());
        waiting().until(ExpectedConditions.numberOfElementsToBe(By.cssSelector("#graph g.node"),
                dispatcher.result(nested).nodes().size()));
        assertEquals(1, browser.findElements(By.cssSelector("#graph g.node.wf")).size(), "one sub-workflow box");
        screenshot("ui-nested.png");

        // a map: each element's status and result or error in the panel
        Task1<Integer, List<Integer>> upTo = Task.of("up_to", (Integer n) -> new java.util.ArrayList<>(
                java.util.stream.IntStream.range(0, n).boxed().toList()), local);
        Task1<Integer, Integer> square = Task.of("square", UiBrowserTest::squareButNotTwo, local)
                .with(o -> o.minSuccessRatio(0.5));
        String mapped = dispatcher.dispatch(Workflow.of("squares", (Node<Integer> n) -> square.map(upTo.call(n))), List.of(4));
        assertEquals(TaskStatus.COMPLETED, dispatcher.result(mapped, true).status());
        browser.get(server.uri().resolve("/dispatch/" + mapped).toString());
        waiting().until(ExpectedConditions.numberOfElementsToBe(By.cssSelector("#graph g.node"), 2));
        node("square").click();
        waiting().until(ExpectedConditions.numberOfElementsToBe(By.cssSelector("#panel-map-table tbody tr"), 4));
        assertEquals("3 of 4 elements succeeded", browser.findElement(By.id("panel-map-counts")).getText());
        List<String> rows = browser.findElements(By.cssSelector("#panel-map-table tbody tr")).stream()
                .map(WebElement::getText).toList();
        assertEquals("1 SUCCEEDED 1", rows.get(1));
        assertEquals("2 FAILED java.lang.IllegalStateException: two is not welcome", rows.get(2));
        screenshot("ui-map.png");

        // an unknown dispatch: the 404 page
        browser.get(server.uri().resolve("/dispatch/nosuch42").toString());
        assertTrue(browser.findElement(By.id("not-found")).getText().contains("404: no dispatch 'nosuch42'"));
    }
}
