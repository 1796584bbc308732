package dev.valence.official;

import dev.valence.api.ClusterFileRef;
import dev.valence.api.Toleration;
import dev.valence.api.ValenceException;
import dev.valence.spi.ClusterGateway;
import dev.valence.spi.JobSpec;
import dev.valence.spi.StoreAccess;
import io.kubernetes.client.custom.Quantity;
import io.kubernetes.client.openapi.models.V1Capabilities;
import io.kubernetes.client.openapi.models.V1ConfigMapVolumeSource;
import io.kubernetes.client.openapi.models.V1Container;
import io.kubernetes.client.openapi.models.V1KeyToPath;
import io.kubernetes.client.openapi.models.V1SecretVolumeSource;
import io.kubernetes.client.openapi.models.V1EmptyDirVolumeSource;
import io.kubernetes.client.openapi.models.V1EnvFromSource;
import io.kubernetes.client.openapi.models.V1PodSecurityContext;
import io.kubernetes.client.openapi.models.V1EnvVar;
import io.kubernetes.client.openapi.models.V1SecretEnvSource;
import io.kubernetes.client.openapi.models.V1HostPathVolumeSource;
import io.kubernetes.client.openapi.models.V1Job;
import io.kubernetes.client.openapi.models.V1JobSpec;
import io.kubernetes.client.openapi.models.V1LocalObjectReference;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1PodSpec;
import io.kubernetes.client.openapi.models.V1PodTemplateSpec;
import io.kubernetes.client.openapi.models.V1ResourceRequirements;
import io.kubernetes.client.openapi.models.V1SeccompProfile;
import io.kubernetes.client.openapi.models.V1SecurityContext;
import io.kubernetes.client.openapi.models.V1Toleration;
import io.kubernetes.client.openapi.models.V1Volume;
import io.kubernetes.client.openapi.models.V1VolumeMount;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The {@code batch/v1} Job for a {@link JobSpec}, built with client-java's models. It must stay
 * field-for-field the manifest the fabric8 adapter builds for the same spec (the shared contract
 * compares the stored objects).
 */
final class JobManifest {
    /** Name of the one container of a task pod. */
    static final String CONTAINER = "task";
    /** Value of {@link ClusterGateway#MANAGED_BY} on everything Valence creates. */
    static final String MANAGED_BY_VALUE = "valence";
    /** Extended resource name of a GPU. */
    static final String GPU_RESOURCE = "nvidia.com/gpu";
    /** The writable scratch volume of the read-only root file system. */
    static final String TMP_VOLUME = "tmp";

    private JobManifest() {
    }

    /** The selector matching every Valence Job (and its pods). */
    static String managedSelector() {
        return ClusterGateway.MANAGED_BY + "=" + MANAGED_BY_VALUE;
    }

    /** The labels of the Job and its pod template: the spec's, plus {@code managed-by=valence}. */
    static Map<String, String> labels(JobSpec spec) {
        Map<String, String> labels = new TreeMap<>(spec.labels());
        labels.put(ClusterGateway.MANAGED_BY, MANAGED_BY_VALUE);
        return labels;
    }

    static V1Job build(JobSpec spec, String namespace) {
        V1Container container = new V1Container()
                .name(CONTAINER)
                .image(spec.image())
                .envFrom(spec.envFromSecrets().isEmpty() ? null : spec.envFromSecrets().stream()
                        .map(s -> new V1EnvFromSource().secretRef(new V1SecretEnvSource().name(s))).toList())
                .env(env(spec))
                .resources(resources(spec))
                .volumeMounts(mounts(spec.storeAccess()))
                .securityContext(new V1SecurityContext()
                        .runAsNonRoot(true)
                        .allowPrivilegeEscalation(false)
                        .readOnlyRootFilesystem(true)
                        .capabilities(new V1Capabilities().drop(List.of("ALL")))
                        .seccompProfile(new V1SeccompProfile().type("RuntimeDefault")));
        if (!spec.command().isEmpty()) {
            container.command(spec.command());
        }
        V1PodSpec pod = new V1PodSpec()
                .restartPolicy("Never")
                .automountServiceAccountToken(spec.automountServiceAccountToken())
                .securityContext(podSecurityContext(spec))
                .containers(List.of(container))
                .volumes(volumes(spec.storeAccess()))
                .tolerations(spec.tolerations().stream().map(JobManifest::toleration).toList())
                .imagePullSecrets(spec.imagePullSecrets().stream()
                        .map(s -> new V1LocalObjectReference().name(s)).toList());
        // client-java starts every map empty; unset ones are left out, as kubectl shows them
        pod.nodeSelector(spec.nodeSelector().isEmpty() ? null : new TreeMap<>(spec.nodeSelector())).overhead(null);
        spec.serviceAccount().ifPresent(pod::serviceAccountName);
        V1JobSpec jobSpec = new V1JobSpec()
                .backoffLimit(spec.backoffLimitPerIndex().isPresent() ? Integer.MAX_VALUE : spec.backoffLimit())
                .template(new V1PodTemplateSpec()
                        .metadata(new V1ObjectMeta().labels(labels(spec)).annotations(null))
                        .spec(pod));
        spec.activeDeadline().map(Duration::toSeconds).ifPresent(jobSpec::activeDeadlineSeconds);
        spec.completions().ifPresent(n -> jobSpec.completionMode("Indexed").completions(n));
        spec.parallelism().ifPresent(jobSpec::parallelism);
        spec.backoffLimitPerIndex().ifPresent(jobSpec::backoffLimitPerIndex);
        spec.ttlAfterFinished().map(d -> (int) d.toSeconds()).ifPresent(jobSpec::ttlSecondsAfterFinished);
        return new V1Job()
                .apiVersion("batch/v1")
                .kind("Job")
                .metadata(new V1ObjectMeta().name(spec.name()).namespace(namespace).labels(labels(spec)).annotations(null))
                .spec(jobSpec);
    }

    /** The store's env and the spec's, sorted by name; the spec's entries win on a clash. */
    private static List<V1EnvVar> env(JobSpec spec) {
        Map<String, String> env = new TreeMap<>(spec.storeAccess().env());
        env.putAll(spec.env());
        return env.entrySet().stream().map(e -> new V1EnvVar().name(e.getKey()).value(e.getValue())).toList();
    }

    private static V1ResourceRequirements resources(JobSpec spec) {
        Map<String, Quantity> requests = new LinkedHashMap<>();
        spec.vcpu().ifPresent(q -> requests.put("cpu", quantity("vcpu", q)));
        spec.memory().ifPresent(q -> requests.put("memory", quantity("memory", q)));
        // limits only where the spec sets them (by default memory, not CPU: a CPU limit throttles start-up)
        Map<String, Quantity> limits = new LinkedHashMap<>();
        spec.vcpuLimit().ifPresent(q -> limits.put("cpu", quantity("vcpu_limit", q)));
        spec.memoryLimit().ifPresent(q -> limits.put("memory", quantity("memory_limit", q)));
        if (spec.gpus() > 0) {
            // an extended resource is asked for in both, equal
            requests.put(GPU_RESOURCE, new Quantity(Integer.toString(spec.gpus())));
            limits.put(GPU_RESOURCE, new Quantity(Integer.toString(spec.gpus())));
        }
        return new V1ResourceRequirements().requests(requests.isEmpty() ? null : requests)
                .limits(limits.isEmpty() ? null : limits);
    }

    private static Quantity quantity(String key, String value) {
        try {
            return new Quantity(value);
        } catch (RuntimeException e) {
            throw ValenceException.config(key, value, "expected a Kubernetes quantity such as 500m, 2, 512Mi, 1G");
        }
    }

    /** The pod's identity; null when the spec sets none (the image's user, no supplementary group). */
    private static V1PodSecurityContext podSecurityContext(JobSpec spec) {
        if (spec.runAsUser().isEmpty() && spec.runAsGroup().isEmpty() && spec.fsGroup().isEmpty()) {
            return null;
        }
        V1PodSecurityContext context = new V1PodSecurityContext();
        spec.runAsUser().ifPresent(context::runAsUser);
        spec.runAsGroup().ifPresent(context::runAsGroup);
        spec.fsGroup().ifPresent(context::fsGroup);
        return context.supplementalGroups(null).sysctls(null);
    }

    private static List<V1Volume> volumes(StoreAccess access) {
        List<V1Volume> volumes = new java.util.ArrayList<>();
        volumes.add(new V1Volume().name(TMP_VOLUME).emptyDir(new V1EmptyDirVolumeSource()));
        access.volumes().forEach(v -> volumes.add(new V1Volume().name(v.name())
                .hostPath(new V1HostPathVolumeSource().path(v.hostPath()).type(v.type()))));
        access.objectVolumes().forEach(v -> volumes.add(objectVolume(v)));
        return volumes;
    }

    private static List<V1VolumeMount> mounts(StoreAccess access) {
        List<V1VolumeMount> mounts = new java.util.ArrayList<>();
        mounts.add(new V1VolumeMount().name(TMP_VOLUME).mountPath("/tmp"));
        access.volumes().forEach(v -> mounts.add(new V1VolumeMount().name(v.name()).mountPath(v.mountPath())));
        access.objectVolumes().forEach(v -> mounts.add(new V1VolumeMount().name(v.volumeName()).mountPath(v.mountPath())
                .readOnly(v.readOnly() ? Boolean.TRUE : null)));
        return mounts;
    }

    /** A Secret or ConfigMap volume: the store's keys as files, {@code defaultMode} as Kubernetes writes it (decimal). */
    private static V1Volume objectVolume(StoreAccess.ObjectVolume v) {
        List<V1KeyToPath> items = v.items().entrySet().stream().sorted(Map.Entry.comparingByKey())
                .map(e -> new V1KeyToPath().key(e.getKey()).path(e.getValue())).toList();
        V1Volume volume = new V1Volume().name(v.volumeName());
        if (v.kind() == ClusterFileRef.Kind.SECRET) {
            return volume.secret(new V1SecretVolumeSource().secretName(v.objectName())
                    .items(items.isEmpty() ? null : new java.util.ArrayList<>(items)).defaultMode(v.defaultMode()));
        }
        return volume.configMap(new V1ConfigMapVolumeSource().name(v.objectName())
                .items(items.isEmpty() ? null : new java.util.ArrayList<>(items)).defaultMode(v.defaultMode()));
    }

    private static V1Toleration toleration(Toleration t) {
        V1Toleration out = new V1Toleration().operator(t.operator());
        if (!t.key().isEmpty()) {
            out.key(t.key());
        }
        if (!t.value().isEmpty()) {
            out.value(t.value());
        }
        if (!t.effect().isEmpty()) {
            out.effect(t.effect());
        }
        t.tolerationSeconds().ifPresent(out::tolerationSeconds);
        return out;
    }
}
