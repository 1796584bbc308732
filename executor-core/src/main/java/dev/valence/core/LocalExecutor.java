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
 * Runs tasks in this JVM, on a thread each: the seed's local executor. Arguments and results
 * travel through the same codec as on Kubernetes, so a task that is not serializable fails here
 * too instead of on the cluster. Cancelling interrupts the task's thread.
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
                PayloadCodec.Input input = PayloadCodec.decodeInput(new ByteArrayInputStream(payload),
                        "input of task '" + call.taskName() + "'", Thread.currentThread().getContextClassLoader());
                run.complete((R) input.body().invoke(input.args().toArray()));
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
