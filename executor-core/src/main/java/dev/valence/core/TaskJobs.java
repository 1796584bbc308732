package dev.valence.core;

import dev.valence.api.Settings;
import dev.valence.api.TaskCall;
import dev.valence.spi.ArtifactStore;
import dev.valence.spi.ClusterGateway;
import dev.valence.spi.JobSpec;
import dev.valence.spi.StoreAccess;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** The Job of a task call: its name, labels, the settings' pod spec and the store's access to the call's folder. */
final class TaskJobs {
    private final Settings settings;
    private final ArtifactStore store;
    private final Set<String> podEnvKeys;

    TaskJobs(Settings settings, ArtifactStore store) {
        this(settings, store, Set.of());
    }

    /** With {@code podEnvKeys}: the store's keys passed to the pod as {@code VALENCE_K8S_<KEY>} when set. */
    TaskJobs(Settings settings, ArtifactStore store, Set<String> podEnvKeys) {
        this.settings = settings;
        this.store = store;
        this.podEnvKeys = Set.copyOf(podEnvKeys);
    }

    /** The deterministic Job name of a call (a restarted executor finds its Job by it). */
    static String jobName(TaskCall call) {
        return JobNames.jobName(call.dispatchId(), runId(call));
    }

    /** The call's folder in the store: {@code <dispatch>/<node>/} ({@code <node>@<attempt>} for a retry). */
    static String prefix(TaskCall call) {
        return call.dispatchId() + "/" + runId(call) + "/";
    }

    /**
     * The node id, or {@code <node>@<attempt>} for a client-side retry: each attempt has its own Job and
     * folder, so the clean-up of a failed attempt (in the background) never touches the next one's.
     */
    static String runId(TaskCall call) {
        return call.attempt() == 1 ? call.nodeId() : call.nodeId() + "@" + call.attempt();
    }

    /** The labels that say which dispatch and node a Job runs. */
    static Map<String, String> nodeLabels(TaskCall call) {
        return Map.of(ClusterGateway.DISPATCH_LABEL, JobNames.labelValue(call.dispatchId()),
                ClusterGateway.NODE_LABEL, JobNames.labelValue(call.nodeId()));
    }

    /**
     * The executor's settings with the call's task overrides applied ({@code labels} added to the
     * executor's, the others replacing its value); the executor's own when the task overrides nothing.
     */
    Settings settingsFor(TaskCall call) {
        if (call.options().isEmpty()) {
            return settings;
        }
        Settings.Builder b = settings.toBuilder();
        call.options().settings().forEach((key, value) -> {
            if (key.equals("labels") && value instanceof Map<?, ?> extra) {
                Map<Object, Object> merged = new LinkedHashMap<>(settings.labels());
                merged.putAll(extra);
                b.set(key, merged);
            } else {
                b.set(key, value);
            }
        });
        try {
            return b.build();
        } catch (dev.valence.api.ValenceException e) {
            throw new dev.valence.api.ValenceException(e.kind(), "task '" + call.taskName() + "': its overrides "
                    + call.options().settings().keySet() + " do not apply over the executor's settings: "
                    + e.getMessage(), e);
        }
    }

    /**
     * The Indexed Job of a map call: {@code completions} pods (all elements, or the ones a resumed map still
     * needs, listed in {@code indexes} when {@code someIndexes}), {@code parallelism} from the task's option,
     * and per-element retries: {@code backoffLimitPerIndex} where the server has it, else counted by the
     * executor (the Job-wide {@code backoffLimit} then only bounds an unfollowed Job); a thrown exception is
     * retried by the launcher in the pod.
     */
    JobSpec mapSpec(TaskCall call, String jobName, String imageReference, int completions, boolean someIndexes,
            boolean perIndexRetries) {
        JobSpec base = spec(call, jobName, imageReference);
        Settings settings = settingsFor(call);
        Map<String, String> env = new LinkedHashMap<>(base.env());
        env.put(MapJobs.SIZE_ENV, Integer.toString(call.elements().size()));
        env.put(MapJobs.RETRIES_ENV, Integer.toString(settings.retries()));
        if (someIndexes) {
            env.put(MapJobs.INDEXES_ENV, "true");
        }
        int parallelism = call.options().parallelism() == 0 ? completions
                : Math.min(completions, call.options().parallelism());
        JobSpec.Builder b = builder(call, jobName, imageReference, settings, env)
                .completions(completions)
                .parallelism(parallelism);
        if (perIndexRetries) {
            b.backoffLimitPerIndex(settings.retries());
        } else {
            // before 1.33 the executor counts each index's pod failures and stops the Job when one is over
            // retries; the Job-wide limit only bounds a Job nobody follows any more
            b.backoffLimit((int) Math.min(Integer.MAX_VALUE, (long) (settings.retries() + 1) * completions));
        }
        return b.build();
    }

    JobSpec spec(TaskCall call, String jobName, String imageReference) {
        Settings settings = settingsFor(call);
        StoreAccess access = store.podAccess(prefix(call));
        Map<String, String> env = new LinkedHashMap<>(settings.env());
        // the store's declared pod keys (never a secret: KubernetesExecutor refused those), then its own access
        new java.util.TreeSet<>(podEnvKeys).forEach(key -> settings.podString(key).ifPresent(v ->
                env.put(Settings.ENV_PREFIX + key.toUpperCase(java.util.Locale.ROOT), v)));
        env.putAll(access.env());
        env.put(Launcher.DISPATCH_ENV, call.dispatchId());
        env.put(Launcher.NODE_ENV, runId(call));
        env.put(Settings.ENV_PREFIX + "MAX_OUTPUT_BYTES", Long.toString(settings.maxOutputBytes()));
        return builder(call, jobName, imageReference, settings, env).build();
    }

    private JobSpec.Builder builder(TaskCall call, String jobName, String imageReference, Settings settings,
            Map<String, String> env) {
        StoreAccess access = store.podAccess(prefix(call));
        Map<String, String> labels = new LinkedHashMap<>(settings.labels());
        labels.put(ClusterGateway.MANAGED_BY, "valence");
        labels.putAll(nodeLabels(call));
        labels.put("valence.dev/task", JobNames.labelValue(call.taskName()));
        JobSpec.Builder b = JobSpec.builder()
                .name(jobName)
                .image(imageReference)
                .env(env)
                .labels(labels)
                .vcpu(settings.vcpu())
                .memory(settings.memory())
                .memoryLimit(settings.memoryLimit())
                .runAsUser(settings.runAsUser())
                .runAsGroup(settings.runAsGroup())
                .automountServiceAccountToken(settings.automountServiceAccountToken())
                .gpus(settings.gpus())
                .nodeSelector(settings.nodeSelector())
                .tolerations(settings.tolerations())
                .imagePullSecrets(settings.imagePullSecrets())
                .envFromSecrets(settings.envFromSecrets())
                .backoffLimit(settings.retries())
                .storeAccess(access);
        settings.vcpuLimit().ifPresent(b::vcpuLimit);
        settings.fsGroup().ifPresent(b::fsGroup);
        settings.serviceAccount().ifPresent(b::serviceAccount);
        settings.timeout().ifPresent(b::activeDeadline);
        settings.ttlAfterFinished().ifPresent(b::ttlAfterFinished);
        return b;
    }
}
