package dev.valence.official;

import dev.valence.api.Toleration;
import dev.valence.api.ValenceException;
import dev.valence.spi.ClusterGateway;
import dev.valence.spi.JobSpec;
import dev.valence.spi.StoreAccess;
import io.kubernetes.client.custom.Quantity;
import io.kubernetes.client.openapi.models.V1Capabilities;
import io.kubernetes.client.openapi.models.V1Container;
import io.kubernetes.client.openapi.models.V1EnvFromSource;
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
                .volumeMounts(spec.storeAccess().volumes().stream()
                        .map(v -> new V1VolumeMount().name(v.name()).mountPath(v.mountPath())).toList())
                .securityContext(new V1SecurityContext()
                        .runAsNonRoot(true)
                        .allowPrivilegeEscalation(false)
                        .capabilities(new V1Capabilities().drop(List.of("ALL")))
                        .seccompProfile(new V1SeccompProfile().type("RuntimeDefault")));
        if (!spec.command().isEmpty()) {
            container.command(spec.command());
        }
        V1PodSpec pod = new V1PodSpec()
                .restartPolicy("Never")
                .containers(List.of(container))
                .volumes(spec.storeAccess().volumes().stream().map(JobManifest::volume).toList())
                .tolerations(spec.tolerations().stream().map(JobManifest::toleration).toList())
                .imagePullSecrets(spec.imagePullSecrets().stream()
                        .map(s -> new V1LocalObjectReference().name(s)).toList());
        // client-java starts every map empty; unset ones are left out, as kubectl shows them
        pod.nodeSelector(spec.nodeSelector().isEmpty() ? null : new TreeMap<>(spec.nodeSelector())).overhead(null);
        spec.serviceAccount().ifPresent(pod::serviceAccountName);
        V1JobSpec jobSpec = new V1JobSpec()
                .backoffLimit(spec.backoffLimit())
                .template(new V1PodTemplateSpec()
                        .metadata(new V1ObjectMeta().labels(labels(spec)).annotations(null))
                        .spec(pod));
        spec.activeDeadline().map(Duration::toSeconds).ifPresent(jobSpec::activeDeadlineSeconds);
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
        if (spec.gpus() > 0) {
            requests.put(GPU_RESOURCE, new Quantity(Integer.toString(spec.gpus())));
        }
        // limits equal requests: a task gets what it asked for, no more
        Map<String, Quantity> limits = new LinkedHashMap<>();
        requests.forEach((k, v) -> limits.put(k, new Quantity(v.toSuffixedString())));
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

    private static V1Volume volume(StoreAccess.HostPathVolume v) {
        return new V1Volume().name(v.name()).hostPath(new V1HostPathVolumeSource().path(v.hostPath()));
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
