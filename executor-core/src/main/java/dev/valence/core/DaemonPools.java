package dev.valence.core;

import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** The executor's thread pools: at most N daemon threads taking work from an unbounded queue; idle ones end after 30 s. */
final class DaemonPools {
    private static final AtomicInteger THREADS = new AtomicInteger();

    private DaemonPools() {
    }

    static ThreadPoolExecutor of(int threads, String namePrefix) {
        ThreadPoolExecutor p = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, namePrefix + THREADS.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        p.allowCoreThreadTimeOut(true);
        return p;
    }
}
