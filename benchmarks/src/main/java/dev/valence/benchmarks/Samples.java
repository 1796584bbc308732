package dev.valence.benchmarks;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Durations measured in nanoseconds, with the order statistics a report needs. */
final class Samples {
    private final List<Long> nanos = new ArrayList<>();

    void add(long n) {
        nanos.add(n);
    }

    int count() {
        return nanos.size();
    }

    /** The median in nanoseconds (the lower middle for an even count); 0 when empty. */
    long median() {
        return percentile(50);
    }

    long min() {
        return nanos.isEmpty() ? 0 : Collections.min(nanos);
    }

    long max() {
        return nanos.isEmpty() ? 0 : Collections.max(nanos);
    }

    /** The nearest-rank percentile. */
    long percentile(int p) {
        if (nanos.isEmpty()) {
            return 0;
        }
        List<Long> sorted = new ArrayList<>(nanos);
        Collections.sort(sorted);
        int rank = (int) Math.ceil(p / 100.0 * sorted.size());
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1)));
    }

    static double ms(long nanos) {
        return nanos / 1e6;
    }

    static double us(long nanos) {
        return nanos / 1e3;
    }
}
