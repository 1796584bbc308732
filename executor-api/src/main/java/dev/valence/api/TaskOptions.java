package dev.valence.api;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What one task changes for its calls without a second executor: some of the executor's settings
 * ({@code vcpu}, {@code memory}, {@code gpus}, {@code timeout}, {@code retries}, {@code labels},
 * {@code node_selector}), checked as settings are, and the client-side retry policy ({@code attempts},
 * {@code backoff}) for failures Kubernetes does not retry itself.
 */
public final class TaskOptions {
    private static final int DEFAULT_ATTEMPTS = 3;
    private static final Duration DEFAULT_BACKOFF = Duration.ofSeconds(1);

    /** No override, the default retry policy. */
    public static final TaskOptions NONE = new TaskOptions(Map.of(), DEFAULT_ATTEMPTS, DEFAULT_BACKOFF, 0, 1.0);

    /** The settings a task may override. */
    public static final java.util.List<String> OVERRIDABLE = java.util.List.of("vcpu", "memory", "gpus", "timeout",
            "retries", "labels", "node_selector", "cache", "cache_ttl");

    private final Map<String, Object> settings;
    private final int attempts;
    private final Duration backoff;
    private final int parallelism;
    private final double minSuccessRatio;

    private TaskOptions(Map<String, Object> settings, int attempts, Duration backoff, int parallelism,
            double minSuccessRatio) {
        this.settings = Collections.unmodifiableMap(new LinkedHashMap<>(settings));
        this.attempts = attempts;
        this.backoff = backoff;
        this.parallelism = parallelism;
        this.minSuccessRatio = minSuccessRatio;
    }

    /** For a map: how many elements run at once (the Indexed Job's {@code parallelism}); 0 = all of them. */
    public int parallelism() {
        return parallelism;
    }

    /**
     * For a map: the share of elements that must succeed for the map to succeed (0 to 1, default 1); below
     * 1, a failed element gives a {@code null} value and its error in the {@link MapResult} instead of
     * failing the map.
     */
    public double minSuccessRatio() {
        return minSuccessRatio;
    }

    /** For a map: how many times a failed element is run again ({@code retries} of the task or executor); 0 when not set. */
    public int elementRetries() {
        return settings.get("retries") instanceof Number n ? n.intValue() : 0;
    }

    /** The overridden settings, by setting key, as given (an executor applies them over its own settings). */
    public Map<String, Object> settings() {
        return settings;
    }

    /**
     * How many times in all a call is tried when it fails in a way Kubernetes does not retry (default 3;
     * 1 turns client-side retries off). Unrelated to {@code retries}, the Job's {@code backoffLimit}.
     */
    public int attempts() {
        return attempts;
    }

    /** The wait before the second attempt; it doubles for each further one, up to 60 seconds. */
    public Duration backoff() {
        return backoff;
    }

    /** The wait before attempt {@code n} (2 for the first retry). */
    public Duration backoffBefore(int n) {
        Duration d = backoff.multipliedBy(1L << Math.min(20, Math.max(0, n - 2)));
        return d.compareTo(Duration.ofSeconds(60)) > 0 ? Duration.ofSeconds(60) : d;
    }

    /** True when no setting is overridden. */
    public boolean isEmpty() {
        return settings.isEmpty();
    }

    /** A builder starting from these options, for the task named {@code taskName} (named in errors). */
    public Builder toBuilder(String taskName) {
        Builder b = new Builder(taskName);
        b.settings.putAll(settings);
        b.attempts = attempts;
        b.backoff = backoff;
        b.parallelism = parallelism;
        b.minSuccessRatio = minSuccessRatio;
        return b;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TaskOptions t && t.settings.equals(settings) && t.attempts == attempts
                && t.backoff.equals(backoff) && t.parallelism == parallelism && t.minSuccessRatio == minSuccessRatio;
    }

    @Override
    public int hashCode() {
        return Objects.hash(settings, attempts, backoff, parallelism, minSuccessRatio);
    }

    @Override
    public String toString() {
        return settings + (attempts != DEFAULT_ATTEMPTS ? " attempts=" + attempts : "")
                + (!backoff.equals(DEFAULT_BACKOFF) ? " backoff=" + backoff : "")
                + (parallelism != 0 ? " parallelism=" + parallelism : "")
                + (minSuccessRatio != 1.0 ? " minSuccessRatio=" + minSuccessRatio : "");
    }

    /** Builds {@link TaskOptions}; {@code build()} checks every value as a setting and names the task. */
    public static final class Builder {
        private final String taskName;
        private final Map<String, Object> settings = new LinkedHashMap<>();
        private int attempts;
        private Duration backoff;
        private int parallelism;
        private double minSuccessRatio = 1.0;

        private Builder(String taskName) {
            this.taskName = taskName;
        }

        /** CPU request ({@code 500m}, {@code 2}). */
        public Builder vcpu(String v) {
            return set("vcpu", v);
        }

        /** Memory request ({@code 1G}, {@code 4Gi}). */
        public Builder memory(String v) {
            return set("memory", v);
        }

        /** GPUs ({@code nvidia.com/gpu}) to request. */
        public Builder gpus(int v) {
            return set("gpus", v);
        }

        /** The Job's active deadline. */
        public Builder timeout(Duration v) {
            return set("timeout", v);
        }

        /** The Job's {@code backoffLimit}: how many times Kubernetes re-runs a failed pod; for a map, per element. */
        public Builder retries(int v) {
            return set("retries", v);
        }

        /** Labels added to the Job and its pods (over the executor's {@code labels}). */
        public Builder labels(Map<String, String> v) {
            return set("labels", v);
        }

        /** The pod's node selector (replacing the executor's {@code node_selector}). */
        public Builder nodeSelector(Map<String, String> v) {
            return set("node_selector", v);
        }

        /**
         * Whether calls of this task are memoized: a call whose key (code, arguments, image) has an entry
         * in the data store's {@code cache/} is not run; its output is reused (status {@code CACHED}).
         */
        public Builder cache(boolean v) {
            return set("cache", v);
        }

        /** How long a cached output of this task is reused; an older entry is a miss. */
        public Builder cacheTtl(Duration v) {
            return set("cache_ttl", v);
        }

        /** Overrides any of {@link #OVERRIDABLE} by its setting key; {@code null} removes an override. */
        public Builder set(String key, Object value) {
            if (!OVERRIDABLE.contains(key)) {
                throw new ValenceException(ErrorKind.CONFIG, "task '" + taskName + "': setting '" + key
                        + "' cannot be overridden for one task (accepted: " + String.join(", ", OVERRIDABLE)
                        + "; use a second executor for the others)");
            }
            if (value == null) {
                settings.remove(key);
            } else {
                settings.put(key, value);
            }
            return this;
        }

        /** How many times in all to try a call that fails in a way Kubernetes does not retry (1 to 10). */
        public Builder attempts(int v) {
            if (v < 1 || v > 10) {
                throw new ValenceException(ErrorKind.CONFIG, "task '" + taskName + "': attempts '" + v
                        + "' is not valid: expected 1 to 10 (1 = no client-side retry)");
            }
            attempts = v;
            return this;
        }

        /** The wait before the first client-side retry (0 to 10 minutes); doubled for each further one. */
        public Builder backoff(Duration v) {
            if (v == null || v.isNegative() || v.compareTo(Duration.ofMinutes(10)) > 0) {
                throw new ValenceException(ErrorKind.CONFIG, "task '" + taskName + "': backoff '" + v
                        + "' is not valid: expected a duration from 0 to 10 minutes");
            }
            backoff = v;
            return this;
        }

        /** For a map: how many elements run at once (1 to 100,000; 0 = all of them, the default). */
        public Builder parallelism(int v) {
            if (v < 0 || v > 100_000) {
                throw new ValenceException(ErrorKind.CONFIG, "task '" + taskName + "': parallelism '" + v
                        + "' is not valid: expected 0 (all elements at once) to 100000");
            }
            parallelism = v;
            return this;
        }

        /**
         * For a map: the share of elements that must succeed (0.0 to 1.0; default 1.0, every element). Below
         * 1, failed elements give a {@code null} value and their error instead of failing the map.
         */
        public Builder minSuccessRatio(double v) {
            if (!(v >= 0.0 && v <= 1.0)) {
                throw new ValenceException(ErrorKind.CONFIG, "task '" + taskName + "': minSuccessRatio '" + v
                        + "' is not valid: expected 0.0 to 1.0 (the share of elements that must succeed)");
            }
            minSuccessRatio = v;
            return this;
        }

        /** Checks every overridden value as the setting of that key would be checked, naming the task. */
        public TaskOptions build() {
            if (!settings.isEmpty()) {
                Settings.Builder check = Settings.builder().environment(Map.of());
                settings.forEach(check::set);
                try {
                    check.build();
                } catch (ValenceException e) {
                    throw new ValenceException(ErrorKind.CONFIG, "task '" + taskName + "': override "
                            + e.getMessage().replaceAll(" \\(from (the )?builder\\)", ""), e);
                }
            }
            return new TaskOptions(settings, attempts, backoff, parallelism, minSuccessRatio);
        }
    }
}
