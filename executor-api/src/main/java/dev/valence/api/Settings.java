package dev.valence.api;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The executor's settings: the seed plugin's keys, same names and meanings, plus Valence's own.
 * Immutable; every value remembers where it came from (default, file, environment, builder).
 * Secrets are masked in {@link #toString()}, {@link #describe()} and in every error.
 */
public final class Settings {

    /** Where a value came from; later sources beat earlier ones. */
    public enum Source { DEFAULT, FILE, ENV, BUILDER }

    /** One effective value and where it came from ({@code origin}: file path, variable name, ...). */
    public record Entry(String key, Object value, Source source, String origin) {
    }

    /** Prefix of the environment variables that set a key: {@code VALENCE_K8S_<KEY>}. */
    public static final String ENV_PREFIX = "VALENCE_K8S_";

    /** Values whose key matches this are secrets, whichever plugin declared them. */
    private static final Pattern SECRET_NAME = Pattern.compile(
            "(?i).*(password|passwd|secret|token|credential|connection_string|private_key|access_key|api_key|account_key).*");

    private final Map<String, Entry> entries;
    private final Set<String> sensitiveKeys;

    private Settings(Map<String, Entry> entries, Set<String> sensitiveKeys) {
        this.entries = Collections.unmodifiableMap(entries);
        this.sensitiveKeys = Set.copyOf(sensitiveKeys);
    }

    /** A builder starting from the defaults, with no file or environment applied. */
    public static Builder builder() {
        return new Builder();
    }

    /** The keys Valence itself knows, in the seed's order. */
    public static List<String> knownKeys() {
        return SettingKeys.names();
    }

    /** A builder holding these settings' layers, to derive a changed copy. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.knownKeys(extraKeys());
        b.sensitiveKeys(sensitiveKeys);
        entries.values().stream().filter(e -> e.source() != Source.DEFAULT)
                .forEach(e -> b.put(e.source(), e.origin(), e.key(), e.value()));
        return b;
    }

    private Set<String> extraKeys() {
        Set<String> extra = new LinkedHashSet<>(entries.keySet());
        extra.removeAll(SettingKeys.names());
        return extra;
    }

    // ---- typed accessors, in the seed's order ----

    /** JRE image the task image is built on. */
    public String baseImage() {
        return string("base_image");
    }

    /** The kubeconfig file; empty when none applies (in-cluster config is used in a pod). */
    public Optional<Path> k8sConfigFile() {
        return optional("k8s_config_file", Path.class);
    }

    /** The kubeconfig context; empty means the kubeconfig's current context. */
    public Optional<String> k8sContext() {
        return optional("k8s_context", String.class).filter(s -> !s.isEmpty());
    }

    /** Where Jobs go; empty means the context's namespace, else {@code default}. */
    public Optional<String> namespace() {
        return optional("namespace", String.class).filter(s -> !s.isEmpty());
    }

    /** Registry host ({@code localhost:5000}), {@code docker} (a local daemon) or {@code tar}. */
    public String registry() {
        return string("registry");
    }

    /** Repository name in the registry. */
    public String imageRepo() {
        return string("image_repo");
    }

    /** TOML file with {@code username} and {@code password} for the registry. */
    public Optional<Path> registryCredentialsFile() {
        return optional("registry_credentials_file", Path.class);
    }

    /** AWS region for ECR and S3; empty means the AWS SDK's default chain. */
    public Optional<String> region() {
        return optional("region", String.class).filter(s -> !s.isEmpty());
    }

    /** Where payloads and results go: an absolute path, {@code file:}, {@code s3://} or {@code azblob://} URI. */
    public String dataStore() {
        return string("data_store");
    }

    /** The scheme of {@link #dataStore()}: {@code file} for paths. */
    public String dataStoreScheme() {
        return SettingKeys.schemeOf(dataStore());
    }

    /** For a local store: the node path mounted into the pod. */
    public String dataStoreMount() {
        return string("data_store_mount");
    }

    /** CPU request, a Kubernetes quantity. */
    public String vcpu() {
        return string("vcpu");
    }

    /** Memory request, a Kubernetes quantity. */
    public String memory() {
        return string("memory");
    }

    /** Local cache: image digests, dispatch records, default local data store. */
    public Path cacheDir() {
        return value("cache_dir", Path.class);
    }

    /** Time between status resyncs. */
    public Duration pollFreq() {
        return value("poll_freq", Duration.class);
    }

    /** Which cluster client adapter to use: {@code fabric8} or {@code official}. */
    public String clusterClient() {
        return string("cluster_client");
    }

    /** GPUs per task ({@code nvidia.com/gpu}). */
    public int gpus() {
        return value("gpus", Integer.class);
    }

    /** Node labels a task's pod must match. */
    public Map<String, String> nodeSelector() {
        return map("node_selector");
    }

    /** Taints a task's pod tolerates. */
    @SuppressWarnings("unchecked")
    public List<Toleration> tolerations() {
        return (List<Toleration>) value("tolerations", List.class);
    }

    /** Service account of the task's pod; empty means the namespace's default. */
    public Optional<String> serviceAccount() {
        return optional("service_account", String.class).filter(s -> !s.isEmpty());
    }

    /** Names of secrets used to pull the task image. */
    @SuppressWarnings("unchecked")
    public List<String> imagePullSecrets() {
        return (List<String>) value("image_pull_secrets", List.class);
    }

    /** Extra environment variables for the task's container. */
    public Map<String, String> env() {
        return map("env");
    }

    /** Active deadline of a task's Job; empty means none. */
    public Optional<Duration> timeout() {
        return optional("timeout", Duration.class);
    }

    /** How many times Kubernetes retries a failed pod (the Job's backoffLimit). */
    public int retries() {
        return value("retries", Integer.class);
    }

    /** How long a finished Job stays before Kubernetes deletes it; empty means until Valence cleans it. */
    public Optional<Duration> ttlAfterFinished() {
        return optional("ttl_after_finished", Duration.class);
    }

    /** Keep the Job and the artifacts after success. */
    public boolean keepArtifacts() {
        return value("keep_artifacts", Boolean.class);
    }

    /** Extra labels put on every Job. */
    public Map<String, String> labels() {
        return map("labels");
    }

    /** How long a pod may stay unschedulable before the task fails. */
    public Duration unschedulableGrace() {
        return value("unschedulable_grace", Duration.class);
    }

    /** Largest task output Valence reads back, in bytes. */
    public long maxOutputBytes() {
        return value("max_output_bytes", Long.class);
    }

    // ---- generic access ----

    /** The raw value of any key, including keys a plugin declared. */
    public Optional<Object> get(String key) {
        Entry e = entries.get(key);
        return e == null ? Optional.empty() : Optional.ofNullable(e.value());
    }

    /** The value of a plugin-declared key as a string, empty when unset or blank. */
    public Optional<String> getString(String key) {
        return get(key).map(String::valueOf).filter(s -> !s.isBlank());
    }

    /** Every effective value with its source, in the seed's order then plugin keys. */
    public List<Entry> entries() {
        return List.copyOf(entries.values());
    }

    /** True if the key's value must never be shown. */
    public boolean isSensitive(String key) {
        return sensitiveKeys.contains(key) || SECRET_NAME.matcher(key).matches();
    }

    /** The value as it may be shown: secrets masked, maps with secret-looking entries masked. */
    public String display(String key) {
        Entry e = entries.get(key);
        if (e == null || e.value() == null) {
            return "";
        }
        return mask(key, e.value());
    }

    private String mask(String key, Object value) {
        if (isSensitive(key)) {
            return String.valueOf(value).isEmpty() ? "" : "****";
        }
        if (value instanceof Map<?, ?> m) {
            Map<String, String> shown = new LinkedHashMap<>();
            m.forEach((k, v) -> shown.put(String.valueOf(k),
                    SECRET_NAME.matcher(String.valueOf(k)).matches() ? "****" : String.valueOf(v)));
            return shown.toString();
        }
        if (value instanceof Optional<?> o) {
            return o.map(String::valueOf).orElse("");
        }
        return String.valueOf(value);
    }

    /** The effective configuration as a table: key, value (secrets masked), source. */
    public String describe() {
        StringBuilder sb = new StringBuilder();
        int width = entries.keySet().stream().mapToInt(String::length).max().orElse(10);
        for (Entry e : entries.values()) {
            String origin = e.source() == Source.DEFAULT || e.source() == Source.BUILDER
                    ? e.source().name().toLowerCase(Locale.ROOT)
                    : e.source().name().toLowerCase(Locale.ROOT) + " " + e.origin();
            sb.append(String.format("%-" + width + "s = %-40s # %s%n", e.key(), display(e.key()), origin));
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("Settings{");
        String sep = "";
        for (Entry e : entries.values()) {
            if (e.source() == Source.DEFAULT) {
                continue;
            }
            sb.append(sep).append(e.key()).append('=').append(display(e.key()));
            sep = ", ";
        }
        return sb.append('}').toString();
    }

    private String string(String key) {
        return value(key, String.class);
    }

    @SuppressWarnings("unchecked")
    private Map<String, String> map(String key) {
        return (Map<String, String>) value(key, Map.class);
    }

    private <T> T value(String key, Class<T> type) {
        Entry e = entries.get(key);
        if (e == null || e.value() == null) {
            throw new ValenceException(ErrorKind.INTERNAL, "setting " + key + " has no value");
        }
        return type.cast(e.value());
    }

    private <T> Optional<T> optional(String key, Class<T> type) {
        Entry e = entries.get(key);
        if (e == null || e.value() == null) {
            return Optional.empty();
        }
        return Optional.of(type.cast(e.value()));
    }

    /**
     * Builds {@link Settings} from layers: defaults, then file, environment and builder values
     * (builder beats environment beats file beats defaults). {@link #build()} validates every
     * value and reports every problem at once, each naming the key, the value and what is accepted.
     */
    public static final class Builder {
        private record Raw(Source source, String origin, Object value) {
        }

        private final Map<String, Map<Source, Raw>> values = new LinkedHashMap<>();
        private final Set<String> extraKeys = new LinkedHashSet<>();
        private final Set<String> sensitive = new LinkedHashSet<>();
        private final Map<String, String> extraDefaults = new LinkedHashMap<>();
        private Map<String, String> environment = System.getenv();
        private Path home = Path.of(System.getProperty("user.home"));

        private Builder() {
        }

        void put(Source source, String origin, String key, Object value) {
            values.computeIfAbsent(key, k -> new LinkedHashMap<>()).put(source, new Raw(source, origin, value));
        }

        /** Sets any key from code (highest precedence); {@code null} removes a builder value. */
        public Builder set(String key, Object value) {
            if (value == null) {
                Map<Source, Raw> m = values.get(key);
                if (m != null) {
                    m.remove(Source.BUILDER);
                }
                return this;
            }
            put(Source.BUILDER, "builder", key, value);
            return this;
        }

        /** Adds values read from a file ({@code origin}: its path); keys are as in the file. */
        public Builder fileValues(String origin, Map<String, ?> fileValues) {
            fileValues.forEach((k, v) -> put(Source.FILE, origin, k, v));
            return this;
        }

        /** Adds every {@code VALENCE_K8S_<KEY>} variable of this environment as an environment value. */
        public Builder environmentValues(Map<String, String> env) {
            env.forEach((name, v) -> {
                if (name.startsWith(ENV_PREFIX) && name.length() > ENV_PREFIX.length()) {
                    put(Source.ENV, name, name.substring(ENV_PREFIX.length()).toLowerCase(Locale.ROOT), v);
                }
            });
            return this;
        }

        /** The process environment used for defaults ({@code KUBECONFIG}, in-cluster detection); tests pass their own. */
        public Builder environment(Map<String, String> env) {
            this.environment = Map.copyOf(env);
            return this;
        }

        /** The user's home directory used for defaults; tests pass their own. */
        public Builder userHome(Path home) {
            this.home = home;
            return this;
        }

        /** Keys declared by plugins, accepted in addition to Valence's own. */
        public Builder knownKeys(Collection<String> keys) {
            extraKeys.addAll(keys);
            return this;
        }

        /** A plugin-declared key with its default value. */
        public Builder knownKey(String key, String defaultValue) {
            extraKeys.add(key);
            extraDefaults.put(key, defaultValue);
            return this;
        }

        /** Keys whose values are secrets (from the factories' {@code sensitiveKeys()}). */
        public Builder sensitiveKeys(Collection<String> keys) {
            sensitive.addAll(keys);
            return this;
        }

        /** {@code base_image}. */
        public Builder baseImage(String v) {
            return set("base_image", v);
        }

        /** {@code k8s_config_file}. */
        public Builder k8sConfigFile(Path v) {
            return set("k8s_config_file", v == null ? null : v.toString());
        }

        /** {@code k8s_context}; empty means the current context. */
        public Builder k8sContext(String v) {
            return set("k8s_context", v);
        }

        /** {@code namespace}. */
        public Builder namespace(String v) {
            return set("namespace", v);
        }

        /** {@code registry}. */
        public Builder registry(String v) {
            return set("registry", v);
        }

        /** {@code image_repo}. */
        public Builder imageRepo(String v) {
            return set("image_repo", v);
        }

        /** {@code registry_credentials_file}. */
        public Builder registryCredentialsFile(Path v) {
            return set("registry_credentials_file", v == null ? null : v.toString());
        }

        /** {@code region}. */
        public Builder region(String v) {
            return set("region", v);
        }

        /** {@code data_store}. */
        public Builder dataStore(String v) {
            return set("data_store", v);
        }

        /** {@code data_store_mount}. */
        public Builder dataStoreMount(String v) {
            return set("data_store_mount", v);
        }

        /** {@code vcpu}. */
        public Builder vcpu(String v) {
            return set("vcpu", v);
        }

        /** {@code memory}. */
        public Builder memory(String v) {
            return set("memory", v);
        }

        /** {@code cache_dir}. */
        public Builder cacheDir(Path v) {
            return set("cache_dir", v == null ? null : v.toString());
        }

        /** {@code poll_freq}. */
        public Builder pollFreq(Duration v) {
            return set("poll_freq", v);
        }

        /** {@code cluster_client}. */
        public Builder clusterClient(String v) {
            return set("cluster_client", v);
        }

        /** {@code gpus}. */
        public Builder gpus(int v) {
            return set("gpus", v);
        }

        /** {@code node_selector}. */
        public Builder nodeSelector(Map<String, String> v) {
            return set("node_selector", v);
        }

        /** {@code tolerations}. */
        public Builder tolerations(List<Toleration> v) {
            return set("tolerations", v);
        }

        /** {@code service_account}. */
        public Builder serviceAccount(String v) {
            return set("service_account", v);
        }

        /** {@code image_pull_secrets}. */
        public Builder imagePullSecrets(List<String> v) {
            return set("image_pull_secrets", v);
        }

        /** {@code env}. */
        public Builder env(Map<String, String> v) {
            return set("env", v);
        }

        /** {@code timeout}. */
        public Builder timeout(Duration v) {
            return set("timeout", v);
        }

        /** {@code retries}. */
        public Builder retries(int v) {
            return set("retries", v);
        }

        /** {@code ttl_after_finished}. */
        public Builder ttlAfterFinished(Duration v) {
            return set("ttl_after_finished", v);
        }

        /** {@code keep_artifacts}. */
        public Builder keepArtifacts(boolean v) {
            return set("keep_artifacts", v);
        }

        /** {@code labels}. */
        public Builder labels(Map<String, String> v) {
            return set("labels", v);
        }

        /** Validates every value and builds; all problems are reported in one {@link ErrorKind#CONFIG} error. */
        public Settings build() {
            Set<String> sens = new LinkedHashSet<>(sensitive);
            List<String> problems = new ArrayList<>();
            Set<String> known = new LinkedHashSet<>(SettingKeys.names());
            known.addAll(extraKeys);
            for (Map.Entry<String, Map<Source, Raw>> e : values.entrySet()) {
                if (!known.contains(e.getKey())) {
                    Raw raw = top(e.getValue());
                    problems.add(SettingKeys.unknownKey(e.getKey(), raw.origin(), known));
                }
            }
            Map<String, Entry> out = new LinkedHashMap<>();
            SettingKeys.Defaults defaults = new SettingKeys.Defaults(environment, home);
            for (String key : known) {
                Map<Source, Raw> layers = values.getOrDefault(key, Map.of());
                Raw raw = layers.isEmpty() ? null : top(layers);
                boolean secret = sens.contains(key) || SECRET_NAME.matcher(key).matches();
                try {
                    if (raw == null) {
                        Object def = SettingKeys.isKnown(key)
                                ? SettingKeys.defaultValue(key, defaults, out)
                                : extraDefaults.get(key);
                        out.put(key, new Entry(key, def, Source.DEFAULT, "default"));
                    } else {
                        Object parsed = SettingKeys.isKnown(key) ? SettingKeys.parse(key, raw.value())
                                : SettingKeys.parsePluginValue(key, raw.value());
                        out.put(key, new Entry(key, parsed, raw.source(), raw.origin()));
                    }
                } catch (SettingKeys.Invalid invalid) {
                    String shown = secret ? "****" : SettingKeys.show(raw == null ? null : raw.value());
                    String from = raw == null || raw.source() == Source.BUILDER ? "" : " (from " + raw.origin() + ")";
                    problems.add(key + " '" + shown + "'" + from + " is not valid: " + invalid.getMessage());
                }
            }
            if (problems.isEmpty()) {
                problems.addAll(SettingKeys.crossCheck(out));
            }
            if (!problems.isEmpty()) {
                throw new ValenceException(ErrorKind.CONFIG, String.join("\n", problems));
            }
            return new Settings(out, sens);
        }

        private static Raw top(Map<Source, Raw> layers) {
            Raw best = null;
            for (Raw r : layers.values()) {
                if (best == null || r.source().ordinal() > best.source().ordinal()) {
                    best = r;
                }
            }
            return best;
        }

        /** Keys that were given but are not known; used by callers that want to list them. */
        Set<String> givenKeys() {
            return new TreeSet<>(values.keySet());
        }
    }
}
