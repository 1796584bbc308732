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
