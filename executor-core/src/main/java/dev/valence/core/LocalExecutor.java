package dev.valence.core;

import dev.valence.api.ErrorKind;
import dev.valence.api.Executor;
import dev.valence.api.ValenceException;
import dev.valence.api.TaskCall;
import dev.valence.api.TaskRun;
import dev.valence.api.ElementResult;
import dev.valence.api.MapResult;
import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import dev.valence.api.Settings;
import dev.valence.spi.ArtifactStore;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs tasks in this JVM, on a thread each: the seed's local executor. Arguments, results and the
 * task's exceptions travel through the same codec as on Kubernetes: the caller gets copies, and a
 * function, argument or result that is not serializable is the same {@code PAYLOAD} error here as on
 * a cluster. Cancelling interrupts the task's thread.
 */
public final class LocalExecutor implements Executor {
    private static final Logger LOG = LoggerFactory.getLogger(LocalExecutor.class);
    private static final AtomicInteger THREADS = new AtomicInteger();

    private final CallCache cache;

    /** A local executor that keeps no call cache: a task with {@code cache = true} runs every time (with a WARN). */
    public LocalExecutor() {
        this.cache = new CallCache(Optional.empty(), false, Optional.empty(), Map::of, "local");
    }

    /**
     * A local executor whose tasks' calls are memoized in {@code cacheStore} (under {@code cache/}, as on
     * Kubernetes): {@code cache} and {@code cache_ttl} of {@code settings} are the defaults; the key's
     * environment is the content of this JVM's class path jars (digests remembered under {@code cache_dir})
     * and the Java version. The store stays the caller's to close.
     */
    public LocalExecutor(ArtifactStore cacheStore, Settings settings) {
        this.cache = new CallCache(Optional.of(new CacheEntries(cacheStore)), settings.cache(), settings.cacheTtl(),
                () -> classPathParts(settings), "local");
    }

    /** The local executor's environment parts of a call's key: its class path's jars and the JVM. */
    static Map<String, String> classPathParts(Settings settings) {
        FileDigests digests = FileDigests.under(settings.cacheDir());
        java.security.MessageDigest md = CallKey.sha256();
        for (java.nio.file.Path p : TaskImages.currentClasspath()) {
            if (java.nio.file.Files.isRegularFile(p)) {
                md.update(p.getFileName().toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
                md.update(digests.digest(p));
            }
        }
        digests.save();
        Map<String, String> parts = new java.util.LinkedHashMap<>();
        parts.put("class_path_jars", CallKey.hex(md.digest()));
        parts.put("java", Runtime.version().toString());
        return parts;
    }

    private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "valence-local-" + THREADS.incrementAndGet());
        t.setDaemon(true);
        return t;
    });

    @Override
    public String name() {
        return "local";
    }

    @Override
    @SuppressWarnings("unchecked")
    public <R> TaskRun<R> submit(TaskCall call) {
        if (pool.isShutdown()) {
            throw new ValenceException(ErrorKind.CONFIG, "executor local is closed; tasks cannot be submitted to it");
        }
        return cache.submit(call, this::run);
    }

    /** Runs a call on a thread (a map on several): what {@link #submit} does when the cache has no output. */
    @SuppressWarnings("unchecked")
    private <R> TaskRun<R> run(TaskCall call) {
        if (call.map()) {
            return (TaskRun<R>) submitMap(call);
        }
        RunHandle<R> run = new RunHandle<>(call);
        byte[] payload = PayloadCodec.encodeInput(call.taskName(), call.body(), call.args());
        Future<?> work = pool.submit(() -> {
            run.running();
            LOG.info("task '{}' running locally ({}/{})", call.taskName(), call.dispatchId(), call.nodeId());
            try {
                ClassLoader loader = Thread.currentThread().getContextClassLoader();
                PayloadCodec.Input input = PayloadCodec.decodeInput(new ByteArrayInputStream(payload),
                        "input of task '" + call.taskName() + "'", loader);
                PayloadCodec.Output output;
                try {
                    output = PayloadCodec.Output.value(input.body().invoke(input.args().toArray()));
                } catch (Throwable t) {
                    output = PayloadCodec.Output.error(PayloadCodec.portable(t));
                }
                PayloadCodec.Output received = PayloadCodec.roundTrip(call.taskName(), output, loader);
                if (received.ok()) {
                    run.complete((R) received.value());
                } else {
                    run.fail(received.error());
                }
            } catch (Throwable t) {
                run.fail(t);
            }
        });
        run.onCancel(() -> work.cancel(true));
        return run;
    }

    /**
     * A map in threads: the function and the list go through the codec once; at most {@code parallelism}
     * elements (all when 0) run at once, each retried {@code retries} times when it throws; results in
     * input order, judged by {@code minSuccessRatio}.
     */
    private <R> TaskRun<MapResult<R>> submitMap(TaskCall call) {
        RunHandle<MapResult<R>> run = new RunHandle<>(call);
        byte[] payload = PayloadCodec.encodeInput(call.taskName(), call.body(), call.args());
        int n = call.elements().size();
        int workers = call.options().parallelism() == 0 ? n : Math.min(n, call.options().parallelism());
        int retries = call.options().elementRetries();
        List<ElementResult<R>> results = new ArrayList<>(Collections.nCopies(n, null));
        AtomicInteger next = new AtomicInteger();
        List<Future<?>> work = new ArrayList<>();
        CompletableFuture<PayloadCodec.Input> input = new CompletableFuture<>();
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        try {
            input.complete(PayloadCodec.decodeInput(new ByteArrayInputStream(payload), "input of task '"
                    + call.taskName() + "'", loader));
        } catch (RuntimeException e) {
            run.fail(e);
            return run;
        }
        List<?> elements = (List<?>) input.join().args().get(0);
        run.running();
        LOG.info("map of task '{}' over {} elements running locally, {} at once ({}/{})", call.taskName(), n, workers,
                call.dispatchId(), call.nodeId());
        AtomicInteger done = new AtomicInteger();
        Runnable finish = () -> {
            try {
                run.complete(MapElements.verdict(call, results, ", local"));
            } catch (Throwable t) {
                run.fail(t);
            }
        };
        if (n == 0) {
            finish.run();
            return run;
        }
        for (int w = 0; w < workers; w++) {
            work.add(pool.submit(() -> {
                for (int i = next.getAndIncrement(); i < n && !run.isDone(); i = next.getAndIncrement()) {
                    PayloadCodec.Output received;
                    try {
                        received = PayloadCodec.roundTrip(call.taskName(),
                                MapElements.run(input.join().body(), elements.get(i), retries, i, null), loader);
                    } catch (Throwable t) {
                        received = PayloadCodec.Output.error(t);
                    }
                    synchronized (results) {
                        results.set(i, received.ok() ? ElementResult.succeeded(i, (R) received.value())
                                : ElementResult.failed(i, received.error()));
                    }
                    if (done.incrementAndGet() == n) {
                        synchronized (results) {
                            finish.run();
                        }
                    }
                }
            }));
        }
        run.onCancel(() -> work.forEach(f -> f.cancel(true)));
        return run;
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }

    @Override
    public String toString() {
        return "LocalExecutor";
    }
}
