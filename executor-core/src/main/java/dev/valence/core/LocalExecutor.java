package dev.valence.core;

import dev.valence.api.ErrorKind;
import dev.valence.api.Executor;
import dev.valence.api.ValenceException;
import dev.valence.api.TaskCall;
import dev.valence.api.TaskRun;
import java.io.ByteArrayInputStream;
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

    @Override
    public void close() {
        pool.shutdownNow();
    }

    @Override
    public String toString() {
        return "LocalExecutor";
    }
}
