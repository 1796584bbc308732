package dev.valence.distribution.ui;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server-sent event streams of {@code valence ui} ({@code text/event-stream}, chunked). A stream holds
 * no request thread: its response stays open after the handler returned, and a small scheduler of its own
 * runs each stream's check every period and writes what changed. At most {@link #MAX_STREAMS} are open;
 * {@link #close()} ends them all.
 */
final class EventStreams implements AutoCloseable {
    /** Streams open at once; one more is refused (503) until one ends. */
    static final int MAX_STREAMS = 32;
    /** The reconnection delay the page's {@code EventSource} is told ({@code retry:}), in milliseconds. */
    static final int RETRY_MILLIS = 2000;
    /** A comment line is sent after this long without an event, so a closed connection is noticed. */
    private static final long HEARTBEAT_NANOS = Duration.ofSeconds(5).toNanos();
    private static final Logger LOG = LoggerFactory.getLogger(EventStreams.class);

    /** What a stream sends: called every period; returns false when the stream is over. */
    interface Source {
        boolean tick(Sink out) throws IOException;
    }

    /** Where a source writes its events. */
    interface Sink {
        /** Sends one event named {@code name} whose data is {@code json} (one line). */
        void event(String name, String json) throws IOException;
    }

    private final ScheduledExecutorService scheduler;
    private final UnaryOperator<String> scrub;
    private final Set<Stream> open = ConcurrentHashMap.newKeySet();
    private boolean closed;

    /** @param scrub applied to every event before it is written (secrets out) */
    EventStreams(UnaryOperator<String> scrub) {
        this.scrub = scrub;
        this.scheduler = Executors.newScheduledThreadPool(2, r -> {
            Thread t = new Thread(r, "valence-ui-events");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Answers {@code ex} with an event stream fed by {@code source} every {@code period}; false (nothing sent)
     * when {@link #MAX_STREAMS} are open or the server is stopping. On true the exchange is the stream's: the
     * caller must not close it.
     */
    synchronized boolean open(HttpExchange ex, Duration period, Source source) throws IOException {
        if (closed || open.size() >= MAX_STREAMS) {
            return false;
        }
        ex.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
        ex.getResponseHeaders().set("Cache-Control", "no-store");
        ex.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
        ex.sendResponseHeaders(200, 0);
        Stream s = new Stream(ex, source);
        open.add(s);
        s.write("retry: " + RETRY_MILLIS + "\n\n");
        s.future = scheduler.scheduleWithFixedDelay(s::tick, 0, period.toMillis(), TimeUnit.MILLISECONDS);
        LOG.debug("event stream {} opened ({} open)", ex.getRequestURI(), open.size());
        return true;
    }

    /** How many streams are open. */
    int size() {
        return open.size();
    }

    @Override
    public void close() {
        List<Stream> all;
        synchronized (this) {
            closed = true;
            all = new ArrayList<>(open);
        }
        all.forEach(Stream::end);
        scheduler.shutdownNow();
    }

    /**
     * The lines of {@code now} that {@code before} did not end with: both are tails of one growing log, so the
     * longest end of {@code before} that starts {@code now} is what was seen already. When nothing overlaps, all
     * of {@code now} is new (the log moved on by more than a tail between two reads).
     */
    static List<String> newLines(List<String> before, List<String> now) {
        for (int k = Math.min(before.size(), now.size()); k > 0; k--) {
            if (before.subList(before.size() - k, before.size()).equals(now.subList(0, k))) {
                return now.subList(k, now.size());
            }
        }
        return now;
    }

    private final class Stream implements Sink {
        private final HttpExchange ex;
        private final OutputStream out;
        private final Source source;
        private volatile ScheduledFuture<?> future;
        private long lastWrite = System.nanoTime();
        private boolean ended;

        Stream(HttpExchange ex, Source source) {
            this.ex = ex;
            this.out = ex.getResponseBody();
            this.source = source;
        }

        synchronized void tick() {
            if (ended) {
                // ended before its schedule was known (at its first tick)
                ScheduledFuture<?> f = future;
                if (f != null) {
                    f.cancel(false);
                }
                return;
            }
            try {
                if (!source.tick(this)) {
                    end();
                } else if (System.nanoTime() - lastWrite > HEARTBEAT_NANOS) {
                    write(": ping\n\n");
                }
            } catch (IOException e) {
                LOG.debug("event stream {} closed by the other side: {}", ex.getRequestURI(), e.toString());
                end();
            } catch (RuntimeException e) {
                LOG.debug("event stream {} failed", ex.getRequestURI(), e);
                end();
            }
        }

        @Override
        public void event(String name, String json) throws IOException {
            write("event: " + name + "\ndata: " + json.replace("\n", "\ndata: ") + "\n\n");
        }

        synchronized void write(String text) throws IOException {
            out.write(scrub.apply(text).getBytes(StandardCharsets.UTF_8));
            out.flush();
            lastWrite = System.nanoTime();
        }

        synchronized void end() {
            if (ended) {
                return;
            }
            ended = true;
            ScheduledFuture<?> f = future;
            if (f != null) {
                f.cancel(false);
            }
            open.remove(this);
            try {
                ex.close();
            } catch (RuntimeException e) {
                LOG.debug("closing event stream {}: {}", ex.getRequestURI(), e.toString());
            }
        }
    }
}
