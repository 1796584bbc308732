package dev.valence.core;

import dev.valence.api.ElementResult;
import dev.valence.api.ErrorKind;
import dev.valence.api.TaskCall;
import dev.valence.api.ValenceException;
import dev.valence.spi.ArtifactStore;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.IntFunction;

/**
 * A map call's folder in the store and how it is read and written. Under the node's prefix:
 * {@code input} (the function, once), {@code items/<i>} (element {@code i}), {@code out/<i>} (its value),
 * {@code err/<i>} (its exception) and, for a Job that runs only some elements (a resumed map),
 * {@code indexes} (the element of each completion index, one per line). Many items are written and read
 * in parallel on the given threads.
 */
final class MapJobs {
    /** Env variable telling the launcher it runs element {@code JOB_COMPLETION_INDEX} of a map of this size. */
    static final String SIZE_ENV = "VALENCE_MAP_SIZE";
    /** Env variable: how many times the launcher runs an element again after it threw. */
    static final String RETRIES_ENV = "VALENCE_MAP_RETRIES";
    /** Env variable: set when completion index {@code k} runs the element on line {@code k} of {@code indexes}. */
    static final String INDEXES_ENV = "VALENCE_MAP_INDEXES";
    /** The env variable the Job controller gives each pod of an Indexed Job. */
    static final String COMPLETION_INDEX_ENV = "JOB_COMPLETION_INDEX";

    private final ArtifactStore store;
    private final Executor io;

    MapJobs(ArtifactStore store, Executor io) {
        this.store = store;
        this.io = io;
    }

    static String item(String prefix, int i) {
        return prefix + "items/" + i;
    }

    static String out(String prefix, int i) {
        return prefix + "out/" + i;
    }

    static String err(String prefix, int i) {
        return prefix + "err/" + i;
    }

    static String indexes(String prefix) {
        return prefix + "indexes";
    }

    /** Writes every element (in parallel), then the function: {@code input} there means all items are there. */
    void writeInputs(TaskCall call, String prefix) {
        List<?> elements = call.elements();
        byte[] function = PayloadCodec.encodeInput(call.taskName(), call.body(), List.of());
        forEach(elements.size(), i -> {
            store.put(item(prefix, i), PayloadCodec.encodeElement(call.taskName(), i, elements.get(i)));
            return null;
        });
        store.put(prefix + "input", function);
    }

    /** The elements whose value is in the store (one listing). */
    BitSet succeeded(String prefix, int n) {
        BitSet done = new BitSet(n);
        for (String key : store.list(prefix + "out/")) {
            int i = index(key);
            if (i >= 0 && i < n) {
                done.set(i);
            }
        }
        return done;
    }

    /** How many elements have a value or an exception in the store (two listings). */
    int written(String prefix, int n) {
        BitSet any = succeeded(prefix, n);
        for (String key : store.list(prefix + "err/")) {
            int i = index(key);
            if (i >= 0 && i < n) {
                any.set(i);
            }
        }
        return any.cardinality();
    }

    /** Writes {@code indexes}: completion index {@code k} runs element {@code elements.get(k)}. */
    void writeIndexes(String prefix, List<Integer> elements) {
        StringBuilder text = new StringBuilder();
        elements.forEach(i -> text.append(i).append('\n'));
        store.put(indexes(prefix), text.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** Forgets the exceptions of an earlier run, so that a run again does not report them for its own. */
    void forgetErrors(String prefix) {
        store.deletePrefix(prefix + "err/");
    }

    /**
     * Every element's result, read in parallel: its value, else its exception, else {@code missing(i)} (its
     * pod never wrote one: the Job's failure, with its reason and log tail).
     */
    <R> List<ElementResult<R>> read(TaskCall call, String prefix, int n, IntFunction<Throwable> missing) {
        BitSet ok = succeeded(prefix, n);
        BitSet failed = new BitSet(n);
        for (String key : store.list(prefix + "err/")) {
            int i = index(key);
            if (i >= 0 && i < n) {
                failed.set(i);
            }
        }
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        return forEach(n, i -> {
            if (!ok.get(i) && !failed.get(i)) {
                return ElementResult.<R>failed(i, missing.apply(i));
            }
            String key = ok.get(i) ? out(prefix, i) : err(prefix, i);
            PayloadCodec.Output o;
            try (InputStream in = store.get(key)) {
                o = PayloadCodec.decodeOutput(in, "output of element " + i + " of the map of task '" + call.taskName()
                        + "' at " + store.describe(key), loader);
            } catch (java.io.IOException e) {
                throw new ValenceException(ErrorKind.STORE, "reading " + store.describe(key) + ": " + e, e);
            }
            @SuppressWarnings("unchecked")
            ElementResult<R> r = o.ok() ? ElementResult.succeeded(i, (R) o.value()) : ElementResult.failed(i, o.error());
            return r;
        });
    }

    /** {@code work(i)} for every {@code i < n} on the I/O threads, the results in order; the first failure is thrown. */
    private <T> List<T> forEach(int n, IntFunction<T> work) {
        List<CompletableFuture<T>> futures = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int index = i;
            futures.add(CompletableFuture.supplyAsync(() -> work.apply(index), io));
        }
        List<T> out = new ArrayList<>(n);
        for (CompletableFuture<T> f : futures) {
            try {
                out.add(f.join());
            } catch (java.util.concurrent.CompletionException e) {
                throw e.getCause() instanceof RuntimeException r ? r : e;
            }
        }
        return out;
    }

    private static int index(String key) {
        String last = key.substring(key.lastIndexOf('/') + 1);
        try {
            return Integer.parseInt(last);
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
