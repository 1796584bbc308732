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
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * The executor's settings: the seed plugin's keys, same names and meanings, plus Valence's own.
 * Immutable; every value remembers where it came from (default, file, environment, builder).
 * Secrets are masked in {@link #toString()}, {@link #describe()} and in every error.
 */
public final class Settings {

    /** Where a value came from; later sources beat earlier ones. */
    public enum Source { DEFAULT, FILE, ENV, BUILDER }

    /**
     * One effective value and where it came from ({@code origin}: the file path, the variable name,
     * {@code builder} or {@code default}); {@code sensitive} values are masked by {@link #toString()}.
     */
    public record Entry(String key, Object value, Source source, String origin, boolean sensitive) {
        /** An entry whose value is not a secret. */
        public Entry(String key, Object value, Source source, String origin) {
            this(key, value, source, origin, false);
        }

        @Override
        public String toString() {
            String shown = mask(sensitive, value);
            return key + "=" + shown + " (" + source.name().toLowerCase(Locale.ROOT)
                    + (source == Source.FILE || source == Source.ENV ? " " + origin : "") + ")";
        }
    }

    /** Prefix of the environment variables that set a key: {@code VALENCE_K8S_<KEY>}. */
    public static final String ENV_PREFIX = "VALENCE_K8S_";
    /**
     * Separates a named executor from the key in its environment variables:
     * {@code VALENCE_K8S_<NAME>__<KEY>} (the name upper-cased, {@code -} as {@code _}).
     */
    public static final String NAME_SEPARATOR = "__";
    /** Prefix of a store's pod-side override of one of its keys: {@code pod_s3_endpoint} over {@code s3_endpoint}. */
    public static final String POD_PREFIX = "pod_";
    /** What a named executor's name may be: lowercase letters, digits, {@code _} and {@code -}. */
    private static final Pattern EXECUTOR_NAME = Pattern.compile("^[a-z0-9]([-_a-z0-9]{0,61}[a-z0-9])?$");

    /** Values whose key matches this are secrets, whichever plugin declared them. */
    private static final Pattern SECRET_NAME = Pattern.compile(
            "(?i).*(password|passwd|secret|token|connection_string|private_key|access_key|api_key|account_key).*");

    private final Map<String, Entry> entries;
    private final Set<String> sensitiveKeys;
    private final Map<String, String> pluginKeys;
    private final SettingKeys.Defaults defaults;
    private final Map<String, List<Function<Object, Optional<String>>>> checks;
    private final Map<String, Map<Source, Builder.Raw>> layers;
    private final Optional<String> executorName;

    private Settings(Map<String, Entry> entries, Builder from) {
        this.executorName = Optional.ofNullable(from.executorName);
        this.layers = new LinkedHashMap<>();
        from.values.forEach((k, v) -> layers.put(k, Map.copyOf(v)));
        this.entries = Collections.unmodifiableMap(entries);
        this.sensitiveKeys = Set.copyOf(from.sensitive);
        this.pluginKeys = Collections.unmodifiableMap(new LinkedHashMap<>(from.pluginKeys));
        this.defaults = new SettingKeys.Defaults(from.environment, from.home);
        Map<String, List<Function<Object, Optional<String>>>> checks = new LinkedHashMap<>();
        from.checks.forEach((k, list) -> checks.put(k, List.copyOf(list)));
        this.checks = Collections.unmodifiableMap(checks);
    }

    /** A builder starting from the defaults, with no file or environment applied. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * A variable of the process environment these settings were built from: the real one, or the map a
     * test gave {@link Builder#environment(Map)} (in a pod: the pod's). For a plugin that honours its
     * library's own variables ({@code AZURE_STORAGE_KEY}, {@code DOCKER_CONFIG}): plugins read the
     * environment here, never with {@code System.getenv}, so a test can inject it.
     */
    public Optional<String> environmentVariable(String name) {
        return Optional.ofNullable(defaults.env().get(name));
    }

    /** The whole process environment these settings were built from (see {@link #environmentVariable}). */
    public Map<String, String> environment() {
        return defaults.env();
    }

    /** The candidate nearest to {@code word} when one is near enough to be what a typo meant (for "did you mean"). */
    public static Optional<String> nearest(String word, Collection<String> candidates) {
        return SettingKeys.nearest(word, candidates);
    }

    /** The keys Valence itself knows, in the seed's order then Valence's own. */
    public static List<String> knownKeys() {
        return SettingKeys.names();
    }

    /** A builder holding these settings' layers (and declared keys, secrets, checks), to derive a changed copy. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.environment = defaults.env();
        b.home = defaults.home();
        b.pluginKeys.putAll(pluginKeys);
        b.sensitive.addAll(sensitiveKeys);
        checks.forEach((k, list) -> b.checks.put(k, new ArrayList<>(list)));
        layers.forEach((k, v) -> b.values.put(k, new LinkedHashMap<>(v)));
        b.executorName = executorName.orElse(null);
        return b;
    }

    /** The named executor these settings are for ({@code [executors.k8s.<name>]}); empty for the defaults. */
    public Optional<String> executorName() {
        return executorName;
    }

    /**
     * The environment-variable prefix of a named executor: {@code VALENCE_K8S_<NAME>__}, the name
     * upper-cased with {@code -} as {@code _}.
     */
    public static String envPrefix(String executorName) {
        return ENV_PREFIX + checkedName(executorName).toUpperCase(Locale.ROOT).replace('-', '_') + NAME_SEPARATOR;
    }

    /** The name, checked: a {@code CONFIG} error says what a name may be. */
    public static String checkedName(String executorName) {
        if (executorName == null || !EXECUTOR_NAME.matcher(executorName).matches()) {
            throw new ValenceException(ErrorKind.CONFIG, "executor name '" + executorName + "' is not valid: expected "
                    + "lowercase letters, digits, '_' and '-', starting and ending with a letter or digit, at most 63 "
                    + "characters (e.g. eks, local_k8s)");
        }
        if (SettingKeys.isKnown(executorName)) {
            throw new ValenceException(ErrorKind.CONFIG, "executor name '" + executorName + "' is a setting's key; "
                    + "choose another name for [executors.k8s." + executorName + "]");
        }
        return executorName;
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

    /**
     * Names of Secrets in the namespace whose keys become environment variables of the task's
     * container ({@code envFrom}), e.g. the credentials a data store needs in the pod.
     */
    @SuppressWarnings("unchecked")
    public List<String> envFromSecrets() {
        return (List<String>) value("env_from_secrets", List.class);
    }

    /**
     * {@code ca_bundle}: the Secret or ConfigMap key holding the PEM CA bundle a pod's store client
     * trusts (mounted by the store's {@code podAccess()}); empty means the JRE's CAs.
     */
    public Optional<ClusterFileRef> caBundle() {
        return optional("ca_bundle", ClusterFileRef.class);
    }

    /** {@code ca_bundle_file}: a local PEM file of CAs the store's client trusts (in a pod, the mounted {@code ca_bundle}). */
    public Optional<Path> caBundleFile() {
        return optional("ca_bundle_file", Path.class);
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

    /** Whether task calls are memoized by default ({@code cache}); a task's {@code cache} option overrides it. */
    public boolean cache() {
        return value("cache", Boolean.class);
    }

    /** How long a cached output is reused ({@code cache_ttl}); empty means entries never expire. */
    public Optional<Duration> cacheTtl() {
        return optional("cache_ttl", Duration.class);
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

    /** User id the task container runs as ({@code runAsUser}); never root. */
    public int runAsUser() {
        return value("run_as_user", Integer.class);
    }

    /** Primary group id of the task container ({@code runAsGroup}). */
    public int runAsGroup() {
        return value("run_as_group", Integer.class);
    }

    /**
     * Supplementary group of the task pod ({@code fsGroup}); a local store gives this group its
     * dispatch folders. Empty means none.
     */
    public Optional<Integer> fsGroup() {
        return optional("fs_group", Integer.class);
    }

    /** CPU limit of the task container; empty means none (a request only). */
    public Optional<String> vcpuLimit() {
        return optional("vcpu_limit", String.class);
    }

    /** Memory limit of the task container: {@code memory_limit}, else the memory request. */
    public String memoryLimit() {
        return optional("memory_limit", String.class).orElseGet(this::memory);
    }

    /** Whether the task pod gets a service-account token (tasks that call the Kubernetes API). */
    public boolean automountServiceAccountToken() {
        return value("automount_service_account_token", Boolean.class);
    }

    /** Whether a submit first checks that some node's allocatable can hold the task's requests. */
    public boolean checkNodeCapacity() {
        return value("check_node_capacity", Boolean.class);
    }

    // ---- generic access ----

    /** The raw value of any key, including keys a plugin declared. */
    public Optional<Object> get(String key) {
        Entry e = entries.get(key);
        return e == null ? Optional.empty() : Optional.ofNullable(e.value());
    }

    /**
     * The value a pod uses for a store's key: {@code pod_<key>} when set (the pod's network differs
     * from the client's), else the key's own value; empty when neither is set.
     */
    public Optional<String> podString(String key) {
        return getString(POD_PREFIX + key).or(() -> getString(key));
    }

    /** The value of a typed key (a plugin's published constant), empty when unset. */
    public <T> Optional<T> get(SettingKey<T> key) {
        return get(key.name()).map(v -> key.convert(v));
    }

    /** The value of any key as a string (durations as {@code 10s}), empty when unset or blank. */
    public Optional<String> getString(String key) {
        return get(key).map(SettingKeys::plain).filter(s -> !s.isBlank());
    }

    /** The effective value of one key with its source; empty for a key nobody declared. */
    public Optional<Entry> entry(String key) {
        return Optional.ofNullable(entries.get(key));
    }

    /** Every effective value with its source, in the seed's order then plugin keys. */
    public List<Entry> entries() {
        return List.copyOf(entries.values());
    }

    /** True if the key's value must never be shown. */
    public boolean isSensitive(String key) {
        return isSensitive(key, sensitiveKeys);
    }

    /** Declared secrets, and plugin keys named like one ({@code *password*}, {@code *token*}, ...). */
    private static boolean isSensitive(String key, Set<String> declared) {
        return declared.contains(key) || (!SettingKeys.isKnown(key) && SECRET_NAME.matcher(key).matches());
    }

    /** The value as it may be shown: secrets masked, table entries with secret-looking names masked. */
    public String display(String key) {
        Entry e = entries.get(key);
        return e == null ? "" : mask(isSensitive(key), e.value());
    }

    static String mask(boolean sensitive, Object value) {
        if (value == null) {
            return "";
        }
        if (sensitive) {
            return String.valueOf(value).isEmpty() ? "" : "****";
        }
        if (value instanceof Map<?, ?> m) {
            Map<String, String> shown = new LinkedHashMap<>();
            m.forEach((k, v) -> shown.put(String.valueOf(k),
                    SECRET_NAME.matcher(String.valueOf(k)).matches() ? "****" : mask(false, v)));
            return shown.toString();
        }
        if (value instanceof List<?> l) {
            List<String> shown = new ArrayList<>();
            l.forEach(v -> shown.add(mask(false, v)));
            return shown.toString();
        }
        return SettingKeys.plain(value);
    }

    /**
     * The effective configuration, one line per key: key, value (secrets masked; what an empty
     * value means), and where it came from ({@code default}, {@code file <path>},
     * {@code env <VARIABLE>}, {@code builder}).
     */
    public String describe() {
        StringBuilder sb = new StringBuilder();
        int width = entries.keySet().stream().mapToInt(String::length).max().orElse(10);
        for (Entry e : entries.values()) {
            String shown = display(e.key());
            if (shown.isEmpty()) {
                shown = SettingKeys.whenEmpty(e.key()).map(m -> "(" + m + ")").orElse("");
            }
            sb.append(String.format("%-" + width + "s = %-40s # %s%n", e.key(), shown, label(e)));
        }
        return sb.toString();
    }

    /**
     * Where a value came from, as {@link #describe()} shows it: {@code default}, {@code file <path>},
     * {@code env <VARIABLE>}, {@code builder}, or the command line's flag ({@code flag --context}).
     */
    public static String label(Entry e) {
        String source = e.source().name().toLowerCase(Locale.ROOT);
        return switch (e.source()) {
            case FILE, ENV -> source + " " + e.origin();
            case BUILDER -> "builder".equals(e.origin()) ? source : "flag " + e.origin();
            default -> source;
        };
    }

    /** The values that are not defaults, secrets masked. */
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
     * effective value and reports every problem at once, each naming the key, the value, where it
     * came from and what is accepted.
     */
    public static final class Builder {
        private record Raw(Source source, String origin, Object value) {
        }

        private final Map<String, Map<Source, Raw>> values = new LinkedHashMap<>();
        private final Map<String, String> pluginKeys = new LinkedHashMap<>();
        private final Set<String> sensitive = new LinkedHashSet<>();
        private final Map<String, List<Function<Object, Optional<String>>>> checks = new LinkedHashMap<>();
        private Map<String, String> environment = System.getenv();
        private Path home = Path.of(System.getProperty("user.home"));
        private String executorName;

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

        /**
         * Sets any key from code, saying where the value came from in messages and in
         * {@link #describe()} (a command line's {@code --set} or {@code --context}); highest precedence.
         */
        public Builder set(String key, Object value, String origin) {
            if (value == null) {
                return set(key, null);
            }
            put(Source.BUILDER, Objects.requireNonNull(origin, "origin"), key, value);
            return this;
        }

        /** Adds values read from a file ({@code origin}: its path); keys are as in the file. */
        public Builder fileValues(String origin, Map<String, ?> fileValues) {
            fileValues.forEach((k, v) -> {
                if (v != null) {
                    put(Source.FILE, origin, k, v);
                }
            });
            return this;
        }

        /**
         * Adds every {@code VALENCE_K8S_<KEY>} variable of this environment as an environment value
         * (a named executor's {@code VALENCE_K8S_<NAME>__<KEY>} variables are not among them).
         */
        public Builder environmentValues(Map<String, String> env) {
            new java.util.TreeMap<>(env).forEach((name, v) -> {
                if (name.startsWith(ENV_PREFIX) && name.length() > ENV_PREFIX.length() && v != null
                        && !name.contains(NAME_SEPARATOR)) {
                    put(Source.ENV, name, name.substring(ENV_PREFIX.length()).toLowerCase(Locale.ROOT), v);
                }
            });
            return this;
        }

        /**
         * Adds the {@code VALENCE_K8S_<KEY>} variables, then the named executor's
         * {@code VALENCE_K8S_<NAME>__<KEY>} variables over them; returns how many named ones there were.
         */
        public int environmentValues(Map<String, String> env, String executorName) {
            environmentValues(env);
            String prefix = envPrefix(executorName);
            int[] n = {0};
            new java.util.TreeMap<>(env).forEach((name, v) -> {
                if (name.startsWith(prefix) && name.length() > prefix.length() && v != null) {
                    put(Source.ENV, name, name.substring(prefix.length()).toLowerCase(Locale.ROOT), v);
                    n[0]++;
                }
            });
            return n[0];
        }

        /** The named executor these settings are for (its file section and variables are added by the loader). */
        public Builder executorName(String name) {
            this.executorName = name == null ? null : checkedName(name);
            return this;
        }

        /** The process environment used for defaults ({@code KUBECONFIG}, in-cluster detection); tests pass their own. */
        public Builder environment(Map<String, String> env) {
            this.environment = Map.copyOf(env);
            return this;
        }

        /** The user's home directory used for defaults and {@code ~} in paths; tests pass their own. */
        public Builder userHome(Path home) {
            this.home = Objects.requireNonNull(home, "home");
            return this;
        }

        /** Keys declared by plugins, accepted in addition to Valence's own, with no default. */
        public Builder knownKeys(Collection<String> keys) {
            keys.forEach(k -> pluginKeys.putIfAbsent(k, null));
            return this;
        }

        /** A plugin-declared key with its default value ({@code null} for none). */
        public Builder knownKey(String key, String defaultValue) {
            pluginKeys.put(key, defaultValue);
            return this;
        }

        /** Keys whose values are secrets (from the factories' {@code sensitiveKeys()}). */
        public Builder sensitiveKeys(Collection<String> keys) {
            sensitive.addAll(keys);
            return this;
        }

        /**
         * An extra check of a key's effective value, run by {@link #build()} after the key's own
         * validation: returns what is wrong and what is accepted, or empty when the value is fine.
         * Not called when the key has no value. Used for checks that need more than the JDK (a
         * credentials file's content, the installed stores).
         */
        public Builder check(String key, Function<Object, Optional<String>> check) {
            checks.computeIfAbsent(key, k -> new ArrayList<>()).add(Objects.requireNonNull(check, "check"));
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

        /** {@code env_from_secrets}. */
        public Builder envFromSecrets(List<String> v) {
            return set("env_from_secrets", v);
        }

        /** {@code ca_bundle}: {@code secret:<name>/<key>} or {@code configmap:<name>/<key>}. */
        public Builder caBundle(String v) {
            return set("ca_bundle", v);
        }

        /** {@code ca_bundle_file}. */
        public Builder caBundleFile(Path v) {
            return set("ca_bundle_file", v == null ? null : v.toString());
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

        /** {@code cache}: memoize every task's calls. */
        public Builder cache(boolean v) {
            return set("cache", v);
        }

        /** {@code cache_ttl}: how long a cached output is reused. */
        public Builder cacheTtl(Duration v) {
            return set("cache_ttl", v);
        }

        /** {@code labels}. */
        public Builder labels(Map<String, String> v) {
            return set("labels", v);
        }

        /** {@code run_as_user}. */
        public Builder runAsUser(int v) {
            return set("run_as_user", v);
        }

        /** {@code run_as_group}. */
        public Builder runAsGroup(int v) {
            return set("run_as_group", v);
        }

        /** {@code fs_group}. */
        public Builder fsGroup(int v) {
            return set("fs_group", v);
        }

        /** {@code unschedulable_grace}. */
        public Builder unschedulableGrace(Duration v) {
            return set("unschedulable_grace", v);
        }

        /** {@code max_output_bytes}. */
        public Builder maxOutputBytes(long v) {
            return set("max_output_bytes", v);
        }

        /** {@code vcpu_limit}. */
        public Builder vcpuLimit(String v) {
            return set("vcpu_limit", v);
        }

        /** {@code memory_limit}. */
        public Builder memoryLimit(String v) {
            return set("memory_limit", v);
        }

        /** {@code automount_service_account_token}. */
        public Builder automountServiceAccountToken(boolean v) {
            return set("automount_service_account_token", v);
        }

        /** {@code check_node_capacity}. */
        public Builder checkNodeCapacity(boolean v) {
            return set("check_node_capacity", v);
        }

        /** A key a plugin publishes as a typed constant, e.g. {@code set(S3StoreFactory.ENDPOINT, "http://...")}. */
        public <T> Builder set(SettingKey<T> key, T value) {
            return set(key.name(), value);
        }

        /** Validates every value and builds; all problems are reported in one {@link ErrorKind#CONFIG} error. */
        public Settings build() {
            List<String> problems = new ArrayList<>();
            Set<String> known = new LinkedHashSet<>(SettingKeys.names());
            known.addAll(pluginKeys.keySet());
            for (Map.Entry<String, Map<Source, Raw>> e : values.entrySet()) {
                if (!known.contains(e.getKey()) && !e.getValue().isEmpty()) {
                    Raw raw = top(e.getValue());
                    problems.add(SettingKeys.unknownKey(e.getKey(), raw.source(), raw.origin(), known));
                }
            }
            SettingKeys.Defaults defaults = new SettingKeys.Defaults(environment, home);
            Map<String, Entry> out = new LinkedHashMap<>();
            Map<String, String> invalid = new LinkedHashMap<>();
            for (String key : known) {
                boolean secret = isSensitive(key, sensitive);
                Raw raw = top(values.getOrDefault(key, Map.of()));
                if (raw == null) {
                    Object def = SettingKeys.isKnown(key) ? SettingKeys.defaultValue(key, defaults) : pluginKeys.get(key);
                    Optional<String> variable = SettingKeys.defaultFromVariable(key, defaults);
                    out.put(key, variable.map(v -> new Entry(key, def, Source.ENV, v, secret))
                            .orElseGet(() -> new Entry(key, def, Source.DEFAULT, "default", secret)));
                    continue;
                }
                try {
                    Object parsed = SettingKeys.isKnown(key) ? SettingKeys.parse(key, raw.value(), defaults)
                            : SettingKeys.parsePluginValue(raw.value());
                    out.put(key, new Entry(key, parsed, raw.source(), raw.origin(), secret));
                } catch (SettingKeys.Invalid bad) {
                    invalid.put(key, problem(key, raw.value(), raw.source(), raw.origin(), secret, bad.getMessage()));
                }
            }
            if (!invalid.containsKey("cache_dir") && !invalid.containsKey("data_store")) {
                SettingKeys.derive(out);
            }
            for (Map.Entry<String, List<Function<Object, Optional<String>>>> c : checks.entrySet()) {
                Entry e = out.get(c.getKey());
                if (e == null || e.value() == null || invalid.containsKey(c.getKey())) {
                    continue;
                }
                for (Function<Object, Optional<String>> check : c.getValue()) {
                    Optional<String> wrong = check.apply(e.value());
                    if (wrong.isPresent()) {
                        invalid.put(e.key(), problem(e.key(), e.value(), e.source(), e.origin(), e.sensitive(),
                                wrong.get()));
                        break;
                    }
                }
            }
            problems.addAll(invalid.values());
            if (problems.size() == 1) {
                throw new ValenceException(ErrorKind.CONFIG, problems.get(0));
            }
            if (!problems.isEmpty()) {
                throw new ValenceException(ErrorKind.CONFIG, problems.size() + " settings are not valid:\n  "
                        + String.join("\n  ", problems));
            }
            return new Settings(out, this);
        }

        /** {@code key 'value' (from origin) is not valid: what is accepted}, with secrets masked. */
        private static String problem(String key, Object value, Source source, String origin, boolean secret,
                String accepted) {
            String shown = mask(secret, value);
            String why = accepted;
            if (secret) {
                String plain = SettingKeys.plain(value);
                if (!plain.isEmpty()) {
                    why = why.replace(plain, "****");
                }
            }
            return key + " '" + shown + "'" + SettingKeys.from(source, origin) + " is not valid: " + why;
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
    }
}
