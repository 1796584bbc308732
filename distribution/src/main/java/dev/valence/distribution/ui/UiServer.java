package dev.valence.distribution.ui;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.valence.api.NodeResult;
import dev.valence.api.ValenceException;
import dev.valence.api.WorkflowResult;
import dev.valence.distribution.Json;
import dev.valence.spi.PodInfo;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The web server of {@code valence ui}: the page, its script, and a JSON API over the recorded
 * dispatches. Only requests whose {@code Host} (and {@code Origin}, when sent) name this server are
 * answered (DNS-rebinding protection); actions need a POST carrying the session's token.
 */
public final class UiServer implements AutoCloseable {
    /** The header carrying the session token of an action. */
    public static final String TOKEN_HEADER = "X-Valence-Token";
    private static final Logger LOG = LoggerFactory.getLogger(UiServer.class);
    private static final String ASSETS = "/dev/valence/ui/";
    /** How often a record that cannot be parsed is read again before the last good copy is served. */
    private static final int READ_TRIES = 5;
    private static final long READ_PAUSE_NANOS = 40_000_000L;

    private final UiBackend backend;
    private final HttpServer http;
    private final ExecutorService pool;
    private final String token;
    private final Set<String> hosts;
    private final Redactor redactor;
    private final Map<String, WorkflowResult<Object>> lastGood = new ConcurrentHashMap<>();
    private final Map<String, Cached> layouts = new ConcurrentHashMap<>();
    private final EventStreams streams;
    /** Exchanges handed to {@link #streams} by the request being handled: not closed when the handler returns. */
    private final Set<HttpExchange> heldStreams = ConcurrentHashMap.newKeySet();

    private record Cached(List<String> shape, GraphLayout.Layout layout) {
    }

    private UiServer(UiBackend backend, HttpServer http, ExecutorService pool) {
        this.backend = backend;
        this.http = http;
        this.pool = pool;
        byte[] random = new byte[24];
        new SecureRandom().nextBytes(random);
        this.token = HexFormat.of().formatHex(random);
        this.hosts = hostsOf(http.getAddress());
        this.redactor = new Redactor(backend.secretValues());
        this.streams = new EventStreams(redactor::scrub);
    }

    /** Starts serving on {@code address} (port 0: any free port). */
    public static UiServer start(UiBackend backend, InetSocketAddress address) {
        HttpServer http;
        try {
            http = HttpServer.create(address, 0);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on " + address.getHostString() + ":" + address.getPort()
                    + " (" + e.getMessage() + "); choose another --port, or 0 for any free port", e);
        }
        ExecutorService pool = Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "valence-ui");
            t.setDaemon(true);
            return t;
        });
        UiServer server = new UiServer(backend, http, pool);
        http.setExecutor(pool);
        http.createContext("/", server::handle);
        http.start();
        LOG.debug("valence ui listening on {}", server.uri());
        return server;
    }

    /** Where the server answers, e.g. {@code http://127.0.0.1:8470/}. */
    public URI uri() {
        InetSocketAddress a = http.getAddress();
        return URI.create("http://" + hostPort(a.getAddress(), a.getPort()) + "/");
    }

    /** This session's token (it is in the page; actions must send it back). */
    public String token() {
        return token;
    }

    @Override
    public void close() {
        streams.close();
        http.stop(0);
        pool.shutdownNow();
    }

    /** The Host values this server answers to: its address and port, and the loopback names when bound there. */
    private static Set<String> hostsOf(InetSocketAddress a) {
        Set<String> out = new LinkedHashSet<>();
        int port = a.getPort();
        out.add(hostPort(a.getAddress(), port));
        if (a.getAddress().isLoopbackAddress() || a.getAddress().isAnyLocalAddress()) {
            out.add("localhost:" + port);
            out.add("127.0.0.1:" + port);
            out.add("[::1]:" + port);
        }
        return out;
    }

    private static String hostPort(InetAddress address, int port) {
        String host = address.getHostAddress();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }

    private void handle(HttpExchange ex) throws IOException {
        try {
            String host = Optional.ofNullable(ex.getRequestHeaders().getFirst("Host")).orElse("");
            String origin = ex.getRequestHeaders().getFirst("Origin");
            if (!hosts.contains(host.toLowerCase(java.util.Locale.ROOT))) {
                LOG.debug("refused a request for host '{}' (answering {})", host, hosts);
                send(ex, 403, "text/plain", "403: this server answers requests for " + String.join(", ", hosts)
                        + " only, not for host '" + host + "'");
                return;
            }
            if (origin != null && hosts.stream().noneMatch(h -> origin.equalsIgnoreCase("http://" + h))) {
                send(ex, 403, "text/plain", "403: requests from origin '" + origin + "' are not accepted");
                return;
            }
            route(ex);
        } catch (RuntimeException e) {
            LOG.debug("valence ui: {} {} failed", ex.getRequestMethod(), ex.getRequestURI(), e);
            send(ex, 500, "application/json", Json.write(Map.of("error", String.valueOf(e.getMessage()))));
        } finally {
            if (!heldStreams.remove(ex)) {
                ex.close(); // an event stream's exchange stays open: its stream closes it
            }
        }
    }

    private void route(HttpExchange ex) throws IOException {
        String method = ex.getRequestMethod();
        List<String> path = segments(ex.getRequestURI().getRawPath());
        boolean get = method.equals("GET") || method.equals("HEAD");
        if (path.isEmpty() && get) {
            page(ex, 200);
        } else if (path.size() == 2 && path.get(0).equals("dispatch") && get) {
            if (known(path.get(1))) {
                page(ex, 200);
            } else {
                send(ex, 404, "text/html; charset=utf-8", notFoundPage(path.get(1)));
            }
        } else if (path.size() == 2 && path.get(0).equals("static") && get) {
            asset(ex, path.get(1));
        } else if (path.size() >= 2 && path.get(0).equals("api")) {
            api(ex, method, path.subList(1, path.size()));
        } else if (!get) {
            send(ex, 405, "text/plain", "405: " + method + " is not accepted here");
        } else {
            send(ex, 404, "text/plain", "404: nothing at " + ex.getRequestURI().getPath());
        }
    }

    private void api(HttpExchange ex, String method, List<String> path) throws IOException {
        if (!path.get(0).equals("dispatches") && !path.get(0).equals("settings")) {
            json(ex, 404, Map.of("error", "no API at /api/" + String.join("/", path)));
            return;
        }
        boolean action = path.size() == 3 && (path.get(2).equals("cancel") || path.get(2).equals("resume"));
        if (action) {
            if (!method.equals("POST")) {
                json(ex, 405, Map.of("error", path.get(2) + " needs a POST"));
                return;
            }
            String sent = Optional.ofNullable(ex.getRequestHeaders().getFirst(TOKEN_HEADER)).orElse("");
            if (!MessageDigest.isEqual(sent.getBytes(StandardCharsets.UTF_8), token.getBytes(StandardCharsets.UTF_8))) {
                json(ex, 403, Map.of("error", "the session token is missing or wrong: reload the page"));
                return;
            }
        } else if (!method.equals("GET") && !method.equals("HEAD")) {
            json(ex, 405, Map.of("error", method + " is not accepted here"));
            return;
        }
        if (path.get(0).equals("settings")) {
            json(ex, 200, backend.settings());
            return;
        }
        if (path.size() == 1) {
            Map<String, String> q = query(ex.getRequestURI());
            json(ex, 200, listed(q));
            return;
        }
        if (path.size() == 2 && path.get(1).equals("events")) {
            stream(ex, LIST_PERIOD, new ListEvents(query(ex.getRequestURI())));
            return;
        }
        String id = path.get(1);
        Optional<Read> read = read(id);
        if (read.isEmpty()) {
            json(ex, 404, Map.of("error", "no dispatch '" + id + "' (see the recorded ones at /api/dispatches)"));
            return;
        }
        if (read.get().result() == null) {
            ex.getResponseHeaders().set("Retry-After", "1");
            json(ex, 503, Map.of("error", "the record of dispatch " + id + " is being written; try again"));
            return;
        }
        WorkflowResult<Object> r = read.get().result();
        if (path.size() == 3 && path.get(2).equals("events")) {
            stream(ex, DISPATCH_PERIOD, new DispatchEvents(id));
        } else if (path.size() == 6 && path.get(2).equals("nodes") && path.get(4).equals("log") && path.get(5).equals("events")) {
            Optional<NodeResult> n = r.node(path.get(3));
            if (n.isEmpty()) {
                json(ex, 404, Map.of("error", "dispatch " + id + " has no node '" + path.get(3) + "'"));
            } else {
                stream(ex, LOG_PERIOD, new LogEvents(n.get(), tail(query(ex.getRequestURI()))));
            }
        } else if (path.size() == 2) {
            Map<String, Object> m = DispatchViews.dispatch(r, layout(r), backend.args(id), Instant.now());
            m.put("stale", read.get().stale());
            json(ex, 200, m);
        } else if (action) {
            try {
                String said = path.get(2).equals("cancel") ? backend.cancel(id) : backend.resume(id);
                LOG.info("valence ui: {} dispatch {}: {}", path.get(2), id, said.strip());
                json(ex, 200, Map.of("ok", true, "message", said));
            } catch (ValenceException e) {
                json(ex, 409, Map.of("ok", false, "message", String.valueOf(e.getMessage())));
            }
        } else if (path.size() >= 4 && path.get(2).equals("nodes")) {
            Optional<NodeResult> n = r.node(path.get(3));
            if (n.isEmpty()) {
                json(ex, 404, Map.of("error", "dispatch " + id + " has no node '" + path.get(3) + "'"));
            } else if (path.size() == 4) {
                Map<String, Object> m = DispatchViews.node(r, n.get());
                m.putAll(pods(n.get()));
                json(ex, 200, m);
            } else if (path.size() == 5 && path.get(4).equals("log")) {
                json(ex, 200, log(n.get(), query(ex.getRequestURI())));
            } else if (path.size() == 7 && path.get(4).equals("pods") && path.get(6).equals("log")) {
                podLog(ex, n.get(), path.get(5), query(ex.getRequestURI()));
            } else {
                json(ex, 404, Map.of("error", "no API at /api/" + String.join("/", path)));
            }
        } else {
            json(ex, 404, Map.of("error", "no API at /api/" + String.join("/", path)));
        }
    }

    private Map<String, Object> log(NodeResult n, Map<String, String> q) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("job", n.jobName());
        if (n.jobName().isEmpty()) {
            m.put("text", "");
            m.put("running", false);
            m.put("note", n.executor().isEmpty() || n.startedAt().isEmpty() ? "no Job: the node has not run"
                    : "no Job: the node ran on executor '" + n.executor() + "' in the dispatching process, "
                    + "so there is no pod log");
            return m;
        }
        try {
            UiBackend.JobLog l = backend.logs(n.jobName().get(), tail(q));
            m.put("text", l.text());
            m.put("running", l.running());
            m.put("note", l.note());
        } catch (RuntimeException e) {
            m.put("text", "");
            m.put("running", false);
            m.put("note", "the log could not be read: " + e.getMessage());
        }
        return m;
    }

    /**
     * The pods of the node's Job ({@code pods}), or why there are none to show ({@code pods_note}): only a node
     * with a Job asks the cluster, and a cluster that cannot answer is said in the note, not a failed request.
     */
    private Map<String, Object> pods(NodeResult n) {
        Map<String, Object> m = new LinkedHashMap<>();
        if (n.jobName().isEmpty()) {
            m.put("pods", List.of());
            m.put("pods_note", noJob(n));
            return m;
        }
        try {
            List<PodInfo> pods = backend.pods(n.jobName().get());
            m.put("pods", pods.stream().map(DispatchViews::pod).toList());
            m.put("pods_note", pods.isEmpty() ? "Job " + n.jobName().get() + " has no pod (not yet, or no more)" : "");
        } catch (RuntimeException e) {
            LOG.debug("pods of Job {} could not be listed", n.jobName().get(), e);
            m.put("pods", List.of());
            m.put("pods_note", "the pods of Job " + n.jobName().get() + " could not be listed: " + e.getMessage());
        }
        return m;
    }

    /** One pod's log tail, for a pod of the node's Job only (not any pod of the namespace). */
    private void podLog(HttpExchange ex, NodeResult n, String pod, Map<String, String> q) throws IOException {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("pod", pod);
        if (n.jobName().isEmpty()) {
            json(ex, 404, Map.of("error", noJob(n)));
            return;
        }
        try {
            if (backend.pods(n.jobName().get()).stream().noneMatch(p -> p.name().equals(pod))) {
                json(ex, 404, Map.of("error", "Job " + n.jobName().get() + " has no pod '" + pod + "'"));
                return;
            }
            m.put("text", backend.podLog(pod, tail(q)));
            m.put("note", "");
        } catch (RuntimeException e) {
            LOG.debug("log of pod {} could not be read", pod, e);
            m.put("text", "");
            m.put("note", "the log of pod " + pod + " could not be read: " + e.getMessage());
        }
        json(ex, 200, m);
    }

    private static String noJob(NodeResult n) {
        return n.executor().isEmpty() || n.startedAt().isEmpty() ? "no Job: the node has not run"
                : "no Job: the node ran on executor '" + n.executor() + "' in the dispatching process, so there is no pod";
    }

    private static int tail(Map<String, String> q) {
        try {
            return Math.max(1, Math.min(10_000, Integer.parseInt(q.getOrDefault("tail", "200"))));
        } catch (NumberFormatException e) {
            return 200;
        }
    }

    /** The dispatch list as {@code /api/dispatches} answers it, filtered by the query's status and name. */
    private List<Map<String, Object>> listed(Map<String, String> q) {
        Instant now = Instant.now();
        return backend.list().stream().filter(r -> DispatchViews.matches(r, Optional.ofNullable(q.get("status")),
                Optional.ofNullable(q.get("name")))).map(r -> DispatchViews.summary(r, now)).toList();
    }

    /** How often the list's event stream reads the records. */
    static final Duration LIST_PERIOD = Duration.ofSeconds(1);
    /** How often a dispatch's event stream checks its record. */
    static final Duration DISPATCH_PERIOD = Duration.ofMillis(300);
    /** How often a log's event stream reads the log tail from the cluster. */
    static final Duration LOG_PERIOD = Duration.ofSeconds(1);

    private void stream(HttpExchange ex, Duration period, EventStreams.Source source) throws IOException {
        if (ex.getRequestMethod().equals("HEAD")) {
            send(ex, 200, "text/event-stream; charset=utf-8", "");
        } else if (streams.open(ex, period, source)) {
            heldStreams.add(ex);
        } else {
            ex.getResponseHeaders().set("Retry-After", "5");
            json(ex, 503, Map.of("error", "too many event streams open (" + EventStreams.MAX_STREAMS
                    + "); close a tab of this page or try again"));
        }
    }

    /**
     * The dispatch list's stream ({@code /api/dispatches/events}, the list's filters as query): the filtered
     * list ({@code list}) first, then again each time a dispatch was added, removed or changed (not for the
     * running ones' growing durations, which the page counts on).
     */
    private final class ListEvents implements EventStreams.Source {
        private final Map<String, String> query;
        private String sent;

        ListEvents(Map<String, String> query) {
            this.query = query;
        }

        @Override
        public boolean tick(EventStreams.Sink out) throws IOException {
            List<Map<String, Object>> rows = listed(query);
            String compared = Json.write(rows.stream().map(r -> {
                Map<String, Object> m = new LinkedHashMap<>(r);
                m.remove("duration_ms");
                return m;
            }).toList());
            if (!compared.equals(sent)) {
                out.event("list", Json.write(rows));
                sent = compared;
            }
            return true;
        }
    }

    /**
     * A dispatch's stream: first the whole dispatch ({@code dispatch}), then the nodes that changed with the
     * dispatch's summary ({@code nodes}) each time the record changes; the whole dispatch again when nodes
     * were added; {@code gone} and the end when the record was removed.
     */
    private final class DispatchEvents implements EventStreams.Source {
        private final String id;
        private Map<String, String> sentNodes = Map.of();
        private String sentShape;
        private String sentSummary = "";

        DispatchEvents(String id) {
            this.id = id;
        }

        @Override
        public boolean tick(EventStreams.Sink out) throws IOException {
            Optional<Read> read = read(id);
            if (read.isEmpty()) {
                out.event("gone", Json.write(Map.of("error", "dispatch " + id + " is no longer recorded")));
                return false;
            }
            WorkflowResult<Object> r = read.get().result();
            if (r == null) {
                return true; // being written and never read whole yet: the next tick
            }
            boolean full = sentShape == null;
            Map<String, Object> m = DispatchViews.dispatch(r, layout(r), full ? backend.args(id) : Optional.empty(),
                    Instant.now());
            m.put("stale", read.get().stale());
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> nodes = (List<Map<String, Object>>) m.get("nodes_list");
            String shape = nodes.stream().map(n -> String.valueOf(n.get("id"))).collect(Collectors.joining("\n"))
                    + "|" + Json.write(m.get("edges")).hashCode();
            Map<String, String> nowNodes = new LinkedHashMap<>();
            nodes.forEach(n -> nowNodes.put(String.valueOf(n.get("id")), Json.write(n)));
            Map<String, Object> summary = new LinkedHashMap<>(m);
            List.of("nodes_list", "edges", "width", "height", "args").forEach(summary::remove);
            Map<String, Object> compared = new LinkedHashMap<>(summary);
            compared.remove("duration_ms"); // grows every tick; the page counts it on
            String summaryNow = Json.write(compared);
            if (full || !shape.equals(sentShape)) {
                if (!full) {
                    m.put("args", backend.args(id));
                }
                out.event("dispatch", Json.write(m));
            } else {
                List<Map<String, Object>> changed = nodes.stream().filter(n -> !nowNodes.get(String.valueOf(n.get("id")))
                        .equals(sentNodes.get(String.valueOf(n.get("id"))))).toList();
                if (changed.isEmpty() && summaryNow.equals(sentSummary)) {
                    return true;
                }
                Map<String, Object> e = new LinkedHashMap<>();
                e.put("summary", summary);
                e.put("nodes", changed);
                out.event("nodes", Json.write(e));
            }
            sentShape = shape;
            sentNodes = nowNodes;
            sentSummary = summaryNow;
            return true;
        }
    }

    /**
     * A node's log followed: the tail first ({@code log} with {@code reset}), then only the lines added since
     * ({@code log}), read from the cluster every {@link #LOG_PERIOD}; {@code end} and the end of the stream when
     * the Job is gone or finished.
     */
    private final class LogEvents implements EventStreams.Source {
        private final NodeResult node;
        private final int tail;
        private List<String> seen;

        LogEvents(NodeResult node, int tail) {
            this.node = node;
            this.tail = tail;
        }

        @Override
        public boolean tick(EventStreams.Sink out) throws IOException {
            Map<String, Object> l = log(node, Map.of("tail", Integer.toString(tail)));
            List<String> lines = String.valueOf(l.get("text")).lines().toList();
            Map<String, Object> e = new LinkedHashMap<>();
            if (seen == null) {
                e.put("reset", true);
                e.put("text", l.get("text"));
            } else {
                List<String> fresh = EventStreams.newLines(seen, lines);
                e.put("reset", false);
                e.put("text", fresh.isEmpty() ? "" : String.join("\n", fresh) + "\n");
            }
            e.put("running", l.get("running"));
            e.put("note", l.get("note"));
            if (seen == null || !"".equals(e.get("text"))) {
                out.event("log", Json.write(e));
            }
            seen = lines;
            if (!Boolean.TRUE.equals(l.get("running"))) {
                out.event("end", Json.write(Map.of("note", String.valueOf(l.get("note")))));
                return false;
            }
            return true;
        }
    }

    /** A dispatch read as it stands; the last good copy when the record cannot be parsed. */
    private record Read(WorkflowResult<Object> result, boolean stale) {
    }

    private Optional<Read> read(String id) {
        RuntimeException last = null;
        for (int i = 0; i < READ_TRIES; i++) {
            try {
                Optional<WorkflowResult<Object>> r = backend.find(id);
                r.ifPresentOrElse(v -> lastGood.put(id, v), () -> lastGood.remove(id));
                return r.map(v -> new Read(v, false));
            } catch (RuntimeException e) {
                // a record cut short (an older writer, a copy in progress): read it again in a moment
                last = e;
                LockSupport.parkNanos(READ_PAUSE_NANOS);
            }
        }
        LOG.debug("dispatch {}: record unreadable after {} tries", id, READ_TRIES, last);
        WorkflowResult<Object> good = lastGood.get(id);
        return Optional.of(good == null ? new Read(null, true) : new Read(good, true));
    }

    private boolean known(String id) {
        try {
            return backend.find(id).isPresent();
        } catch (RuntimeException e) {
            return true; // the record is there, it just cannot be parsed this instant
        }
    }

    /** The layout of a dispatch, computed again only when its nodes or edges changed. */
    private GraphLayout.Layout layout(WorkflowResult<Object> r) {
        List<String> shape = new ArrayList<>();
        r.nodes().forEach(n -> shape.add(n.nodeId() + "<" + n.parent().orElse("") + "<" + String.join(",", n.dependsOn())
                + "<" + n.workflow()));
        Cached c = layouts.get(r.dispatchId());
        if (c == null || !c.shape().equals(shape)) {
            c = new Cached(shape, GraphLayout.of(r.nodes()));
            layouts.put(r.dispatchId(), c);
        }
        return c.layout();
    }

    private void page(HttpExchange ex, int status) throws IOException {
        String html = resource("index.html").replace("{{TOKEN}}", token);
        ex.getResponseHeaders().set("Cache-Control", "no-store");
        send(ex, status, "text/html; charset=utf-8", html);
    }

    private static String notFoundPage(String id) {
        String safe = id.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
        return "<!doctype html><html><head><meta charset=\"utf-8\"><title>Valence: no such dispatch</title>"
                + "<link rel=\"stylesheet\" href=\"/static/app.css\"></head><body><header><a href=\"/\">Valence</a>"
                + "</header><main><h1 id=\"not-found\">404: no dispatch '" + safe + "'</h1><p>See the <a href=\"/\">"
                + "recorded dispatches</a>.</p></main></body></html>";
    }

    private void asset(HttpExchange ex, String name) throws IOException {
        String type = name.endsWith(".js") ? "text/javascript; charset=utf-8"
                : name.endsWith(".css") ? "text/css; charset=utf-8" : null;
        if (type == null || !name.matches("[a-z]+\\.(js|css)")) {
            send(ex, 404, "text/plain", "404: no asset '" + name + "'");
            return;
        }
        send(ex, 200, type, resource(name));
    }

    private static String resource(String name) {
        try (InputStream in = UiServer.class.getResourceAsStream(ASSETS + name)) {
            if (in == null) {
                throw new IllegalStateException("the distribution lacks " + ASSETS + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void json(HttpExchange ex, int status, Object body) throws IOException {
        ex.getResponseHeaders().set("Cache-Control", "no-store");
        send(ex, status, "application/json; charset=utf-8", Json.write(body));
    }

    private void send(HttpExchange ex, int status, String type, String body) throws IOException {
        byte[] bytes = redactor.scrub(body).getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type);
        ex.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
        ex.getResponseHeaders().set("Content-Security-Policy",
                "default-src 'self'; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'");
        boolean head = ex.getRequestMethod().equals("HEAD");
        ex.sendResponseHeaders(status, head ? -1 : bytes.length == 0 ? -1 : bytes.length);
        if (!head && bytes.length > 0) {
            ex.getResponseBody().write(bytes);
        }
    }

    private static List<String> segments(String rawPath) {
        return Arrays.stream(rawPath.split("/")).filter(s -> !s.isEmpty())
                .map(s -> URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8)).toList();
    }

    private static Map<String, String> query(URI uri) {
        Map<String, String> out = new LinkedHashMap<>();
        String q = uri.getRawQuery();
        if (q == null) {
            return out;
        }
        for (String pair : q.split("&")) {
            int eq = pair.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            out.put(k, v);
        }
        return out;
    }
}
