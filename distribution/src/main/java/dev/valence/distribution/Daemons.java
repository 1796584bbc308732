package dev.valence.distribution;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/** Daemon threads for bounded checks: a check that never answers must not keep the command alive. */
final class Daemons {
    private static final AtomicInteger SEQ = new AtomicInteger();

    /** Runs checks whose callers wait with a timeout. */
    static final ExecutorService EXECUTOR = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "valence-cli-check-" + SEQ.incrementAndGet());
        t.setDaemon(true);
        return t;
    });

    private Daemons() {
    }
}
