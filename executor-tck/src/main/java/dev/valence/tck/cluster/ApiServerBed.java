package dev.valence.tck.cluster;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.ByteString;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.mockwebserver.http.Response;
import io.fabric8.mockwebserver.http.WebSocket;
import io.fabric8.mockwebserver.http.WebSocketListener;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A Kubernetes API server on loopback for tests: fabric8's {@code KubernetesMockServer} in CRUD
 * mode over plain HTTP, plus what CRUD mode lacks — scripted pod logs, {@code /version}, and
 * injected API errors — and a kubeconfig file pointing at it. Nothing runs pods here; see
 * {@link JobControllerStandIn}.
 */
public final class ApiServerBed implements AutoCloseable {

    /** The context name of {@link #kubeconfig()}. */
    public static final String CONTEXT = "valence-bed";
    /** The namespace of {@link #kubeconfig()}'s context; created at start, as is {@code default}. */
    public static final String NAMESPACE = "valence-test";

    /** Marks requests of {@link #client()} (tests, the stand-in) so {@link #takeRequests()} leaves them out. */
    private static final String TEST_SIDE_HEADER = "X-Valence-Test-Side";

    /** Kept so the level set on it sticks: the mock server logs every request at INFO through JUL. */
    private static final java.util.logging.Logger MOCK_LOG = java.util.logging.Logger.getLogger(MockWebServer.class.getName());

    private static final Pattern LOG_PATH = Pattern.compile("^/api/v1/namespaces/([^/]+)/pods/([^/?]+)/log(\\?.*)?$");

    private final KubernetesMockServer server;
    private final Path dir;
    private final Map<String, String> logs = new ConcurrentHashMap<>();
    private final List<Fault> faults = new CopyOnWriteArrayList<>();
    private final List<Request> seen = Collections.synchronizedList(new ArrayList<>());
    private volatile java.util.function.Predicate<String> bearerAccepted;
    private KubernetesClient client;
    private Path kubeconfig;
    private ChunkedWatchFrontDoor chunkedWatches;

    /** An API request as it reached the server. */
    public record Request(String method, String path, Map<String, String> headers, String body) {
        /** The header's value (names are case-insensitive), or empty. */
        public String header(String name) {
            return headers.getOrDefault(name.toLowerCase(Locale.ROOT), "");
        }
    }

    /** A kubeconfig context: its name, the server URL and the namespace (empty for none). */
    public record KubeContext(String name, String server, String namespace) {
    }

    private record Fault(String method, Pattern path, int code, String body, int[] remaining) {
    }

    private ApiServerBed(Path dir) {
        this.dir = dir;
        Map<ServerRequest, Queue<ServerResponse>> responses = new HashMap<>();
        Dispatcher crud = new KubernetesMixedDispatcher(responses);
        this.server = new KubernetesMockServer(new Context(), new MockWebServer(), responses, new BedDispatcher(crud), false);
    }

    /** Starts a server on a free loopback port, with namespaces {@value #NAMESPACE} and {@code default}. */
    public static ApiServerBed start() {
        MOCK_LOG.setLevel(java.util.logging.Level.WARNING);
        try {
            ApiServerBed bed = new ApiServerBed(Files.createTempDirectory("valence-api-bed"));
            bed.server.init(InetAddress.getLoopbackAddress(), 0);
            bed.client = new KubernetesClientBuilder().withConfig(bed.clientConfig()).build();
            bed.createNamespace(NAMESPACE);
            bed.createNamespace("default");
            bed.kubeconfig = bed.writeKubeconfig("config", CONTEXT, new KubeContext(CONTEXT, bed.url(), NAMESPACE));
            return bed;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Config clientConfig() {
        return new ConfigBuilder(Config.empty()).withMasterUrl(url()).withNamespace(NAMESPACE)
                .withRequestRetryBackoffLimit(0).withCustomHeaders(Map.of(TEST_SIDE_HEADER, "true")).build();
    }

    /** The server URL, such as {@code http://127.0.0.1:40123} (no trailing slash). */
    public String url() {
        String u = server.url("/");
        return u.endsWith("/") ? u.substring(0, u.length() - 1) : u;
    }

    /** A kubeconfig file with one context {@value #CONTEXT} (namespace {@value #NAMESPACE}), current. */
    public Path kubeconfig() {
        return kubeconfig;
    }

    /**
     * The front door that serves this server's watches as chunked HTTP (client-java's wire), opened on
     * first use and closed with the bed; its {@link ChunkedWatchFrontDoor#kubeconfig()} is this bed's
     * kubeconfig pointing there.
     */
    public synchronized ChunkedWatchFrontDoor chunkedWatches() {
        if (chunkedWatches == null) {
            chunkedWatches = ChunkedWatchFrontDoor.open(this);
        }
        return chunkedWatches;
    }

    /**
     * The URL a cluster client reaches this server at with working watches: the mock's own for fabric8
     * (WebSocket watches), {@link #chunkedWatches()}'s for client-java ({@code official}: chunked HTTP).
     */
    public String urlFor(String clusterClient) {
        return "official".equals(clusterClient) ? chunkedWatches().url() : url();
    }

    /** This server as a kubeconfig context with the given name and namespace (empty for none). */
    public KubeContext context(String name, String namespace) {
        return new KubeContext(name, url(), namespace);
    }

    /** A fabric8 client on this server (namespace {@value #NAMESPACE}) to inspect and change what is stored. */
    public KubernetesClient client() {
        return client;
    }

    /** Creates a namespace (no-op if it exists). */
    public void createNamespace(String name) {
        if (client.namespaces().withName(name).get() == null) {
            client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build())
                    .create();
        }
    }

    /**
     * Writes a kubeconfig file in this bed's temp directory with the given contexts (each its own
     * cluster and user, no credentials) and current context; returns its path.
     */
    public Path writeKubeconfig(String fileName, String currentContext, KubeContext... contexts) {
        StringBuilder y = new StringBuilder("apiVersion: v1\nkind: Config\nclusters:\n");
        for (KubeContext c : contexts) {
            y.append("- name: ").append(c.name()).append("-cluster\n  cluster:\n    server: ").append(c.server()).append('\n');
        }
        y.append("users:\n");
        for (KubeContext c : contexts) {
            y.append("- name: ").append(c.name()).append("-user\n  user: {}\n");
        }
        y.append("contexts:\n");
        for (KubeContext c : contexts) {
            y.append("- name: ").append(c.name()).append("\n  context:\n    cluster: ").append(c.name())
                    .append("-cluster\n    user: ").append(c.name()).append("-user\n");
            if (!c.namespace().isEmpty()) {
                y.append("    namespace: ").append(c.namespace()).append('\n');
            }
        }
        y.append("current-context: ").append(currentContext).append('\n');
        return writeFile(fileName, y.toString());
    }

    /** Writes a file in this bed's temp directory (removed on close); returns its path. */
    public Path writeFile(String fileName, String contents) {
        try {
            Path p = dir.resolve(fileName);
            Files.createDirectories(p.getParent());
            Files.writeString(p, contents);
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A loopback URL on which nothing listens (a port that was free a moment ago). */
    public static String closedPortUrl() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return "http://127.0.0.1:" + s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Serves {@code text} as the log of the pod: {@code GET /api/v1/namespaces/<ns>/pods/<pod>/log},
     * honouring {@code tailLines}. Pods without a scripted log answer 400 as a waiting container does.
     */
    public void scriptLog(String namespace, String pod, String text) {
        logs.put(namespace + "/" + pod, text);
    }

    /** Every pod log served so far, by {@code <namespace>/<pod>}, the deleted pods' too (a copy). */
    public Map<String, String> podLogs() {
        return Map.copyOf(logs);
    }

    /**
     * The next {@code times} requests with this method whose path (without query) matches the
     * regular expression get {@code code} and a Kubernetes {@code Status} body with {@code message}.
     */
    public void failNext(String method, String pathRegex, int times, int code, String message) {
        String reason = switch (code) {
            case 401 -> "Unauthorized";
            case 403 -> "Forbidden";
            case 404 -> "NotFound";
            case 409 -> "AlreadyExists";
            case 500 -> "InternalError";
            case 503 -> "ServiceUnavailable";
            default -> "";
        };
        String body = "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":"
                + quote(message) + ",\"reason\":\"" + reason + "\",\"code\":" + code + "}";
        faults.add(new Fault(method.toUpperCase(Locale.ROOT), Pattern.compile(pathRegex), code, body, new int[] {times}));
    }

    /**
     * From now on, requests (other than the bed's own) must carry {@code Authorization: Bearer <token>}
     * with a token the predicate accepts, else they get 401 as from a real API server; null turns
     * the check off.
     */
    public void requireBearer(java.util.function.Predicate<String> accepted) {
        this.bearerAccepted = accepted;
    }

    /**
     * Every request the server received since the last call (oldest first), except those of the
     * bed's own {@link #client()} (the test and the stand-in), and forgets them.
     */
    public List<Request> takeRequests() {
        drainRecorded();
        synchronized (seen) {
            List<Request> out = List.copyOf(seen);
            seen.clear();
            return out;
        }
    }

    private void drainRecorded() {
        try {
            RecordedRequest r;
            while ((r = server.takeRequest(1, TimeUnit.MILLISECONDS)) != null) {
                Map<String, String> headers = new LinkedHashMap<>();
                r.getHeaders().toMultimap().forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), String.join(",", v)));
                String body = r.getBody() == null ? "" : new String(r.getBody().getBytes(), StandardCharsets.UTF_8);
                if (!headers.containsKey(TEST_SIDE_HEADER.toLowerCase(Locale.ROOT))) {
                    seen.add(new Request(r.getMethod(), r.getPath(), Map.copyOf(headers), body));
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        synchronized (this) {
            if (chunkedWatches != null) {
                chunkedWatches.close();
            }
        }
        if (client != null) {
            client.close();
        }
        try {
            server.destroy();
        } catch (IllegalStateException e) {
            // Vert.x did not stop in time on a busy machine; the port is released with the JVM
            java.util.logging.Logger.getLogger(ApiServerBed.class.getName()).warning("mock API server did not stop in time: " + e);
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // best effort: a temp directory
        }
    }

    private static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"";
    }

    static String tail(String text, int lines) {
        if (lines < 0) {
            return text;
        }
        List<String> all = Arrays.asList(text.split("\n", -1));
        boolean endsWithNewline = text.endsWith("\n");
        List<String> content = endsWithNewline ? all.subList(0, all.size() - 1) : all;
        List<String> kept = content.subList(Math.max(0, content.size() - lines), content.size());
        return String.join("\n", kept) + (endsWithNewline && !kept.isEmpty() ? "\n" : "");
    }

    private static Map<String, String> query(String q) {
        Map<String, String> out = new HashMap<>();
        if (q == null || q.length() < 2) {
            return out;
        }
        for (String part : q.substring(1).split("&")) {
            int eq = part.indexOf('=');
            if (eq > 0) {
                out.put(URLDecoder.decode(part.substring(0, eq), StandardCharsets.UTF_8),
                        URLDecoder.decode(part.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return out;
    }

    /**
     * The mock's watch listener waits (up to a minute) for its sender thread when a client closes
     * a watch, and does so on the server's only event loop, stalling every other request; this
     * runs that close on a thread of its own. It also takes the listener out of the dispatcher's
     * watchers first: the mock removes it only after its sender has stopped, and a write to a watched
     * kind in between fails on the stopped sender, never answers and leaves the watchers after it
     * without the event (fabric8io/kubernetes-client#7858).
     */
    private static final class CloseOffTheEventLoop extends WebSocketListener {
        private final WebSocketListener delegate;
        private final Set<?> watchers;

        CloseOffTheEventLoop(WebSocketListener delegate, Set<?> watchers) {
            this.delegate = delegate;
            this.watchers = watchers;
        }

        @Override
        public void onBeforeAccept(WebSocket ws, Response response) {
            delegate.onBeforeAccept(ws, response);
        }

        @Override
        public void onOpen(WebSocket ws, Response response) {
            delegate.onOpen(ws, response);
        }

        @Override
        public void onMessage(WebSocket ws, String text) {
            delegate.onMessage(ws, text);
        }

        @Override
        public void onMessage(WebSocket ws, ByteString bytes) {
            delegate.onMessage(ws, bytes);
        }

        @Override
        public void onMessage(WebSocket ws, byte[] bytes) {
            delegate.onMessage(ws, bytes);
        }

        @Override
        public void onPing(WebSocket ws, byte[] bytes) {
            delegate.onPing(ws, bytes);
        }

        @Override
        public void onClosing(WebSocket ws, int code, String reason) {
            watchers.remove(delegate);
            offLoop(() -> delegate.onClosing(ws, code, reason)); // a client's close frame: the same wait
        }

        @Override
        public void onClosed(WebSocket ws, int code, String reason) {
            watchers.remove(delegate);
            offLoop(() -> delegate.onClosed(ws, code, reason));
        }

        @Override
        public void onFailure(WebSocket ws, Throwable t, Response response) {
            watchers.remove(delegate);
            offLoop(() -> delegate.onFailure(ws, t, response));
        }

        private static void offLoop(Runnable r) {
            Thread t = new Thread(r, "api-bed-watch-close");
            t.setDaemon(true);
            t.start();
        }
    }

    /** The minor version {@code /version} reports (Kubernetes 1.x); see {@link #serverMinorVersion}. */
    private volatile String serverMinor = "31";

    /**
     * Makes {@code /version} report Kubernetes {@code 1.<minor>} (default 1.31): 33 and later have
     * {@code backoffLimitPerIndex} for Indexed Jobs, which the stand-in then plays.
     */
    public void serverMinorVersion(int minor) {
        this.serverMinor = Integer.toString(minor);
    }

    /** Logs, /version and faults; everything else goes to the CRUD dispatcher. */
    private final class BedDispatcher extends Dispatcher {
        private final Dispatcher crud;
        private final Set<?> watchers;

        BedDispatcher(Dispatcher crud) {
            this.crud = crud;
            this.watchers = watchers(crud);
        }

        /** The CRUD dispatcher's open watches (private in the mock 8.0.0; see {@link CloseOffTheEventLoop}). */
        private static Set<?> watchers(Dispatcher mixed) {
            try {
                java.lang.reflect.Field f = KubernetesMixedDispatcher.class.getDeclaredField("kubernetesCrudDispatcher");
                f.setAccessible(true);
                Object crud = f.get(mixed);
                java.lang.reflect.Field w = crud.getClass().getDeclaredField("watchEventListeners");
                w.setAccessible(true);
                return (Set<?>) w.get(crud);
            } catch (ReflectiveOperationException | RuntimeException e) {
                throw new IllegalStateException("the bed needs kubernetes-server-mock 8.0.0's CRUD dispatcher fields "
                        + "(kubernetesCrudDispatcher, watchEventListeners); another version is on the class path", e);
            }
        }

        @Override
        public MockResponse dispatch(RecordedRequest request) {
            String path = request.getPath();
            String bare = path.contains("?") ? path.substring(0, path.indexOf('?')) : path;
            java.util.function.Predicate<String> auth = bearerAccepted;
            if (auth != null && request.getHeader(TEST_SIDE_HEADER) == null) {
                String header = request.getHeader("Authorization");
                boolean ok = header != null && header.startsWith("Bearer ") && auth.test(header.substring(7).trim());
                if (!ok) {
                    return json(401, "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","
                            + "\"message\":\"Unauthorized\",\"reason\":\"Unauthorized\",\"code\":401}");
                }
            }
            for (Fault f : faults) {
                if (f.method().equals(request.getMethod()) && f.path().matcher(bare).matches()) {
                    synchronized (f) {
                        if (f.remaining()[0] > 0) {
                            f.remaining()[0]--;
                            return json(f.code(), f.body());
                        }
                    }
                }
            }
            if (request.getMethod().equals("GET") && bare.equals("/version")) {
                String minor = serverMinor;
                return json(200, "{\"major\":\"1\",\"minor\":\"" + minor + "\",\"gitVersion\":\"v1." + minor
                        + ".0-valence-bed\",\"platform\":\"linux/amd64\"}");
            }
            Matcher m = LOG_PATH.matcher(path);
            if (request.getMethod().equals("GET") && m.matches()) {
                String text = logs.get(m.group(1) + "/" + m.group(2));
                if (text == null) {
                    return json(400, "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","
                            + "\"message\":\"container \\\"task\\\" in pod \\\"" + m.group(2)
                            + "\\\" is waiting to start: ContainerCreating\",\"reason\":\"BadRequest\",\"code\":400}");
                }
                String tailLines = query(m.group(3)).get("tailLines");
                String body = tailLines == null ? text : tail(text, Integer.parseInt(tailLines));
                return new MockResponse().setResponseCode(200).setHeader("Content-Type", "text/plain").setBody(body);
            }
            MockResponse response = crud.dispatch(request);
            if (response != null && response.getWebSocketListener() != null) {
                response.withWebSocketUpgrade(new CloseOffTheEventLoop(response.getWebSocketListener(), watchers));
            }
            return response;
        }

        private MockResponse json(int code, String body) {
            return new MockResponse().setResponseCode(code).setHeader("Content-Type", "application/json").setBody(body);
        }

        @Override
        public void shutdown() {
            crud.shutdown();
        }
    }
}
