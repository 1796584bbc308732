package dev.valence.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.valence.api.Executor;
import dev.valence.api.Node;
import dev.valence.api.Settings;
import dev.valence.api.Task;
import dev.valence.api.Task1;
import dev.valence.api.TaskStatus;
import dev.valence.api.Workflow;
import dev.valence.core.Dispatcher;
import dev.valence.core.LocalExecutor;
import dev.valence.distribution.ui.UiServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code valence ui}'s server over plain HTTP: the JSON API on real dispatch records (local executor),
 * the layout, 404s, DNS-rebinding and token checks, secrets kept out, and a record cut short.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class UiServerTest {
    private static final String SECRET = "hunter2-very-secret";

    @TempDir
    Path home;

    LocalExecutor local;
    Dispatcher dispatcher;
    UiServer server;
    final HttpClient http = HttpClient.newHttpClient();
    /** {@code second} waits for it (static: a task's function must not hold the test). */
    static volatile CountDownLatch hold = new CountDownLatch(0);

    @BeforeEach
    void setUp() {
        local = new LocalExecutor();
        dispatcher = new Dispatcher(home.resolve("cache"));
        server = start(dispatcher);
    }

    private static UiServer start(Dispatcher dispatcher) {
        Settings settings = Settings.builder().knownKey("store_secret_key", "").sensitiveKeys(List.of("store_secret_key"))
                .set("store_secret_key", SECRET).namespace("team-a").build();
        DispatcherUiBackend backend = new DispatcherUiBackend(() -> dispatcher, null, () -> settings,
                id -> "resumed " + id);
        return UiServer.start(backend, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    }

    @AfterEach
    void tearDown() {
        hold.countDown();
        server.close();
        dispatcher.close();
        local.close();
    }

    private static Workflow<?> chain(Executor e) {
        Task1<String, String> first = Task.of("first", s -> s + "1", e);
        Task1<String, String> second = Task.of("second", s -> {
            hold.await();
            return s + "2";
        }, e);
        Task1<String, String> third = Task.of("third", s -> s + "3", e);
        return Workflow.of("chain", (Node<String> s) -> third.call(second.call(first.call(s))));
    }

    private static Workflow<?> failing(Executor e) {
        Task1<String, String> boom = Task.of("boom", s -> {
            throw new IllegalStateException("no " + s + " today, key " + SECRET);
        }, e);
        return Workflow.of("failing", (Node<String> s) -> boom.call(s));
    }

    private String finished(Workflow<?> w, Object... args) {
        String id = dispatcher.dispatch(w, List.of(args));
        dispatcher.result(id, true);
        return id;
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(server.uri().resolve(path)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String path, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(server.uri().resolve(path)).POST(HttpRequest.BodyPublishers.noBody());
        if (token != null) {
            b.header(UiServer.TOKEN_HEADER, token);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A request with a Host header of our choosing (java.net.http will not send another Host): the status code. */
    private int rawStatus(String host, String origin) throws IOException {
        return rawStatus("/api/dispatches", host, origin);
    }

    private int rawStatus(String path, String host, String origin) throws IOException {
        URI u = server.uri();
        try (Socket s = new Socket(u.getHost(), u.getPort())) {
            OutputStream out = s.getOutputStream();
            out.write(("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\n" + (origin == null ? "" : "Origin: "
                    + origin + "\r\n") + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            String status = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1).lines().findFirst().orElse("");
            return Integer.parseInt(status.split(" ")[1]);
        }
    }

    @Test
    void listsDispatchesWithStatusNodeCountsAndFilters() throws Exception {
        String ok = finished(chain(local), "a");
        String bad = finished(failing(local), "b");

        String all = get("/api/dispatches").body();
        assertTrue(all.contains("\"id\": \"" + ok + "\""), all);
        assertTrue(all.contains("\"id\": \"" + bad + "\""), all);
        assertTrue(all.contains("\"nodes\": 3,\n    \"completed\": 3"), all);
        assertTrue(all.contains("\"duration_ms\""), all);

        String failed = get("/api/dispatches?status=failed").body();
        assertTrue(failed.contains(bad) && !failed.contains(ok), failed);
        String byName = get("/api/dispatches?name=cha").body();
        assertTrue(byName.contains(ok) && !byName.contains(bad), byName);
    }

    @Test
    void cachedNodesCountAsDoneAndShowTheirValue() throws Exception {
        Settings settings = Settings.builder().environment(java.util.Map.of()).userHome(home).cacheDir(home.resolve("cache"))
                .dataStore(home.resolve("store").toString()).set("cache", true).build();
        try (LocalExecutor caching = new LocalExecutor(new dev.valence.store.local.LocalStoreFactory().create(settings),
                settings)) {
            finished(chain(caching), "c");
            String again = finished(chain(caching), "c");
            String list = get("/api/dispatches").body();
            assertTrue(list.contains("\"id\": \"" + again + "\",") && list.contains("\"nodes\": 3,\n    \"completed\": 3"), list);
            String first = get("/api/dispatches/" + again).body()
                    .replaceAll("(?s).*\"id\": \"([^\"]+)\",\\s+\"task\": \"first\".*", "$1");
            String node = get("/api/dispatches/" + again + "/nodes/" + first).body();
            assertTrue(node.contains("\"status\": \"CACHED\"") && node.contains("\"result\": \"c1\""), node);
        }
    }

    @Test
    void aDispatchHasItsNodesPlacedByTheLayoutAndItsEdges() throws Exception {
        String id = finished(chain(local), "a");
        HttpResponse<String> r = get("/api/dispatches/" + id);
        assertEquals(200, r.statusCode(), r.body());
        String body = r.body();
        for (String task : List.of("first", "second", "third")) {
            assertTrue(body.contains("\"task\": \"" + task + "\""), body);
        }
        List<Double> xs = numbers(body, "x");
        assertEquals(3, xs.size(), body);
        assertTrue(xs.get(0) < xs.get(1) && xs.get(1) < xs.get(2), "layered left to right along the data: " + xs);
        assertEquals(2, count(body, "\"from\": "), "an edge per data dependency: " + body);
        assertTrue(body.contains("\"points\": ["), body);
        assertTrue(body.contains("\"status\": \"COMPLETED\""), body);
    }

    @Test
    void aSubWorkflowsBoxHoldsItsNodes() throws Exception {
        String id = finished(DemoWorkflows.Nested.workflow(local, local), "x");
        String body = get("/api/dispatches/" + id).body();
        assertTrue(body.contains("\"workflow\": true"), body);
        Matcher box = Pattern.compile("\"id\": \"([^\"]+)\",\\s+\"task\": \"[^\"]*\",\\s+\"status\": \"\\w+\",\\s+"
                + "\"workflow\": (true|false),\\s+\"parent\": (null|\"([^\"]+)\")[^{}]*?\"x\": ([0-9.]+),\\s+\"y\": ([0-9.]+),"
                + "\\s+\"w\": ([0-9.]+),\\s+\"h\": ([0-9.]+)").matcher(body);
        java.util.Map<String, double[]> boxes = new java.util.HashMap<>();
        java.util.Map<String, String> parents = new java.util.HashMap<>();
        while (box.find()) {
            boxes.put(box.group(1), new double[] {Double.parseDouble(box.group(5)), Double.parseDouble(box.group(6)),
                    Double.parseDouble(box.group(7)), Double.parseDouble(box.group(8))});
            if (box.group(4) != null) {
                parents.put(box.group(1), box.group(4));
            }
        }
        assertEquals(2, parents.size(), "the two inner nodes name their sub-workflow: " + body);
        assertEquals(2, count(body, "\"from\": "), "twice → twice inside, the sub-workflow → shout; none between "
                + "the box and what it holds: " + body);
        parents.forEach((child, parent) -> {
            double[] c = boxes.get(child);
            double[] p = boxes.get(parent);
            assertTrue(c[0] >= p[0] && c[1] >= p[1] && c[0] + c[2] <= p[0] + p[2] && c[1] + c[3] <= p[1] + p[3],
                    child + " is drawn inside " + parent + ": " + java.util.Arrays.toString(c) + " in "
                            + java.util.Arrays.toString(p));
        });
    }

    @Test
    void aFailedNodeShowsItsRemoteTraceAndSecretsNeverLeave() throws Exception {
        String id = finished(failing(local), "rain");
        String dispatch = get("/api/dispatches/" + id).body();
        String node = dispatch.replaceAll("(?s).*\"id\": \"([^\"]+)\",\\s+\"task\": \"boom\".*", "$1");
        HttpResponse<String> r = get("/api/dispatches/" + id + "/nodes/" + node);
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(r.body().contains("\"status\": \"FAILED\""), r.body());
        assertTrue(r.body().contains("java.lang.IllegalStateException: no rain today, key ****"), r.body());
        assertTrue(r.body().contains("at dev.valence.distribution.UiServerTest"), "the trace's frames: " + r.body());
        assertTrue(r.body().contains("\"inputs\""), r.body());
        String settings = get("/api/settings").body();
        assertTrue(settings.contains("\"store_secret_key\": \"****\""), settings);
        assertTrue(settings.contains("\"namespace\": \"team-a\""), settings);
        for (String answer : List.of(dispatch, r.body(), settings, get("/api/dispatches").body(), get("/").body())) {
            assertFalse(answer.contains(SECRET), answer);
            assertFalse(answer.contains("hunter2"), answer);
        }
        String log = get("/api/dispatches/" + id + "/nodes/" + node + "/log").body();
        assertTrue(log.contains("no Job: the node ran on executor"), log);
    }

    /** A running dispatch whose node {@code work} runs on the cluster as Job {@code job}, as its record says. */
    private void recordClusterNode(String dispatch, String job) throws IOException {
        ClusterNodeRecord.write(dispatcher.recordsDir(), dispatch, job, false);
    }

    @Test
    void aClusterThatCannotListTheNodesPodsIsSaidInTheAnswerNotA500AndOnlyNodesWithAJobAsk() throws Exception {
        java.util.concurrent.atomic.AtomicInteger asked = new java.util.concurrent.atomic.AtomicInteger();
        ClusterJobs unreachable = new ClusterJobs(() -> {
            asked.incrementAndGet();
            throw new dev.valence.api.ValenceException(dev.valence.api.ErrorKind.CLUSTER,
                    "cannot reach https://10.9.9.9:6443 (connection refused) with token " + SECRET);
        }, () -> null);
        server.close();
        Settings settings = Settings.builder().knownKey("store_secret_key", "").sensitiveKeys(List.of("store_secret_key"))
                .set("store_secret_key", SECRET).build();
        server = UiServer.start(new DispatcherUiBackend(() -> dispatcher, unreachable, () -> settings, id -> ""),
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));

        String localId = finished(chain(local), "a");
        String first = get("/api/dispatches/" + localId).body()
                .replaceAll("(?s).*\"id\": \"([^\"]+)\",\\s+\"task\": \"first\".*", "$1");
        String localNode = get("/api/dispatches/" + localId + "/nodes/" + first).body();
        assertTrue(localNode.contains("\"pods\": []") && localNode.contains("no Job: the node ran on executor"), localNode);
        assertEquals(0, asked.get(), "a node without a Job does not ask the cluster");

        recordClusterNode("c0ffee000002", "valence-c0ffee000002-work");
        HttpResponse<String> node = get("/api/dispatches/c0ffee000002/nodes/work");
        assertEquals(200, node.statusCode(), node.body());
        assertTrue(node.body().contains("the pods of Job valence-c0ffee000002-work could not be listed: cannot reach "
                + "https://10.9.9.9:6443 (connection refused)"), node.body());
        assertTrue(asked.get() > 0, "a node with a Job asks the cluster");
        HttpResponse<String> podLog = get("/api/dispatches/c0ffee000002/nodes/work/pods/valence-c0ffee000002-work-x1/log");
        assertEquals(200, podLog.statusCode(), podLog.body());
        assertTrue(podLog.body().contains("could not be read: cannot reach"), podLog.body());
        for (String answer : List.of(node.body(), podLog.body())) {
            assertFalse(answer.contains(SECRET), answer);
            assertTrue(answer.contains("with token ****"), answer);
        }
    }

    private Events events(String path) throws Exception {
        return Events.open(http, server.uri().resolve(path));
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aDispatchsEventStreamPushesANodeChangeAsTheRecordChanges() throws Exception {
        hold = new CountDownLatch(1);
        String id = dispatcher.dispatch(chain(local), List.of("a"));
        while (dispatcher.result(id).nodes().stream().noneMatch(n -> n.taskName().equals("second")
                && n.status() == TaskStatus.RUNNING)) {
            java.util.concurrent.locks.LockSupport.parkNanos(10_000_000L);
        }
        try (Events events = events("/api/dispatches/" + id + "/events")) {
            assertEquals(200, events.response.statusCode());
            assertTrue(events.response.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"));
            Events.Event first = events.next();
            assertEquals("dispatch", first.name(), first.data());
            assertTrue(first.data().contains("\"nodes_list\"") && first.data().contains("\"edges\""), first.data());
            assertTrue(first.data().matches("(?s).*\"task\": \"second\",\\s+\"status\": \"RUNNING\".*"), first.data());

            hold.countDown();
            Events.Event change = events.until("nodes", "\"task\": \"second\",\\s+\"status\": \"COMPLETED\"");
            assertFalse(change.data().contains("\"task\": \"first\""), "only the nodes that changed: " + change.data());
            String done = "\"summary\": \\{\\s+\"id\": \"[^\"]+\",\\s+\"workflow\": \"chain\",\\s+\"status\": \"COMPLETED\"";
            if (!Pattern.compile(done).matcher(change.data()).find()) {
                events.until("nodes", done); // the dispatch's end came in a later event
            }
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void theListsEventStreamPushesTheFilteredListAgainWhenADispatchIsAddedOrChanges() throws Exception {
        String failed = finished(failing(local), "x");
        hold = new CountDownLatch(1);
        try (Events all = events("/api/dispatches/events");
             Events onlyChains = events("/api/dispatches/events?name=chain")) {
            Events.Event first = all.next();
            assertEquals("list", first.name(), first.data());
            assertTrue(first.data().contains(failed), first.data());
            assertEquals("[]", onlyChains.next().data().replaceAll("\\s", ""), "the filter applies to the stream");

            String running = dispatcher.dispatch(chain(local), List.of("a"));
            all.until("list", "\"id\": \"" + running + "\",\\s+\"workflow\": \"chain\",\\s+\"status\": \"RUNNING\"");
            Events.Event chains = onlyChains.until("list", running);
            assertFalse(chains.data().contains(failed), "the filter applies to later events too: " + chains.data());

            hold.countDown();
            all.until("list", "\"id\": \"" + running + "\",\\s+\"workflow\": \"chain\",\\s+\"status\": \"COMPLETED\"");
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void eventStreamsAreCheckedForHostAndOriginBoundedInNumberAndEndWhenTheServerStops() throws Exception {
        String id = finished(chain(local), "a");
        String path = "/api/dispatches/" + id + "/events";
        int port = server.uri().getPort();
        assertEquals(403, rawStatus(path, "evil.example:" + port, null), "a rebound DNS name");
        assertEquals(403, rawStatus(path, "127.0.0.1:" + port, "http://evil.example"), "a page of another origin");
        assertEquals(404, get("/api/dispatches/nosuch123/events").statusCode());

        List<Events> open = new java.util.ArrayList<>();
        try {
            for (int i = 0; i < 32; i++) {
                Events e = events(path);
                assertEquals(200, e.response.statusCode());
                assertEquals("dispatch", e.next().name());
                open.add(e);
            }
            HttpResponse<String> refused = get(path);
            assertEquals(503, refused.statusCode(), refused.body());
            assertTrue(refused.body().contains("too many event streams open (32)"), refused.body());
            assertEquals(200, get("/api/dispatches/" + id).statusCode(), "held streams do not block other requests");

            server.close();
            for (Events e : open) {
                // a finished dispatch sends nothing more: the next read returns only because the stream ended
                assertEquals(null, e.next(), "the stream ended with the server");
            }
        } finally {
            open.forEach(Events::close);
        }
    }

    /** Element 2 throws (with the secret in its message); the others give their square, element 4 a long text. */
    static String squareButNotTwo(Integer x) {
        if (x == 2) {
            throw new IllegalStateException("two is not welcome, key " + SECRET);
        }
        return x == 4 ? "x".repeat(1000) : Integer.toString(x * x);
    }

    @Test
    void aMapNodeShowsEachElementsStatusResultOrErrorShortenedAndRedacted() throws Exception {
        Task1<Integer, List<Integer>> upTo = Task.of("up_to", (Integer n) -> new java.util.ArrayList<>(
                java.util.stream.IntStream.range(0, n).boxed().toList()), local);
        Task1<Integer, String> square = Task.of("square", UiServerTest::squareButNotTwo, local)
                .with(o -> o.minSuccessRatio(0.5));
        String id = finished(Workflow.of("squares", (Node<Integer> n) -> square.map(upTo.call(n))), 5);
        String node = get("/api/dispatches/" + id + "/nodes/square").body();
        assertTrue(node.contains("\"elements\": 5") && node.contains("\"succeeded\": 4"), node);
        Matcher each = Pattern.compile("\"index\": (\\d+),\\s+\"status\": \"(\\w+)\",\\s+\"result\": (null|\"[^\"]*\"),"
                + "\\s+\"error\": (null|\"[^\"]*\")").matcher(node);
        List<String> rows = new java.util.ArrayList<>();
        while (each.find()) {
            rows.add(each.group(1) + " " + each.group(2) + " " + each.group(3) + " " + each.group(4));
        }
        assertEquals(5, rows.size(), node);
        assertEquals("0 SUCCEEDED \"0\" null", rows.get(0));
        assertEquals("2 FAILED null \"java.lang.IllegalStateException: two is not welcome, key ****\"", rows.get(2));
        assertTrue(rows.get(4).contains("… (700 more characters)"), "shortened: " + rows.get(4));
        assertFalse(node.contains(SECRET), node);
    }

    @Test
    void anUnknownDispatchIsA404PageAndA404Answer() throws Exception {
        HttpResponse<String> page = get("/dispatch/nosuch123");
        assertEquals(404, page.statusCode());
        assertTrue(page.body().contains("404: no dispatch 'nosuch123'"), page.body());
        assertEquals(404, get("/api/dispatches/nosuch123").statusCode());
        assertEquals(404, get("/api/dispatches/..%2F..%2Fetc").statusCode());
        String id = finished(chain(local), "a");
        assertEquals(200, get("/dispatch/" + id).statusCode());
        assertEquals(404, get("/api/dispatches/" + id + "/nodes/nosuch").statusCode());
    }

    @Test
    void refusesRequestsForAnotherHostOrFromAnotherOrigin() throws Exception {
        int port = server.uri().getPort();
        assertEquals(200, rawStatus("127.0.0.1:" + port, null));
        assertEquals(200, rawStatus("localhost:" + port, "http://localhost:" + port));
        assertEquals(403, rawStatus("evil.example:" + port, null), "a rebound DNS name");
        assertEquals(403, rawStatus("127.0.0.1:" + port, "http://evil.example"), "a page of another origin");
        assertEquals(403, rawStatus("127.0.0.1:" + (port + 1), null), "another port");
    }

    @Test
    void actionsNeedAPostWithTheSessionToken() throws Exception {
        hold = new CountDownLatch(1);
        String id = dispatcher.dispatch(chain(local), List.of("a"));
        assertEquals(405, get("/api/dispatches/" + id + "/cancel").statusCode());
        assertEquals(403, post("/api/dispatches/" + id + "/cancel", null).statusCode());
        assertEquals(403, post("/api/dispatches/" + id + "/cancel", server.token() + "x").statusCode());
        assertEquals(TaskStatus.RUNNING, dispatcher.result(id).status(), "refused actions did nothing");
        assertTrue(get("/").body().contains(server.token()), "the page carries the token");

        HttpResponse<String> cancel = post("/api/dispatches/" + id + "/cancel", server.token());
        assertEquals(200, cancel.statusCode(), cancel.body());
        assertEquals(TaskStatus.CANCELLED, dispatcher.result(id, true).status());
        HttpResponse<String> again = post("/api/dispatches/" + id + "/cancel", server.token());
        assertEquals(409, again.statusCode(), again.body());
        assertTrue(again.body().contains("has already finished: CANCELLED"), again.body());
        HttpResponse<String> resume = post("/api/dispatches/" + id + "/resume", server.token());
        assertEquals(200, resume.statusCode(), resume.body());
        assertTrue(resume.body().contains("resumed " + id), resume.body());
    }

    @Test
    void aRecordCutShortWhileReadServesTheLastCompleteVersionNotA500() throws Exception {
        String id = finished(chain(local), "a");
        // the ui in a process of its own: it reads the record file, not the dispatcher's live state
        Dispatcher reader = new Dispatcher(home.resolve("cache"));
        server.close();
        server = start(reader);
        assertEquals(200, get("/api/dispatches/" + id).statusCode());
        Path record = dispatcher.recordsDir().resolve(id).resolve("record.properties");
        String whole = Files.readString(record);
        // what a reader meets when a writer rewrites the file in place: a part of it
        Files.writeString(record, whole.substring(0, whole.indexOf("status=")));

        HttpResponse<String> r = get("/api/dispatches/" + id);
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(r.body().contains("\"stale\": true"), r.body());
        assertTrue(r.body().contains("\"status\": \"COMPLETED\""), r.body());

        try (UiServer fresh = start(reader)) {
            HttpResponse<String> first = http.send(HttpRequest.newBuilder(fresh.uri().resolve("/api/dispatches/" + id))
                    .GET().build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(503, first.statusCode(), "no complete version seen yet: try again, not a 500");
            assertEquals("1", first.headers().firstValue("Retry-After").orElse(""));
        }
        Files.writeString(record, whole);
        HttpResponse<String> back = get("/api/dispatches/" + id);
        assertTrue(back.body().contains("\"stale\": false"), back.body());
        reader.close();
    }

    @Test
    void servesThePageAndItsAssetsFromItself() throws Exception {
        HttpResponse<String> page = get("/");
        assertEquals(200, page.statusCode());
        assertTrue(page.body().contains("<script src=\"/static/app.js\">"), page.body());
        assertFalse(page.body().contains("http://") || page.body().contains("https://"), "no CDN: " + page.body());
        assertEquals(200, get("/static/app.js").statusCode());
        assertFalse(get("/static/app.js").body().contains("https://"), "the script loads nothing from elsewhere");
        assertEquals(404, get("/static/..%2Fui%2Findex.html").statusCode());
    }

    private static List<Double> numbers(String body, String field) {
        Matcher m = Pattern.compile("\"" + field + "\": ([0-9.]+)").matcher(body);
        List<Double> out = new java.util.ArrayList<>();
        while (m.find()) {
            out.add(Double.parseDouble(m.group(1)));
        }
        return out;
    }

    private static int count(String body, String s) {
        return body.split(Pattern.quote(s), -1).length - 1;
    }
}
