package dev.valence.spi;

import dev.valence.api.Toleration;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/** Everything a cluster gateway needs to create one task's Job; build with {@link #builder()}. */
public final class JobSpec {
    private final String name;
    private final String image;
    private final List<String> command;
    private final Map<String, String> env;
    private final Map<String, String> labels;
    private final String vcpu;
    private final String memory;
    private final String vcpuLimit;
    private final String memoryLimit;
    private final Long runAsUser;
    private final Long runAsGroup;
    private final Long fsGroup;
    private final boolean automountServiceAccountToken;
    private final int gpus;
    private final Map<String, String> nodeSelector;
    private final List<Toleration> tolerations;
    private final Optional<String> serviceAccount;
    private final List<String> imagePullSecrets;
    private final List<String> envFromSecrets;
    private final int backoffLimit;
    private final Optional<Duration> activeDeadline;
    private final Optional<Duration> ttlAfterFinished;
    private final StoreAccess storeAccess;
    private final Optional<Integer> completions;
    private final Optional<Integer> parallelism;
    private final Optional<Integer> backoffLimitPerIndex;

    private JobSpec(Builder b) {
        this.name = Objects.requireNonNull(b.name, "name");
        this.image = Objects.requireNonNull(b.image, "image");
        this.command = List.copyOf(b.command);
        this.env = Map.copyOf(b.env);
        this.labels = Map.copyOf(b.labels);
        this.vcpu = b.vcpu;
        this.memory = b.memory;
        this.vcpuLimit = b.vcpuLimit;
        this.memoryLimit = b.memoryLimit;
        this.runAsUser = b.runAsUser;
        this.runAsGroup = b.runAsGroup;
        this.fsGroup = b.fsGroup;
        this.automountServiceAccountToken = b.automountServiceAccountToken;
        this.gpus = b.gpus;
        this.nodeSelector = Map.copyOf(b.nodeSelector);
        this.tolerations = List.copyOf(b.tolerations);
        this.serviceAccount = Optional.ofNullable(b.serviceAccount);
        this.imagePullSecrets = List.copyOf(b.imagePullSecrets);
        // the settings' env_from_secrets, then the store's: each Secret once
        this.envFromSecrets = java.util.stream.Stream.concat(b.envFromSecrets.stream(),
                Objects.requireNonNull(b.storeAccess, "storeAccess").envFromSecrets().stream()).distinct().toList();
        this.backoffLimit = b.backoffLimit;
        this.activeDeadline = Optional.ofNullable(b.activeDeadline);
        this.ttlAfterFinished = Optional.ofNullable(b.ttlAfterFinished);
        this.storeAccess = Objects.requireNonNull(b.storeAccess, "storeAccess");
        this.completions = Optional.ofNullable(b.completions);
        this.parallelism = Optional.ofNullable(b.parallelism);
        this.backoffLimitPerIndex = Optional.ofNullable(b.backoffLimitPerIndex);
        if (completions.isPresent() && (completions.get() < 1 || completions.get() > MAX_INDEXED_COMPLETIONS)) {
            throw new dev.valence.api.ValenceException(dev.valence.api.ErrorKind.INTERNAL, "JobSpec.completions must be 1 to "
                    + MAX_INDEXED_COMPLETIONS + ", was " + completions.get());
        }
        if (completions.isEmpty() && (parallelism.isPresent() || backoffLimitPerIndex.isPresent())) {
            throw new dev.valence.api.ValenceException(dev.valence.api.ErrorKind.INTERNAL,
                    "JobSpec.parallelism and backoffLimitPerIndex need completions (an Indexed Job)");
        }
    }

    /** The most completions of an Indexed Job with per-index retries (Kubernetes' limit). */
    public static final int MAX_INDEXED_COMPLETIONS = 100_000;

    /** For an Indexed Job ({@code completionMode: Indexed}): how many indexes; empty for a one-pod Job. */
    public Optional<Integer> completions() { return completions; }
    /** For an Indexed Job: how many pods at once; empty for all of them. */
    public Optional<Integer> parallelism() { return parallelism; }
    /** For an Indexed Job on Kubernetes 1.33+: failed pods allowed per index ({@code backoffLimit} is then unlimited). */
    public Optional<Integer> backoffLimitPerIndex() { return backoffLimitPerIndex; }
    /** True for an Indexed Job. */
    public boolean indexed() { return completions.isPresent(); }

    public static Builder builder() {
        return new Builder();
    }

    public String name() { return name; }
    public String image() { return image; }
    public List<String> command() { return command; }
    public Map<String, String> env() { return env; }
    public Map<String, String> labels() { return labels; }
    /** CPU request as a Kubernetes quantity; empty for none. */
    public Optional<String> vcpu() { return Optional.ofNullable(vcpu); }
    /** Memory request as a Kubernetes quantity; empty for none. */
    public Optional<String> memory() { return Optional.ofNullable(memory); }
    /** CPU limit; empty for none (the default: a limit throttles the JVM's start-up). */
    public Optional<String> vcpuLimit() { return Optional.ofNullable(vcpuLimit); }
    /** Memory limit; empty for none. */
    public Optional<String> memoryLimit() { return Optional.ofNullable(memoryLimit); }
    /** The pod's {@code runAsUser}; empty keeps the image's user. */
    public Optional<Long> runAsUser() { return Optional.ofNullable(runAsUser); }
    /** The pod's {@code runAsGroup}; empty keeps the image's group. */
    public Optional<Long> runAsGroup() { return Optional.ofNullable(runAsGroup); }
    /** The pod's {@code fsGroup} (a supplementary group of the task); empty for none. */
    public Optional<Long> fsGroup() { return Optional.ofNullable(fsGroup); }
    /** Whether the pod gets a service-account token mounted; false unless the task calls the API. */
    public boolean automountServiceAccountToken() { return automountServiceAccountToken; }
    public int gpus() { return gpus; }
    public Map<String, String> nodeSelector() { return nodeSelector; }
    public List<Toleration> tolerations() { return tolerations; }
    public Optional<String> serviceAccount() { return serviceAccount; }
    public List<String> imagePullSecrets() { return imagePullSecrets; }
    /**
     * Secrets whose keys become env variables of the container ({@code envFrom}): those given, then the
     * store's ({@link StoreAccess#envFromSecrets()}), each once; {@link #env()} wins on a clash.
     */
    public List<String> envFromSecrets() { return envFromSecrets; }
    public int backoffLimit() { return backoffLimit; }
    public Optional<Duration> activeDeadline() { return activeDeadline; }
    public Optional<Duration> ttlAfterFinished() { return ttlAfterFinished; }
    public StoreAccess storeAccess() { return storeAccess; }

    @Override
    public String toString() {
        return "JobSpec[" + name + ", image=" + image + ", labels=" + labels + "]";
    }

    /** Builder for {@link JobSpec}. */
    public static final class Builder {
        private String name;
        private String image;
        private List<String> command = List.of();
        private Map<String, String> env = new LinkedHashMap<>();
        private Map<String, String> labels = new LinkedHashMap<>();
        private String vcpu;
        private String memory;
        private String vcpuLimit;
        private String memoryLimit;
        private Long runAsUser;
        private Long runAsGroup;
        private Long fsGroup;
        private boolean automountServiceAccountToken;
        private int gpus;
        private Map<String, String> nodeSelector = Map.of();
        private List<Toleration> tolerations = List.of();
        private String serviceAccount;
        private List<String> imagePullSecrets = List.of();
        private List<String> envFromSecrets = List.of();
        private int backoffLimit;
        private Duration activeDeadline;
        private Duration ttlAfterFinished;
        private StoreAccess storeAccess = new StoreAccess(Map.of(), List.of());
        private Integer completions;
        private Integer parallelism;
        private Integer backoffLimitPerIndex;

        private Builder() {}

        /** Makes it an Indexed Job of {@code v} completions (1 to {@link #MAX_INDEXED_COMPLETIONS}). */
        public Builder completions(int v) { completions = v; return this; }
        /** The Indexed Job's parallelism. */
        public Builder parallelism(int v) { parallelism = v; return this; }
        /** The Indexed Job's {@code backoffLimitPerIndex} (Kubernetes 1.33+). */
        public Builder backoffLimitPerIndex(int v) { backoffLimitPerIndex = v; return this; }

        public Builder name(String v) { name = v; return this; }
        public Builder image(String v) { image = v; return this; }
        public Builder command(List<String> v) { command = v; return this; }
        public Builder env(Map<String, String> v) { env = new LinkedHashMap<>(v); return this; }
        public Builder env(String key, String value) { env.put(key, value); return this; }
        public Builder labels(Map<String, String> v) { labels = new LinkedHashMap<>(v); return this; }
        public Builder label(String key, String value) { labels.put(key, value); return this; }
        public Builder vcpu(String v) { vcpu = v; return this; }
        public Builder memory(String v) { memory = v; return this; }
        public Builder vcpuLimit(String v) { vcpuLimit = v; return this; }
        public Builder memoryLimit(String v) { memoryLimit = v; return this; }
        public Builder runAsUser(long v) { runAsUser = v; return this; }
        public Builder runAsGroup(long v) { runAsGroup = v; return this; }
        public Builder fsGroup(long v) { fsGroup = v; return this; }
        public Builder automountServiceAccountToken(boolean v) { automountServiceAccountToken = v; return this; }
        public Builder gpus(int v) { gpus = v; return this; }
        public Builder nodeSelector(Map<String, String> v) { nodeSelector = v; return this; }
        public Builder tolerations(List<Toleration> v) { tolerations = v; return this; }
        public Builder serviceAccount(String v) { serviceAccount = v; return this; }
        public Builder imagePullSecrets(List<String> v) { imagePullSecrets = v; return this; }
        public Builder envFromSecrets(List<String> v) { envFromSecrets = v; return this; }
        public Builder backoffLimit(int v) { backoffLimit = v; return this; }
        public Builder activeDeadline(Duration v) { activeDeadline = v; return this; }
        public Builder ttlAfterFinished(Duration v) { ttlAfterFinished = v; return this; }
        public Builder storeAccess(StoreAccess v) { storeAccess = v; return this; }

        public JobSpec build() {
            return new JobSpec(this);
        }
    }
}
