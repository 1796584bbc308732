package dev.valence.tck.cluster;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A plain-HTTP front for an {@link ApiServerBed} that serves watches the way a real API server does
 * to client-java: a {@code ?watch=true} GET is answered with a chunked stream of JSON lines
 * ({@code {"type":"ADDED","object":{...}}}), read from the mock server's WebSocket watch of the same
 * URL; every other request is passed through as it is. Test code, with fault switches for the
 * failure cases a watcher must survive: {@link #dropWatches()} (the streams end, as at a server's
 * watch timeout or a lost connection), {@link #goneNext(int)} (the API server's {@code 410 Gone}
 * ERROR event for a too-old {@code resourceVersion}) and {@link #down()}/{@link #up()} (an API server
 * restart or outage: the port refuses connections, then serves again), {@link #refuseWatches(boolean)}
 * (watches answered 503 while lists work).
 */
public final class ChunkedWatchFrontDoor implements AutoCloseable {
    private static final Set<String> NOT_FORWARDED = Set.of("host", "connection", "content-length", "expect", "upgrade",
            "transfer-encoding", "keep-alive", "te", "trailer", "http2-settings", "accept-encoding");

    private final ApiServerBed bed;
    private final int port;
    private final HttpClient http;
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "chunked-watch-front-door");
        t.setDaemon(true);
        return t;
    });
    private final List<Stream> streams = new CopyOnWriteArrayList<>();
    private final List<WebSocket> upstream = new CopyOnWriteArrayList<>();
    private final AtomicInteger gone = new AtomicInteger();
    private volatile boolean refuseWatches;
    private final AtomicInteger watchesOpened = new AtomicInteger();
    private volatile HttpServer server;
    private Path kubeconfig;

    private ChunkedWatchFrontDoor(ApiServerBed bed, HttpServer server) {
        this.bed = bed;
        this.server = server;
        this.port = server.getAddress().getPort();
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).executor(threads)
                .connectTimeout(Duration.ofSeconds(5)).build();
    }

    /** Opens a front door for the bed on a free loopback port. */
    public static ChunkedWatchFrontDoor open(ApiServerBed bed) {
        ChunkedWatchFrontDoor door = new ChunkedWatchFrontDoor(bed, bind(0));
        door.serve(door.server);
        door.kubeconfig = bed.writeKubeconfig("chunked-watch-" + door.port, ApiServerBed.CONTEXT,
                new ApiServerBed.KubeContext(ApiServerBed.CONTEXT, door.url(), ApiServerBed.NAMESPACE));
        return door;
    }

    private static HttpServer bind(int port) {
        try {
            return HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 50);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on 127.0.0.1:" + port, e);
        }
    }

    private void serve(HttpServer s) {
        s.setExecutor(threads);
        s.createContext("/", this::handle);
        s.start();
    }

    /** {@code http://127.0.0.1:<port>}. */
    public String url() {
        return "http://127.0.0.1:" + port;
    }

    /** A kubeconfig like {@link ApiServerBed#kubeconfig()} (same context and namespace) pointing here. */
    public Path kubeconfig() {
        return kubeconfig;
    }

    /** How many watch streams were opened so far. */
    public int watchesOpened() {
        return watchesOpened.get();
    }

    /** How many watch streams are open now. */
    public int openWatches() {
        return streams.size();
    }

    /** Ends every open watch stream now (new watches are served as before). */
    public void dropWatches() {
        streams.forEach(Stream::end);
    }

    /**
     * The next {@code times} watch requests get one {@code ERROR} event carrying a {@code 410 Gone}
     * Status, then the stream ends: what an API server answers to a {@code resourceVersion} older than
     * its history.
     */
    public void goneNext(int times) {
        gone.set(times);
    }

    /**
     * While on, every watch request is answered {@code 503} (lists and the rest pass): a watch that
     * cannot reopen, as behind a proxy that cuts long requests.
     */
    public void refuseWatches(boolean on) {
        refuseWatches = on;
        if (on) {
            dropWatches();
        }
    }

    /** The API server goes away: open watches end and the port refuses connections until {@link #up()}. */
    public synchronized void down() {
        HttpServer s = server;
        if (s != null) {
            server = null;
            dropWatches();
            s.stop(0);
        }
    }

    /** The API server is back on the same port. */
    public synchronized void up() {
        if (server == null) {
            HttpServer s = bind(port);
            serve(s);
            server = s;
        }
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String query = ex.getRequestURI().getRawQuery();
            boolean watch = "GET".equals(ex.getRequestMethod()) && query != null
                    && (query.contains("watch=true") || query.contains("watch=1"));
            if (watch) {
                streamWatch(ex);
            } else {
                passThrough(ex);
            }
        } catch (IOException | RuntimeException e) {
            // the client or the front door went away
        }
    }

    private URI backend(HttpExchange ex, String scheme) {
        String raw = ex.getRequestURI().getRawPath();
        String query = ex.getRequestURI().getRawQuery();
        return URI.create(bed.url().replaceFirst("^http", scheme) + raw + (query == null ? "" : "?" + query));
    }

    private void passThrough(HttpExchange ex) throws IOException {
        byte[] body;
        try (InputStream in = ex.getRequestBody()) {
            body = in.readAllBytes();
        }
        HttpRequest.Builder b = HttpRequest.newBuilder(backend(ex, "http")).timeout(Duration.ofSeconds(60))
                .method(ex.getRequestMethod(), body.length == 0 ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(body));
        ex.getRequestHeaders().forEach((name, values) -> {
            if (!NOT_FORWARDED.contains(name.toLowerCase(Locale.ROOT))) {
                values.forEach(v -> b.header(name, v));
            }
        });
        HttpResponse<byte[]> r;
        try {
            r = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
        r.headers().map().forEach((name, values) -> {
            String n = name.toLowerCase(Locale.ROOT);
            if (!NOT_FORWARDED.contains(n) && !n.startsWith(":")) {
                ex.getResponseHeaders().put(name, values);
            }
        });
        byte[] out = r.body();
        ex.sendResponseHeaders(r.statusCode(), out.length == 0 ? -1 : out.length);
        if (out.length > 0) {
            try (OutputStream o = ex.getResponseBody()) {
                o.write(out);
            }
        }
    }

    private void streamWatch(HttpExchange ex) throws IOException {
        if (refuseWatches) {
            byte[] out = ("{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","
                    + "\"message\":\"watch refused by the test's front door\",\"reason\":\"ServiceUnavailable\","
                    + "\"code\":503}").getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", "application/json");
            ex.sendResponseHeaders(503, out.length);
            ex.getResponseBody().write(out);
            return;
        }
        watchesOpened.incrementAndGet();
        if (gone.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            ex.getResponseHeaders().set("Content-Type", "application/json");
            ex.sendResponseHeaders(200, 0);
            try (OutputStream o = ex.getResponseBody()) {
                o.write(("{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},"
                        + "\"status\":\"Failure\",\"message\":\"too old resource version\",\"reason\":\"Expired\","
                        + "\"code\":410}}\n").getBytes(StandardCharsets.UTF_8));
            }
            return;
        }
        Stream stream = new Stream(ex);
        streams.add(stream); // before the mock server sees the watch: a drop from then on ends it
        try {
            relay(ex, stream);
        } finally {
            streams.remove(stream);
        }
    }

    private void relay(HttpExchange ex, Stream stream) throws IOException {
        WebSocket.Builder wb = http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5));
        ex.getRequestHeaders().forEach((name, values) -> {
            String n = name.toLowerCase(Locale.ROOT);
            if (n.equals("authorization") || n.startsWith("x-")) {
                values.forEach(v -> wb.header(name, v));
            }
        });
        WebSocket ws;
        try {
            ws = wb.buildAsync(backend(ex, "ws"), stream).join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof WebSocketHandshakeException h) {
                HttpResponse<?> r = h.getResponse();
                byte[] out = r.body() instanceof String s ? s.getBytes(StandardCharsets.UTF_8) : new byte[0];
                ex.getResponseHeaders().set("Content-Type", "application/json");
                ex.sendResponseHeaders(r.statusCode(), out.length == 0 ? -1 : out.length);
                if (out.length > 0) {
                    ex.getResponseBody().write(out);
                }
                return;
            }
            throw new IOException("cannot open the mock server's watch", e);
        }
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(200, 0); // chunked
        // The mock server's WebSocket stays open, its events read and dropped, until the front door
        // closes: closing it makes kubernetes-server-mock 8.0.0 shut the listener's sender down while it
        // is still registered, and a write to a watched kind in that window fails and stalls
        // (fabric8io/kubernetes-client#7858).
        upstream.add(ws);
        stream.ended.join();
    }

    /** One chunked watch answer fed by one WebSocket watch of the mock server. */
    private static final class Stream implements WebSocket.Listener {
        private final HttpExchange exchange;
        private final StringBuilder partial = new StringBuilder();
        final CompletableFuture<Void> ended = new CompletableFuture<>();

        Stream(HttpExchange exchange) {
            this.exchange = exchange;
        }

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            partial.append(data);
            if (last && ended.isDone()) {
                partial.setLength(0); // no one reads this stream any more
            } else if (last) {
                String event = partial.toString().replace("\n", "") + "\n";
                partial.setLength(0);
                try {
                    OutputStream o = exchange.getResponseBody();
                    synchronized (this) {
                        o.write(event.getBytes(StandardCharsets.UTF_8));
                        o.flush();
                    }
                } catch (IOException e) {
                    end(); // the client went away
                }
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
            end();
            return null;
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            end();
        }

        void end() {
            ended.complete(null);
        }
    }

    @Override
    public void close() {
        down();
        upstream.forEach(WebSocket::abort);
        threads.shutdownNow();
    }
}
