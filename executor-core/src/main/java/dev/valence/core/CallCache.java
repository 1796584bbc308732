package dev.valence.core;

import dev.valence.api.ErrorKind;
import dev.valence.api.TaskCall;
import dev.valence.api.TaskRun;
import dev.valence.api.TaskStatus;
import dev.valence.api.ValenceException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The lookup every executor makes before it runs a call whose task has {@code cache} on (the task's
 * option, else the executor's {@code cache} setting): the call's {@link CallKey} is looked up in the data
 * store's {@link CacheEntries}; a hit completes at once with status {@code CACHED} (no Job, no pod, no
 * thread); an identical call already running in this JVM (in this dispatch or another) is shared; a miss
 * runs, and its value is written to the cache after it completed — a failed call never is.
 */
final class CallCache {
    private static final Logger LOG = LoggerFactory.getLogger(CallCache.class);
    /** Calls running now, by store location and key: identical calls in this JVM run once. */
    private static final Map<String, CompletableFuture<Object>> IN_FLIGHT = new ConcurrentHashMap<>();
    private static final Set<String> WARNED = ConcurrentHashMap.newKeySet();

    private final Optional<CacheEntries> entries;
    private final boolean byDefault;
    private final Optional<Duration> ttl;
    private final Supplier<Map<String, String>> environment;
    private final String executor;

    /**
     * A cache in {@code entries} (empty: an executor without a data store, which runs every call), on by
     * default when {@code byDefault}, entries older than {@code ttl} expired, keys with the executor's
     * {@code environment} parts (computed once, on the first cached call).
     */
    CallCache(Optional<CacheEntries> entries, boolean byDefault, Optional<Duration> ttl,
            Supplier<Map<String, String>> environment, String executor) {
        this.entries = entries;
        this.byDefault = byDefault;
        this.ttl = ttl;
        this.environment = memoized(environment);
        this.executor = executor;
    }

    /** Whether the call's task asks for the cache (its {@code cache} option, else the executor's default). */
    boolean enabled(TaskCall call) {
        Object v = call.options().settings().get("cache");
        return v instanceof Boolean b ? b : byDefault;
    }

    private Optional<Duration> ttl(TaskCall call) {
        Object v = call.options().settings().get("cache_ttl");
        return v instanceof Duration d ? Optional.of(d) : ttl;
    }

    /** Runs the call with {@code run} unless its output is cached or an identical call is running. */
    @SuppressWarnings("unchecked")
    <R> TaskRun<R> submit(TaskCall call, Function<TaskCall, TaskRun<R>> run) {
        if (!enabled(call)) {
            return run.apply(call);
        }
        if (entries.isEmpty()) {
            if (WARNED.add(executor + "|" + call.taskName())) {
                LOG.warn("task '{}' asks for cache = true, but executor {} has no data store to keep outputs in: its "
                        + "calls run every time (make a local executor with new LocalExecutor(store, settings))",
                        call.taskName(), executor);
            }
            return run.apply(call);
        }
        Optional<CallKey> key = CallKey.of(call, environment.get());
        if (key.isEmpty()) {
            LOG.debug("task '{}': its call cannot be serialized, so it has no cache key; running it", call.taskName());
            return run.apply(call);
        }
        CacheEntries cache = entries.get();
        String flight = cache.location() + "|" + key.get().hex();
        CompletableFuture<Object> mine = new CompletableFuture<>();
        CompletableFuture<Object> other = IN_FLIGHT.putIfAbsent(flight, mine);
        if (other != null) {
            LOG.info("task '{}' ({}/{}): an identical call (key {}) is running; sharing its result", call.taskName(),
                    call.dispatchId(), call.nodeId(), CallKey.shortForm(key.get().hex()));
            return follow(call, other, run);
        }
        CacheEntries.Lookup found;
        try {
            found = cache.lookup(key.get().hex(), ttl(call), Thread.currentThread().getContextClassLoader());
        } catch (RuntimeException e) {
            LOG.warn("task '{}': the cache in {} cannot be read ({}); running the call", call.taskName(), cache.location(),
                    e.getMessage());
            found = new CacheEntries.Lookup(false, null, "unreadable store");
        }
        if (found.hit()) {
            LOG.info("task '{}' ({}/{}): CACHED (key {}); no Job", call.taskName(), call.dispatchId(), call.nodeId(),
                    CallKey.shortForm(key.get().hex()));
            IN_FLIGHT.remove(flight, mine);
            mine.complete(found.value());
            RunHandle<R> h = new RunHandle<>(call);
            h.completeCached((R) found.value());
            return h;
        }
        LOG.info("task '{}' ({}/{}): not in the cache (key {}: {}); running it", call.taskName(), call.dispatchId(),
                call.nodeId(), CallKey.shortForm(key.get().hex()), found.why());
        TaskRun<R> real;
        try {
            real = run.apply(call);
        } catch (RuntimeException e) {
            IN_FLIGHT.remove(flight, mine);
            mine.completeExceptionally(e);
            throw e;
        }
        CompletableFuture<R> written = new CompletableFuture<>();
        real.result().whenComplete((v, err) -> {
            if (err == null && v instanceof dev.valence.api.MapResult<?> m && !m.allSucceeded()) {
                LOG.info("map of task '{}': {} of {} elements failed, so its result is not cached", call.taskName(),
                        m.failures().size(), m.size());
            } else if (err == null) {
                try {
                    if (cache.write(key.get(), v, executor, call.dispatchId(), call.nodeId())) {
                        LOG.debug("task '{}': output cached under key {}", call.taskName(), key.get().hex());
                    }
                } catch (RuntimeException w) {
                    LOG.warn("task '{}': its output could not be written to the cache in {} ({}); the next identical "
                            + "call runs again", call.taskName(), cache.location(), w.getMessage());
                }
            }
            IN_FLIGHT.remove(flight, mine);
            if (err == null) {
                mine.complete(v);
                written.complete(v);
            } else {
                mine.completeExceptionally(err);
                if (Causes.unwrap(err) instanceof CancellationException) {
                    written.cancel(false);
                } else {
                    written.completeExceptionally(Causes.unwrap(err));
                }
            }
        });
        written.whenComplete((v, err) -> {
            if (written.isCancelled() && !real.result().isDone()) {
                real.result().cancel(true);
            }
        });
        return new AfterWrite<>(real, written);
    }

    /** A run whose result completes once its output is in the cache: an identical call made next is a hit. */
    private record AfterWrite<R>(TaskRun<R> run, CompletableFuture<R> result) implements TaskRun<R> {
        @Override
        public TaskCall call() {
            return run.call();
        }

        @Override
        public TaskStatus status() {
            if (!result.isDone()) {
                return run.status().isFinal() ? TaskStatus.RUNNING : run.status();
            }
            if (result.isCancelled()) {
                return TaskStatus.CANCELLED;
            }
            return result.isCompletedExceptionally() ? TaskStatus.FAILED : TaskStatus.COMPLETED;
        }

        @Override
        public Optional<String> jobName() {
            return run.jobName();
        }

        @Override
        public Optional<java.time.Instant> startedAt() {
            return run.startedAt();
        }

        @Override
        public Optional<java.time.Instant> finishedAt() {
            return run.finishedAt();
        }

        @Override
        public boolean cancel() {
            boolean mine = run.cancel();
            result.cancel(false);
            return mine;
        }

        @Override
        public String toString() {
            return run.toString();
        }
    }

    /**
     * A call identical to one already running: completes (status {@code CACHED}) with a copy of that run's
     * value, or fails as it failed; when that run was cancelled, this call runs on its own.
     */
    @SuppressWarnings("unchecked")
    private <R> TaskRun<R> follow(TaskCall call, CompletableFuture<Object> leader, Function<TaskCall, TaskRun<R>> run) {
        RunHandle<R> h = new RunHandle<>(call);
        h.running();
        leader.whenComplete((v, err) -> {
            if (h.isDone()) {
                return;
            }
            if (err == null) {
                PayloadCodec.Output copy = PayloadCodec.roundTrip(call.taskName(), PayloadCodec.Output.value(v),
                        Thread.currentThread().getContextClassLoader());
                if (copy.ok()) {
                    h.completeCached((R) copy.value());
                } else {
                    h.fail(copy.error());
                }
                return;
            }
            Throwable cause = Causes.unwrap(err);
            boolean cancelled = cause instanceof CancellationException
                    || (cause instanceof ValenceException v2 && v2.kind() == ErrorKind.CANCELLED);
            if (!cancelled) {
                h.fail(cause);
                return;
            }
            LOG.info("task '{}' ({}/{}): the identical call it waited for was cancelled; running it", call.taskName(),
                    call.dispatchId(), call.nodeId());
            try {
                TaskRun<R> own = submit(call, run);
                h.onCancel(own::cancel);
                own.result().whenComplete((v3, e3) -> {
                    if (e3 == null) {
                        h.complete(v3);
                    } else {
                        h.fail(Causes.unwrap(e3));
                    }
                });
            } catch (RuntimeException e) {
                h.fail(e);
            }
        });
        return h;
    }

    private static <T> Supplier<T> memoized(Supplier<T> s) {
        return new Supplier<>() {
            private volatile T value;

            @Override
            public T get() {
                T v = value;
                if (v == null) {
                    synchronized (this) {
                        if (value == null) {
                            value = s.get();
                        }
                        v = value;
                    }
                }
                return v;
            }
        };
    }
}
