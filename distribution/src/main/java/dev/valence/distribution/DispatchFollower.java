package dev.valence.distribution;

import dev.valence.api.NodeResult;
import dev.valence.api.TaskError;
import dev.valence.api.TaskStatus;
import dev.valence.api.WorkflowResult;
import dev.valence.core.Dispatcher;
import jakarta.inject.Inject;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Follows a dispatch this process runs to its end, for {@code valence run} and {@code valence
 * dispatches resume}: live progress, Ctrl-C cancels it, then the value on stdout or, for a failure,
 * each failed node's exception with the top frames of its (remote) stack trace — every frame with
 * {@code -v}.
 */
final class DispatchFollower {
    /** Frames of each exception in a chain that {@code valence run} prints without {@code -v}. */
    static final int TOP_FRAMES = 5;

    private final CliEnvironment env;
    private final GlobalOptions options;

    @Inject
    DispatchFollower(CliEnvironment env, GlobalOptions options) {
        this.env = env;
        this.options = options;
    }

    /** Waits for the dispatch, showing progress and cancelling it on exit; then reports it; returns the exit code. */
    int followAndReport(Dispatcher d, String id) {
        return report(follow(d, id, new Progress(env.err(), env.terminal())));
    }

    private WorkflowResult<Object> follow(Dispatcher d, String id, Progress progress) {
        Thread cancelOnExit = new Thread(() -> d.cancel(id), "valence-cancel-" + id);
        Runtime.getRuntime().addShutdownHook(cancelOnExit);
        ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "valence-progress");
            t.setDaemon(true);
            return t;
        });
        try {
            CompletableFuture<WorkflowResult<Object>> done = CompletableFuture.supplyAsync(() -> d.result(id, true),
                    Daemons.EXECUTOR);
            // drawn once now, on this thread: a dispatch done before the ticker's first run still shows its
            // progress drawn, then redrawn in place with the result (not only the final state)
            progress.update(d.result(id));
            long period = env.terminal() ? 200 : 50;
            ticker.scheduleWithFixedDelay(() -> progress.update(d.result(id)), period, period, TimeUnit.MILLISECONDS);
            WorkflowResult<Object> result = Failures.unwrapped(done::join);
            ticker.shutdown();
            awaitQuietly(ticker);
            progress.update(result);
            return result;
        } finally {
            ticker.shutdownNow();
            try {
                Runtime.getRuntime().removeShutdownHook(cancelOnExit);
            } catch (IllegalStateException e) {
                // shutting down already: the hook runs
            }
        }
    }

    private static void awaitQuietly(ScheduledExecutorService ticker) {
        try {
            ticker.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private int report(WorkflowResult<Object> r) {
        PrintWriter err = env.err();
        Duration took = Duration.between(r.startedAt(), r.finishedAt().orElse(r.startedAt()));
        if (r.status() == TaskStatus.COMPLETED) {
            err.printf("dispatch %s %s in %.1f s%n", r.dispatchId(), r.status(), took.toMillis() / 1000.0);
            err.flush();
            env.out().println(String.valueOf(r.value().orElse(null)));
            env.out().flush();
            return 0;
        }
        err.println("dispatch " + r.dispatchId() + " " + r.status() + r.error().map(e -> ": " + e).orElse(""));
        boolean cut = false;
        for (NodeResult n : r.nodes()) {
            if (n.status() != TaskStatus.FAILED) {
                continue;
            }
            if (n.exception().isPresent()) {
                err.println("  " + n.nodeId() + " threw:");
                TaskError e = n.exception().get();
                int frames = options.verbose ? Integer.MAX_VALUE : TOP_FRAMES;
                e.trace(frames).forEach(line -> err.println("    " + line));
                cut |= e.chain().stream().anyMatch(c -> c.frames().size() > frames);
            } else if (n.error().isPresent()) {
                err.println("  " + n.nodeId() + ": " + n.error().get());
            }
        }
        if (cut) {
            err.println("  (every frame: -v, or 'valence dispatches show " + r.dispatchId() + "')");
        }
        err.flush();
        return Failures.FAILED;
    }
}
