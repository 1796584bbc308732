package dev.valence.infra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.valence.api.Settings;
import dev.valence.api.TaskCall;
import dev.valence.core.KubernetesExecutor;
import dev.valence.tck.cluster.PodSecurityStandards;
import dev.valence.tck.cluster.StoredManifests;
import java.nio.file.Files;
import dev.valence.spi.ClusterGateway;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SampleJobTest {

    private Job job;
    private Settings defaults;

    @BeforeEach
    void parse(@TempDir Path home) {
        job = Serialization.unmarshal(InfraFiles.read("sample_job.yaml"), Job.class);
        defaults = Settings.builder().environment(Map.of()).userHome(home).build();
    }

    @Test
    void isABatchV1JobInTheCurrentNamespace() {
        assertEquals("batch/v1", job.getApiVersion());
        assertEquals("Job", job.getKind());
        assertEquals("valence-sample", job.getMetadata().getName());
        assertNull(job.getMetadata().getNamespace(), "no namespace: it goes to the context's, as Valence's Jobs do");
    }

    @Test
    void neverRestartsAndIsCleanedUpLikeValenceJobs() {
        assertEquals("Never", podSpec().getRestartPolicy());
        assertEquals(defaults.retries(), job.getSpec().getBackoffLimit(), "backoffLimit = the retries default");
        assertEquals(0, job.getSpec().getBackoffLimit());
        long ttl = defaults.ttlAfterFinished().orElseThrow().toSeconds();
        assertEquals(ttl, job.getSpec().getTtlSecondsAfterFinished().longValue(),
                "ttlSecondsAfterFinished = the ttl_after_finished default");
    }

    @Test
    void carriesTheManagedByLabelOnJobAndPod() {
        assertEquals("valence", job.getMetadata().getLabels().get(ClusterGateway.MANAGED_BY));
        assertEquals("valence", job.getSpec().getTemplate().getMetadata().getLabels().get(ClusterGateway.MANAGED_BY));
    }

    @Test
    void requestsTheDefaultCpuAndMemoryAndLimitsMemoryOnly() {
        assertEquals(1, podSpec().getContainers().size());
        ResourceRequirements res = podSpec().getContainers().get(0).getResources();
        assertEquals("500m", defaults.vcpu());
        assertEquals("1G", defaults.memory());
        assertEquals(new Quantity(defaults.vcpu()), res.getRequests().get("cpu"));
        assertEquals(new Quantity(defaults.memory()), res.getRequests().get("memory"));
        assertNull(res.getLimits().get("cpu"), "no CPU limit: it would throttle the JVM's start-up");
        assertEquals(new Quantity(defaults.memoryLimit()), res.getLimits().get("memory"));
    }

    @Test
    void runsATrivialContainer() {
        Container c = podSpec().getContainers().get(0);
        assertNotNull(c.getImage());
        assertFalse(c.getCommand().isEmpty());
        assertTrue(podSpec().getInitContainers() == null || podSpec().getInitContainers().isEmpty());
    }

    @Test
    void runsAsTheDefaultIdentityWithoutAServiceAccountToken() {
        PodSecurityContext pod = podSpec().getSecurityContext();
        assertEquals(Long.valueOf(defaults.runAsUser()), pod.getRunAsUser());
        assertEquals(Long.valueOf(defaults.runAsGroup()), pod.getRunAsGroup());
        assertEquals(defaults.fsGroup().map(Long::valueOf).orElse(null), pod.getFsGroup());
        assertEquals(Boolean.FALSE, podSpec().getAutomountServiceAccountToken());
        SecurityContext c = podSpec().getContainers().get(0).getSecurityContext();
        assertEquals(Boolean.TRUE, c.getReadOnlyRootFilesystem());
    }

    @Test
    void passesTheRestrictedPodSecurityStandard() {
        assertEquals(List.of(), PodSecurityStandards.restrictedViolations(podSpec()));
    }

    @Test
    void isTheJobValenceRendersWithTheDefaultsExceptForWhatItsHeaderNames(@TempDir Path home) throws Exception {
        Path kubeconfig = Files.writeString(home.resolve("kubeconfig"), """
                apiVersion: v1
                kind: Config
                clusters: [{name: c, cluster: {server: "http://127.0.0.1:1"}}]
                users: [{name: u, user: {token: t}}]
                contexts: [{name: x, context: {cluster: c, user: u}}]
                current-context: x
                """);
        String yaml;
        try (KubernetesExecutor k8s = KubernetesExecutor.builder().environment(Map.of()).userHome(home)
                .k8sConfigFile(kubeconfig).classpath(List.of()).build()) {
            TaskCall call = TaskCall.builder().dispatchId("d1").nodeId("n1").taskName("sample")
                    .body(args -> "ok").args(List.of()).build();
            yaml = k8s.render(call, "busybox:1.36.1");
        }
        Job rendered = Serialization.unmarshal(yaml, Job.class);
        // the differences the header of sample_job.yaml states, and nothing else
        rendered.getMetadata().setName("valence-sample");
        rendered.getMetadata().setNamespace(null);
        Map<String, String> labels = Map.of(ClusterGateway.MANAGED_BY, "valence", "app.kubernetes.io/name", "valence-sample");
        rendered.getMetadata().setLabels(labels);
        rendered.getSpec().getTemplate().getMetadata().setLabels(labels);
        PodSpec pod = rendered.getSpec().getTemplate().getSpec();
        Container c = pod.getContainers().get(0);
        c.setCommand(List.of("sh", "-c", "echo valence sample job ok"));
        c.setEnv(List.of());
        c.getVolumeMounts().removeIf(m -> m.getName().equals("valence-data"));
        pod.getVolumes().removeIf(v -> v.getName().equals("valence-data"));
        assertEquals(StoredManifests.fromYaml(Serialization.asYaml(rendered)),
                StoredManifests.fromYaml(InfraFiles.read("sample_job.yaml")));
    }

    private PodSpec podSpec() {
        return job.getSpec().getTemplate().getSpec();
    }
}
