package dev.valence.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.valence.api.ErrorKind;
import dev.valence.api.Settings;
import dev.valence.api.ValenceException;
import dev.valence.spi.Plugins;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How {@code doctor}'s probe pod reads each failure the executor reports (the messages as the executor
 * words them) into a line with its fix. The probe itself runs against the API bed in {@link ClusterCliTest}.
 */
class PodProbeTest {
    @TempDir
    Path home;

    private DoctorCommand.Check probe(ErrorKind kind, String message) {
        Settings s = Plugins.load(getClass().getClassLoader()).declareKeys(Settings.builder()).environment(Map.of())
                .userHome(home).build();
        return PodProbe.failure(new ValenceException(kind, message), s, "ns1", "Job valence-doctor-1-probe-2");
    }

    @Test
    void anImagePullFailureSaysTheNodesMustReachTheRegistry() {
        DoctorCommand.Check c = probe(ErrorKind.POD_FAILED, "task 'valence-doctor-probe' failed in Job x (namespace ns1, "
                + "pod p): ErrImagePull: failed to pull image \"localhost:5000/valence-task@sha256:ab\": connection refused");
        assertEquals(DoctorCommand.Status.FAIL, c.status());
        assertTrue(c.detail().startsWith("the pod cannot pull the task image (Job valence-doctor-1-probe-2): task "),
                c.detail());
        assertTrue(c.fix().startsWith("the cluster's nodes must reach registry 'localhost:5000'"), c.fix());
    }

    @Test
    void aStoreThePodCannotWriteNamesTheIdentitySettingsAndTheLogLine() {
        DoctorCommand.Check c = probe(ErrorKind.POD_FAILED, "task 'valence-doctor-probe' failed in Job x: Error: exit "
                + "code 2\nlast log lines:\n[valence] running task 'valence-doctor-probe'\n[valence] writing /data/d/probe/"
                + "output failed: java.nio.file.AccessDeniedException: /data/d/probe/output.part");
        assertTrue(c.detail().endsWith("[valence] writing /data/d/probe/output failed: java.nio.file.AccessDeniedException: "
                + "/data/d/probe/output.part"), c.detail());
        assertTrue(c.fix().contains("set run_as_user, run_as_group and fs_group"), c.fix());
    }

    @Test
    void aPodTheApiServerRefusesNamesPodSecurityAndQuotas() {
        DoctorCommand.Check c = probe(ErrorKind.POD_FAILED, "task 'valence-doctor-probe' failed in Job x: FailedCreate: "
                + "pods \"x-abc\" is forbidden: violates PodSecurity \"baseline:latest\": hostPath volumes (volume \"data\")");
        assertTrue(c.detail().startsWith("the API server refused the probe's pod"), c.detail());
        assertTrue(c.fix().contains("pod-security.kubernetes.io/enforce=privileged"), c.fix());
        assertTrue(c.fix().contains("a quota: lower vcpu and memory"), c.fix());
    }

    @Test
    void anUnschedulablePodNamesTheResourceSettings() {
        DoctorCommand.Check c = probe(ErrorKind.POD_FAILED, "task 'valence-doctor-probe' failed in Job x: Unschedulable: "
                + "0/1 nodes are available: 1 Insufficient memory");
        assertTrue(c.detail().startsWith("no node can run the probe's pod"), c.detail());
        assertTrue(c.fix().startsWith("lower vcpu (500m) or memory (1G)"), c.fix());
    }

    @Test
    void aPushFailureNamesTheRegistryAndTheBaseImage() {
        DoctorCommand.Check c = probe(ErrorKind.IMAGE, "pushing localhost:5000/valence-task failed: 401 Unauthorized");
        assertTrue(c.detail().startsWith("the task image could not be built or pushed: pushing"), c.detail());
        assertTrue(c.fix().startsWith("check registry 'localhost:5000' takes pushes"), c.fix());
    }

    @Test
    void anythingElseKeepsTheExecutorsMessage() {
        DoctorCommand.Check c = probe(ErrorKind.STORE, "reading /x/output failed: something odd\nsecond line");
        assertEquals("the probe task failed (Job valence-doctor-1-probe-2): reading /x/output failed: something odd",
                c.detail());
    }
}
