package dev.valence.benchmarks;

import dev.valence.api.Node;
import dev.valence.api.Task;
import dev.valence.api.Task1;
import dev.valence.api.Task2;
import dev.valence.api.TaskStatus;
import dev.valence.api.Workflow;
import dev.valence.api.WorkflowResult;
import dev.valence.core.Dispatcher;
import dev.valence.core.LocalExecutor;
import dev.valence.distribution.ui.UiBackend;
import dev.valence.distribution.ui.UiServer;
import java.io.File;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Issue 25: time to first render of {@code valence ui}'s dispatch page in headless Chromium for a
 * dispatch of {@code --nodes} nodes (25 chains joined pairwise, from one source), against the same
 * page for a 10-node dispatch (the baseline), alternated. Each open is a fresh server (so the ELK
 * layout is computed, as on a user's first open) and a fresh page load; the time is the page's own
 * {@code performance.now()} once the frame holding the graph was painted (navigation start → HTML,
 * script, the dispatch's JSON with its layout, the SVG). Needs Debian's {@code chromium} and
 * {@code chromium-driver}.
 */
public final class UiRender {
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

    private UiRender() {
    }

    /** Options: {@code --nodes=1000 --baseline-nodes=10 --warmup=2 --runs=7}. */
    public static void main(String[] args) throws Exception {
        Logging.quiet();
        run(Options.parse(args), System.out);
    }

    static void run(Options o, PrintStream out) throws Exception {
        o.only("nodes", "baseline-nodes", "warmup", "runs");
        int nodes = o.integer("nodes", 1000);
        int baselineNodes = o.integer("baseline-nodes", 10);
        int warmup = o.integer("warmup", 2);
        int runs = o.integer("runs", 7);
        if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(CHROMEDRIVER)) {
            throw new IllegalStateException("UiRender needs " + CHROMIUM + " and " + CHROMEDRIVER
                    + ": apt-get install chromium chromium-driver");
        }
        Path cache = Files.createTempDirectory("valence-bench-ui");
        try (LocalExecutor local = new LocalExecutor(); Dispatcher dispatcher = new Dispatcher(cache)) {
            String big = dispatcher.dispatch(graph(local, nodes), List.of("x"));
            String small = dispatcher.dispatch(graph(local, baselineNodes), List.of("x"));
            WorkflowResult<Object> bigResult = dispatcher.result(big, true);
            dispatcher.result(small, true);
            if (bigResult.status() != TaskStatus.COMPLETED) {
                throw new IllegalStateException("the " + nodes + "-node dispatch ended " + bigResult.status());
            }
            out.printf("valence ui, time to first render (issue 25): a %d-node dispatch against a %d-node one, "
                    + "headless Chromium %s; %d warm-up + %d measured opens each, alternated, a fresh server "
                    + "(ELK layout computed) and page load each; %d cores, Java %s%n", bigResult.nodes().size(),
                    dispatcher.result(small).nodes().size(), "(" + CHROMIUM + ")", warmup, runs,
                    Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"));
            WebDriver browser = chromium();
            try {
                List<Double> bigMs = new ArrayList<>();
                List<Double> smallMs = new ArrayList<>();
                List<Double> bigWall = new ArrayList<>();
                List<Double> smallWall = new ArrayList<>();
                for (int i = 0; i < warmup + runs; i++) {
                    double[] s = open(browser, dispatcher, small);
                    double[] b = open(browser, dispatcher, big);
                    if (i >= warmup) {
                        smallMs.add(s[0]);
                        smallWall.add(s[1]);
                        bigMs.add(b[0]);
                        bigWall.add(b[1]);
                    }
                }
                Table t = new Table("dispatch", "median ms", "min ms", "max ms", "wall median ms");
                t.row(baselineNodes + " nodes (baseline)", median(smallMs), min(smallMs), max(smallMs), median(smallWall));
                t.row(nodes + " nodes", median(bigMs), min(bigMs), max(bigMs), median(bigWall));
                t.print(out);
                out.printf("%d nodes: first render %s ms (goal ≤ 1000 ms), %s× the %d-node page%n", nodes,
                        Table.fmt(median(bigMs)), Table.fmt(median(bigMs) / median(smallMs)), baselineNodes);
                out.println("(median ms: the page's performance.now() when the graph's frame was painted; wall: "
                        + "driver.get until then, seen from Java)");
            } finally {
                browser.quit();
            }
        }
    }

    /** A source, then chains of ~{@code n/25} steps joined pairwise: {@code n} nodes in all. */
    static Workflow<?> graph(LocalExecutor e, int n) {
        Task1<String, String> step = Task.of("step", s -> s, e);
        Task2<String, String, String> join = Task.of("join", (a, b) -> a.length() < b.length() ? a : b, e);
        int chains = Math.max(1, Math.min(25, n / 4));
        // 1 source + chains × length + (chains − 1) joins = n
        int length = Math.max(1, (n - 1 - (chains - 1)) / chains);
        int extra = n - 1 - (chains - 1) - chains * length;
        return Workflow.of("ui_bench_" + n, (Node<String> s) -> {
            Node<String> source = step.call(s);
            Node<String> joined = null;
            for (int c = 0; c < chains; c++) {
                Node<String> at = source;
                for (int k = 0; k < length + (c < extra ? 1 : 0); k++) {
                    at = step.call(at);
                }
                joined = joined == null ? at : join.call(joined, at);
            }
            return joined;
        });
    }

    private static double[] open(WebDriver browser, Dispatcher dispatcher, String id) {
        try (UiServer server = UiServer.start(new Backend(dispatcher),
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            browser.get("about:blank");
            long t0 = System.nanoTime();
            browser.get(server.uri().resolve("/dispatch/" + id).toString());
            String rendered = new WebDriverWait(browser, Duration.ofSeconds(60))
                    .pollingEvery(Duration.ofMillis(10)).until(d ->
                    d.findElement(By.tagName("body")).getAttribute("data-rendered"));
            double wall = (System.nanoTime() - t0) / 1e6;
            Object count = ((JavascriptExecutor) browser).executeScript(
                    "return document.querySelectorAll('#graph g.node').length");
            if (((Number) count).intValue() != dispatcher.result(id).nodes().size()) {
                throw new IllegalStateException("the page drew " + count + " nodes of " + dispatcher.result(id).nodes().size());
            }
            return new double[] {Double.parseDouble(rendered), wall};
        }
    }

    static WebDriver chromium() {
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                "--disable-background-networking", "--disable-dev-shm-usage", "--window-size=1400,900");
        return new ChromeDriver(new ChromeDriverService.Builder().usingDriverExecutable(new File(CHROMEDRIVER.toString()))
                .usingAnyFreePort().build(), options);
    }

    private static double median(List<Double> v) {
        List<Double> s = new ArrayList<>(v);
        s.sort(null);
        return s.size() % 2 == 1 ? s.get(s.size() / 2) : (s.get(s.size() / 2 - 1) + s.get(s.size() / 2)) / 2;
    }

    private static double min(List<Double> v) {
        return v.stream().mapToDouble(Double::doubleValue).min().orElse(0);
    }

    private static double max(List<Double> v) {
        return v.stream().mapToDouble(Double::doubleValue).max().orElse(0);
    }

    /** The UI's reads over the dispatcher; no cluster (the page's first render needs none). */
    private record Backend(Dispatcher dispatcher) implements UiBackend {
        @Override
        public List<WorkflowResult<Object>> list() {
            return dispatcher.list();
        }

        @Override
        public Optional<WorkflowResult<Object>> find(String dispatchId) {
            return Files.isDirectory(dispatcher.recordsDir().resolve(dispatchId))
                    ? Optional.of(dispatcher.result(dispatchId)) : Optional.empty();
        }

        @Override
        public Optional<List<?>> args(String dispatchId) {
            return Optional.empty();
        }

        @Override
        public String cancel(String dispatchId) {
            throw new UnsupportedOperationException("the benchmark only reads");
        }

        @Override
        public String resume(String dispatchId) {
            throw new UnsupportedOperationException("the benchmark only reads");
        }

        @Override
        public JobLog logs(String jobName, int tail) {
            return new JobLog("", false, "no cluster in the benchmark");
        }

        @Override
        public List<dev.valence.spi.PodInfo> pods(String jobName) {
            return List.of();
        }

        @Override
        public String podLog(String podName, int tail) {
            return "";
        }

        @Override
        public Map<String, String> settings() {
            return Map.of();
        }

        @Override
        public List<String> secretValues() {
            return List.of();
        }
    }
}
