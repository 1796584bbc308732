package dev.valence.infra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.valence.api.Settings;
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
    void requestsAndLimitsTheDefaultCpuAndMemory() {
        assertEquals(1, podSpec().getContainers().size());
        ResourceRequirements res = podSpec().getContainers().get(0).getResources();
        Quantity cpu = new Quantity(defaults.vcpu());
        Quantity memory = new Quantity(defaults.memory());
        assertEquals("500m", defaults.vcpu());
        assertEquals("1G", defaults.memory());
        assertEquals(cpu, res.getRequests().get("cpu"));
        assertEquals(memory, res.getRequests().get("memory"));
        assertEquals(cpu, res.getLimits().get("cpu"));
        assertEquals(memory, res.getLimits().get("memory"));
    }

    @Test
    void runsATrivialContainer() {
        Container c = podSpec().getContainers().get(0);
        assertNotNull(c.getImage());
        assertFalse(c.getCommand().isEmpty());
        assertTrue(podSpec().getInitContainers() == null || podSpec().getInitContainers().isEmpty());
    }

    @Test
    void hasTheRestrictiveSecurityContext() {
        PodSecurityContext pod = podSpec().getSecurityContext();
        assertEquals(Boolean.TRUE, pod.getRunAsNonRoot());
        assertNotNull(pod.getRunAsUser(), "a numeric runAsUser, so runAsNonRoot can be checked for any image");
        assertTrue(pod.getRunAsUser() > 0);
        assertEquals("RuntimeDefault", pod.getSeccompProfile().getType());
        SecurityContext c = podSpec().getContainers().get(0).getSecurityContext();
        assertEquals(Boolean.FALSE, c.getAllowPrivilegeEscalation());
        assertEquals(List.of("ALL"), c.getCapabilities().getDrop());
        assertTrue(c.getCapabilities().getAdd() == null || c.getCapabilities().getAdd().isEmpty());
    }

    @Test
    void passesTheRestrictedPodSecurityStandard() {
        assertEquals(List.of(), restrictedViolations(podSpec()));
    }

    @Test
    void restrictedCheckCatchesAnEscalatingContainer() {
        Container c = podSpec().getContainers().get(0);
        c.getSecurityContext().setAllowPrivilegeEscalation(true);
        c.getSecurityContext().getCapabilities().setDrop(List.of());
        podSpec().getSecurityContext().setSeccompProfile(null);
        assertEquals(List.of(
                "task: allowPrivilegeEscalation must be false",
                "task: capabilities must drop ALL",
                "task: seccompProfile must be RuntimeDefault or Localhost"), restrictedViolations(podSpec()));
    }

    private PodSpec podSpec() {
        return job.getSpec().getTemplate().getSpec();
    }

    /** The container rules of the "restricted" Pod Security Standard that a Job can break. */
    static List<String> restrictedViolations(PodSpec spec) {
        List<String> out = new ArrayList<>();
        PodSecurityContext pod = Objects.requireNonNullElseGet(spec.getSecurityContext(), PodSecurityContext::new);
        if (Boolean.TRUE.equals(spec.getHostNetwork()) || Boolean.TRUE.equals(spec.getHostPID())
                || Boolean.TRUE.equals(spec.getHostIPC())) {
            out.add("pod: host namespaces are not allowed");
        }
        for (Container c : spec.getContainers()) {
            SecurityContext sc = Objects.requireNonNullElseGet(c.getSecurityContext(), SecurityContext::new);
            String n = c.getName();
            if (Boolean.TRUE.equals(sc.getPrivileged())) {
                out.add(n + ": privileged is not allowed");
            }
            if (!Boolean.FALSE.equals(sc.getAllowPrivilegeEscalation())) {
                out.add(n + ": allowPrivilegeEscalation must be false");
            }
            Boolean nonRoot = sc.getRunAsNonRoot() != null ? sc.getRunAsNonRoot() : pod.getRunAsNonRoot();
            Long user = sc.getRunAsUser() != null ? sc.getRunAsUser() : pod.getRunAsUser();
            if (!Boolean.TRUE.equals(nonRoot) || (user != null && user == 0)) {
                out.add(n + ": must run as non-root");
            }
            if (sc.getCapabilities() == null || sc.getCapabilities().getDrop() == null
                    || !sc.getCapabilities().getDrop().contains("ALL")) {
                out.add(n + ": capabilities must drop ALL");
            }
            if (sc.getCapabilities() != null && sc.getCapabilities().getAdd() != null
                    && sc.getCapabilities().getAdd().stream().anyMatch(a -> !a.equals("NET_BIND_SERVICE"))) {
                out.add(n + ": only NET_BIND_SERVICE may be added");
            }
            var seccomp = sc.getSeccompProfile() != null ? sc.getSeccompProfile() : pod.getSeccompProfile();
            if (seccomp == null || !List.of("RuntimeDefault", "Localhost").contains(seccomp.getType())) {
                out.add(n + ": seccompProfile must be RuntimeDefault or Localhost");
            }
        }
        return out;
    }
}
