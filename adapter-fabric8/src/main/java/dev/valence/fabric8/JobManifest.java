package dev.valence.fabric8;

import dev.valence.api.ClusterFileRef;
import dev.valence.api.Toleration;
import dev.valence.spi.ClusterGateway;
import dev.valence.spi.JobSpec;
import dev.valence.spi.StoreAccess;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvFromSourceBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSecurityContextBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Builds the {@code batch/v1} Job for a {@link JobSpec}: one container named {@code task},
 * {@code restartPolicy: Never}, requests and the limits the spec sets, env sorted by name (the
 * store's env first, the spec's env winning on a clash), the pod's identity, no service-account
 * token unless asked, and a container security context that passes Pod Security "restricted":
 * non-root, no privilege escalation, no capabilities, seccomp RuntimeDefault, a read-only root
 * file system with an emptyDir at {@code /tmp}.
 */
final class JobManifest {
    /** Name of the task container. */
    static final String CONTAINER = "task";
    static final String MANAGED_BY_VALUE = "valence";
    /** The writable scratch volume of the read-only root file system. */
    static final String TMP_VOLUME = "tmp";

    private JobManifest() {
    }

    /** The labels a Job of this spec carries: the spec's plus {@code app.kubernetes.io/managed-by=valence}. */
    static Map<String, String> labels(JobSpec spec) {
        Map<String, String> labels = new TreeMap<>(spec.labels());
        labels.put(ClusterGateway.MANAGED_BY, MANAGED_BY_VALUE);
        return labels;
    }

    static Job build(JobSpec spec, String namespace) {
        Map<String, String> labels = labels(spec);
        return new JobBuilder()
                .withNewMetadata().withName(spec.name()).withNamespace(namespace).withLabels(labels).endMetadata()
                .withNewSpec()
                // an Indexed Job with per-index retries: the Job-wide limit is unlimited, as the server defaults it
                .withBackoffLimit(spec.backoffLimitPerIndex().isPresent() ? Integer.valueOf(Integer.MAX_VALUE)
                        : Integer.valueOf(spec.backoffLimit()))
                .withCompletionMode(spec.indexed() ? "Indexed" : null)
                .withCompletions(spec.completions().orElse(null))
                .withParallelism(spec.parallelism().orElse(null))
                .withBackoffLimitPerIndex(spec.backoffLimitPerIndex().orElse(null))
                .withActiveDeadlineSeconds(spec.activeDeadline().map(d -> Math.max(1, d.toSeconds())).orElse(null))
                .withTtlSecondsAfterFinished(spec.ttlAfterFinished().map(d -> (int) d.toSeconds()).orElse(null))
                .withNewTemplate()
                .withNewMetadata().withLabels(labels).endMetadata()
                .withNewSpec()
                .withRestartPolicy("Never")
                .withAutomountServiceAccountToken(spec.automountServiceAccountToken())
                .withSecurityContext(podSecurityContext(spec))
                .withServiceAccountName(spec.serviceAccount().orElse(null))
                .withNodeSelector(spec.nodeSelector().isEmpty() ? null : new TreeMap<>(spec.nodeSelector()))
                .withTolerations(spec.tolerations().stream().map(JobManifest::toleration).toList())
                .withImagePullSecrets(spec.imagePullSecrets().stream().map(LocalObjectReference::new).toList())
                .withContainers(container(spec))
                .withVolumes(volumes(spec.storeAccess()))
                .endSpec()
                .endTemplate()
                .endSpec()
                .build();
    }

    private static Container container(JobSpec spec) {
        Map<String, Quantity> requests = new LinkedHashMap<>();
        spec.vcpu().ifPresent(v -> requests.put("cpu", new Quantity(v)));
        spec.memory().ifPresent(v -> requests.put("memory", new Quantity(v)));
        Map<String, Quantity> limits = new LinkedHashMap<>();
        spec.vcpuLimit().ifPresent(v -> limits.put("cpu", new Quantity(v)));
        spec.memoryLimit().ifPresent(v -> limits.put("memory", new Quantity(v)));
        if (spec.gpus() > 0) {
            // an extended resource is asked for in both, equal
            requests.put("nvidia.com/gpu", new Quantity(String.valueOf(spec.gpus())));
            limits.put("nvidia.com/gpu", new Quantity(String.valueOf(spec.gpus())));
        }
        return new ContainerBuilder()
                .withName(CONTAINER)
                .withImage(spec.image())
                .withCommand(spec.command())
                .withEnvFrom(spec.envFromSecrets().stream().map(s -> new EnvFromSourceBuilder().withNewSecretRef()
                        .withName(s).endSecretRef().build()).toList())
                .withEnv(env(spec))
                .withNewResources().withRequests(requests).withLimits(limits).endResources()
                .withSecurityContext(securityContext())
                .withVolumeMounts(mounts(spec.storeAccess()))
                .build();
    }

    private static List<EnvVar> env(JobSpec spec) {
        Map<String, String> env = new TreeMap<>(spec.storeAccess().env());
        env.putAll(spec.env());
        return env.entrySet().stream().map(e -> new EnvVarBuilder().withName(e.getKey()).withValue(e.getValue()).build())
                .toList();
    }

    /** The pod's identity; null when the spec sets none (the image's user, no supplementary group). */
    private static PodSecurityContext podSecurityContext(JobSpec spec) {
        if (spec.runAsUser().isEmpty() && spec.runAsGroup().isEmpty() && spec.fsGroup().isEmpty()) {
            return null;
        }
        return new PodSecurityContextBuilder()
                .withRunAsUser(spec.runAsUser().orElse(null))
                .withRunAsGroup(spec.runAsGroup().orElse(null))
                .withFsGroup(spec.fsGroup().orElse(null))
                .build();
    }

    private static SecurityContext securityContext() {
        return new SecurityContextBuilder()
                .withRunAsNonRoot(true)
                .withAllowPrivilegeEscalation(false)
                .withReadOnlyRootFilesystem(true)
                .withNewCapabilities().withDrop("ALL").endCapabilities()
                .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile()
                .build();
    }

    private static io.fabric8.kubernetes.api.model.Toleration toleration(Toleration t) {
        return new TolerationBuilder()
                .withKey(t.key().isEmpty() ? null : t.key())
                .withOperator(t.operator())
                .withValue(t.value().isEmpty() ? null : t.value())
                .withEffect(t.effect().isEmpty() ? null : t.effect())
                .withTolerationSeconds(t.tolerationSeconds().orElse(null))
                .build();
    }

    private static List<Volume> volumes(StoreAccess access) {
        List<Volume> volumes = new java.util.ArrayList<>();
        volumes.add(new VolumeBuilder().withName(TMP_VOLUME).withNewEmptyDir().endEmptyDir().build());
        access.volumes().forEach(v -> volumes.add(new VolumeBuilder().withName(v.name())
                .withNewHostPath().withPath(v.hostPath()).withType(v.type()).endHostPath().build()));
        access.objectVolumes().forEach(v -> volumes.add(objectVolume(v)));
        return volumes;
    }

    private static List<VolumeMount> mounts(StoreAccess access) {
        List<VolumeMount> mounts = new java.util.ArrayList<>();
        mounts.add(new VolumeMountBuilder().withName(TMP_VOLUME).withMountPath("/tmp").build());
        access.volumes().forEach(v -> mounts.add(new VolumeMountBuilder().withName(v.name())
                .withMountPath(v.mountPath()).build()));
        access.objectVolumes().forEach(v -> mounts.add(new VolumeMountBuilder().withName(v.volumeName())
                .withMountPath(v.mountPath()).withReadOnly(v.readOnly() ? Boolean.TRUE : null).build()));
        return mounts;
    }

    /** A Secret or ConfigMap volume: the store's keys as files, {@code defaultMode} as Kubernetes writes it (decimal). */
    private static Volume objectVolume(StoreAccess.ObjectVolume v) {
        List<io.fabric8.kubernetes.api.model.KeyToPath> items = v.items().entrySet().stream().sorted(Map.Entry.comparingByKey())
                .map(e -> new io.fabric8.kubernetes.api.model.KeyToPathBuilder().withKey(e.getKey()).withPath(e.getValue()).build()).toList();
        VolumeBuilder b = new VolumeBuilder().withName(v.volumeName());
        if (v.kind() == ClusterFileRef.Kind.SECRET) {
            return b.withNewSecret().withSecretName(v.objectName()).withItems(items.isEmpty() ? null : items)
                    .withDefaultMode(v.defaultMode()).endSecret().build();
        }
        return b.withNewConfigMap().withName(v.objectName()).withItems(items.isEmpty() ? null : items)
                .withDefaultMode(v.defaultMode()).endConfigMap().build();
    }
}
