package dev.valence.tck;

import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * Threads left running in a native method (epoll_wait, a socket read): the JVM waits up to 0.3 s for
 * each such thread at every exit, so an adapter's HTTP client must not leave one behind. Parked or
 * waiting threads do not count.
 */
public final class ThreadsInNative {
    private ThreadsInNative() {
    }

    /**
     * The threads {@code mine} selects (a thread and its stack) that still run a native method, each as
     * "name in top frame", after giving them up to 5 s to wind down; empty when none is left.
     */
    public static List<String> leftBy(Predicate<Map.Entry<Thread, StackTraceElement[]>> mine)
            throws InterruptedException {
        List<String> inNative = List.of();
        for (int i = 0; i < 50; i++) {
            inNative = Thread.getAllStackTraces().entrySet().stream()
                    .filter(e -> e.getKey().getState() == Thread.State.RUNNABLE && e.getValue().length > 0
                            && e.getValue()[0].isNativeMethod())
                    .filter(mine)
                    .map(e -> e.getKey().getName() + " in " + e.getValue()[0])
                    .collect(Collectors.toList());
            if (inNative.isEmpty()) {
                break;
            }
            Thread.sleep(100);
        }
        return inNative;
    }
}
