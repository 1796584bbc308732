package dev.valence.tck.net;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Test tool: a TCP proxy on loopback between a client under test and a real server (the mock
 * API server, the registry), that injects the faults a network and a busy server produce: an
 * HTTP error answered instead of the server's, a connection reset before or after the server saw
 * the request, an upload cut after some bytes, slow answers, every connection cut (a watch closed
 * mid-flight), and the server gone (connection refused) until {@link #up()}.
 *
 * <p>It knows just enough HTTP/1.1 to pick requests: a chunk from the client that starts with
 * {@code METHOD /path} starts a request, and a chunk from the server that starts with
 * {@code HTTP/1.} starts an answer. That holds for the clients here, which send one request at a
 * time per connection; bytes after a WebSocket upgrade pass through untouched.
 */
public final class FaultProxy implements AutoCloseable {
    private static final Pattern REQUEST_LINE = Pattern.compile("^([A-Z]+) (/[^ ?]*)(\\?[^ ]*)? HTTP/1\\.[01]\r\n");

    private enum Kind { ANSWER, RESET, DROP_ANSWER, CUT_UPLOAD }

    /** A scripted fault: the next {@code remaining} matching requests, or (every > 0) each every-th one. */
    private record Rule(String method, Pattern path, Kind kind, int code, long bytes, AtomicInteger remaining,
                        int every, AtomicInteger matched) {
        Rule(String method, Pattern path, Kind kind, int code, long bytes, AtomicInteger remaining) {
            this(method, path, kind, code, bytes, remaining, 0, new AtomicInteger());
        }

        boolean take(String m, String p, String query) {
            if (!("*".equals(method) || method.equals(m)) || !(path.matcher(p).matches() || path.matcher(p + query).matches())) {
                return false;
            }
            if (every > 0) {
                return matched.incrementAndGet() % every == 0 && remaining.incrementAndGet() > 0;
            }
            return remaining.getAndUpdate(n -> Math.max(0, n - 1)) > 0;
        }
    }

    private final InetSocketAddress target;
    private final int port;
    private final List<Rule> rules = new CopyOnWriteArrayList<>();
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final List<String> seen = Collections.synchronizedList(new ArrayList<>());
    private volatile Duration answerDelay = Duration.ZERO;
    private volatile ServerSocket listener;

    private FaultProxy(InetSocketAddress target, ServerSocket listener) {
        this.target = target;
        this.listener = listener;
        this.port = listener.getLocalPort();
        accept(listener);
    }

    /** A proxy on a free loopback port to {@code 127.0.0.1:targetPort}. */
    public static FaultProxy to(int targetPort) {
        try {
            ServerSocket s = new ServerSocket();
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            return new FaultProxy(new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort), s);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code http://127.0.0.1:<port>}. */
    public String url() {
        return "http://" + hostPort();
    }

    /** {@code 127.0.0.1:<port>}. */
    public String hostPort() {
        return "127.0.0.1:" + port;
    }

    /**
     * The next {@code times} matching requests get {@code code} with a Kubernetes Status body, and are not
     * forwarded. A rule's regular expression matches the path, or the path with its query
     * ({@code "/api/v1/namespaces/ns/pods\\?.*watch=true.*"} for watches only); so do the other rules'.
     */
    public void answerNext(String method, String pathRegex, int times, int code) {
        rules.add(new Rule(method, Pattern.compile(pathRegex), Kind.ANSWER, code, 0, new AtomicInteger(times)));
    }

    /** The next {@code times} matching requests are not forwarded: their connection is reset. */
    public void resetNext(String method, String pathRegex, int times) {
        rules.add(new Rule(method, Pattern.compile(pathRegex), Kind.RESET, 0, 0, new AtomicInteger(times)));
    }

    /** The next {@code times} matching requests reach the server, but their connection is reset instead of answered. */
    public void dropAnswerNext(String method, String pathRegex, int times) {
        rules.add(new Rule(method, Pattern.compile(pathRegex), Kind.DROP_ANSWER, 0, 0, new AtomicInteger(times)));
    }

    /** The next {@code times} matching requests are forwarded for {@code bytes} bytes, then their connection is reset. */
    public void cutUploadNext(String method, String pathRegex, int times, long bytes) {
        rules.add(new Rule(method, Pattern.compile(pathRegex), Kind.CUT_UPLOAD, 0, bytes, new AtomicInteger(times)));
    }

    /**
     * From now on, every {@code every}-th request matching ({@code method} may be {@code *} for any)
     * gets {@code code} with a Kubernetes Status body and is not forwarded: a fault at a fixed rate.
     */
    public void answerEvery(String method, String pathRegex, int every, int code) {
        rules.add(new Rule(method, Pattern.compile(pathRegex), Kind.ANSWER, code, 0, new AtomicInteger(), every,
                new AtomicInteger()));
    }

    /** From now on, every {@code every}-th matching request ({@code method} may be {@code *}) is not forwarded: its connection is reset. */
    public void resetEvery(String method, String pathRegex, int every) {
        rules.add(new Rule(method, Pattern.compile(pathRegex), Kind.RESET, 0, 0, new AtomicInteger(), every,
                new AtomicInteger()));
    }

    /** How many faults the fixed-rate rules ({@link #answerEvery}, {@link #resetEvery}) have injected so far. */
    public int injectedAtRate() {
        return rules.stream().filter(r -> r.every() > 0).mapToInt(r -> r.remaining().get()).sum();
    }

    /** Every answer is held back this long before it is forwarded. */
    public void slowAnswers(Duration delay) {
        this.answerDelay = delay;
    }

    /** How many of the scripted faults have not happened yet. */
    public int pendingFaults() {
        return rules.stream().filter(r -> r.every() == 0).mapToInt(r -> r.remaining().get()).sum();
    }

    /** Cuts every open connection (watches included); new ones are accepted. */
    public void cutConnections() {
        for (Socket s : List.copyOf(open)) {
            closeQuietly(s);
        }
    }

    /** The server is gone: connections are cut and new ones refused until {@link #up()}. */
    public synchronized void down() {
        ServerSocket l = listener;
        listener = null;
        closeQuietly(l);
        cutConnections();
    }

    /** The server is back on the same port. */
    public synchronized void up() {
        if (listener != null) {
            return;
        }
        try {
            ServerSocket s = new ServerSocket();
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            listener = s;
            accept(s);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen again on " + hostPort(), e);
        }
    }

    /** Request lines ({@code METHOD /path}) seen since the last call, oldest first. */
    public List<String> takeRequests() {
        synchronized (seen) {
            List<String> out = List.copyOf(seen);
            seen.clear();
            return out;
        }
    }

    /** Forgets every scripted fault and delay, and listens again if down. */
    public void heal() {
        rules.clear();
        answerDelay = Duration.ZERO;
        up();
    }

    @Override
    public void close() {
        down();
    }

    private void accept(ServerSocket server) {
        Thread t = new Thread(() -> {
            while (!server.isClosed()) {
                try {
                    Socket client = server.accept();
                    Socket upstream = new Socket();
                    try {
                        upstream.connect(target, 5_000);
                    } catch (IOException e) {
                        reset(client);
                        continue;
                    }
                    client.setTcpNoDelay(true);
                    upstream.setTcpNoDelay(true);
                    open.add(client);
                    open.add(upstream);
                    if (listener != server) { // went down while this one was being accepted
                        reset(client);
                        closeQuietly(upstream);
                        open.remove(client);
                        open.remove(upstream);
                        continue;
                    }
                    Connection c = new Connection(client, upstream);
                    start("fault-proxy-up-" + port, c::clientToServer);
                    start("fault-proxy-down-" + port, c::serverToClient);
                } catch (IOException e) {
                    // the listener was closed (down, close), or one accept failed: the loop condition decides
                }
            }
        }, "fault-proxy-accept-" + port);
        t.setDaemon(true);
        t.start();
    }

    private static void start(String name, Runnable r) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        t.start();
    }

    /** One proxied connection: two pumps. */
    private final class Connection {
        private final Socket client;
        private final Socket upstream;
        private volatile boolean dropAnswer;

        Connection(Socket client, Socket upstream) {
            this.client = client;
            this.upstream = upstream;
        }

        void clientToServer() {
            byte[] buf = new byte[65536];
            long cutAfter = -1;
            try (InputStream in = client.getInputStream(); OutputStream out = upstream.getOutputStream()) {
                for (int n; (n = in.read(buf)) > 0; ) {
                    Matcher m = REQUEST_LINE.matcher(new String(buf, 0, Math.min(n, 2048), StandardCharsets.ISO_8859_1));
                    if (m.find()) {
                        String method = m.group(1);
                        String path = m.group(2);
                        seen.add(method + " " + path + (m.group(3) == null ? "" : m.group(3)));
                        String query = m.group(3) == null ? "" : m.group(3);
                        Rule rule = rules.stream().filter(r -> r.take(method, path, query)).findFirst().orElse(null);
                        if (rule != null) {
                            switch (rule.kind()) {
                                case ANSWER -> {
                                    answer(rule.code(), path);
                                    return;
                                }
                                case RESET -> {
                                    finish(true);
                                    return;
                                }
                                case DROP_ANSWER -> dropAnswer = true;
                                case CUT_UPLOAD -> cutAfter = rule.bytes();
                            }
                        }
                    }
                    if (cutAfter >= 0) {
                        int pass = (int) Math.min(n, cutAfter);
                        out.write(buf, 0, pass);
                        out.flush();
                        cutAfter -= pass;
                        if (cutAfter == 0) {
                            finish(true);
                            return;
                        }
                        continue;
                    }
                    out.write(buf, 0, n);
                    out.flush();
                }
            } catch (IOException e) {
                // a side closed: the other pump ends too
            }
            finish(false);
        }

        void serverToClient() {
            byte[] buf = new byte[65536];
            try (InputStream in = upstream.getInputStream(); OutputStream out = client.getOutputStream()) {
                for (int n; (n = in.read(buf)) > 0; ) {
                    boolean answerStart = n >= 7 && new String(buf, 0, 7, StandardCharsets.ISO_8859_1).equals("HTTP/1.");
                    if (answerStart && dropAnswer) {
                        finish(true);
                        return;
                    }
                    Duration delay = answerDelay;
                    if (answerStart && !delay.isZero()) {
                        Thread.sleep(delay.toMillis());
                    }
                    out.write(buf, 0, n);
                    out.flush();
                }
            } catch (IOException e) {
                // a side closed
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            finish(false);
        }

        private void answer(int code, String path) throws IOException {
            String body = "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","
                    + "\"message\":\"injected by the fault proxy for " + path + "\",\"reason\":\"" + reason(code)
                    + "\",\"code\":" + code + "}";
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            String head = "HTTP/1.1 " + code + " " + phrase(code) + "\r\nContent-Type: application/json\r\nContent-Length: "
                    + bytes.length + "\r\nConnection: close\r\n\r\n";
            OutputStream out = client.getOutputStream();
            out.write(head.getBytes(StandardCharsets.ISO_8859_1));
            out.write(bytes);
            out.flush();
            finish(false);
        }

        private void finish(boolean reset) {
            if (reset) {
                reset(client);
            } else {
                closeQuietly(client);
            }
            closeQuietly(upstream);
            open.remove(client);
            open.remove(upstream);
        }
    }

    /** The Kubernetes Status reason for a code. */
    private static String reason(int code) {
        return switch (code) {
            case 410 -> "Expired";
            case 429 -> "TooManyRequests";
            case 500 -> "InternalError";
            case 503 -> "ServiceUnavailable";
            case 504 -> "Timeout";
            default -> "";
        };
    }

    /** The HTTP reason phrase for a code. */
    private static String phrase(int code) {
        return switch (code) {
            case 410 -> "Gone";
            case 429 -> "Too Many Requests";
            case 500 -> "Internal Server Error";
            case 502 -> "Bad Gateway";
            case 503 -> "Service Unavailable";
            case 504 -> "Gateway Timeout";
            default -> "Error";
        };
    }

    /** Closes with a TCP reset (SO_LINGER 0): the peer reads "connection reset". */
    private static void reset(Socket s) {
        try {
            s.setSoLinger(true, 0);
        } catch (SocketException e) {
            // already closed
        }
        closeQuietly(s);
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception e) {
            // closing is best effort
        }
    }
}
