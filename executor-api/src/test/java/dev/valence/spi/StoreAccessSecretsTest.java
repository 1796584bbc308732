package dev.valence.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.valence.api.ClusterFileRef;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A store names the Secrets its pod needs: as env ({@code envFrom}) or as files; the Job spec carries them. */
class StoreAccessSecretsTest {

    @Test
    void aStoresSecretsJoinTheJobsEnvFromAfterTheSettingsOnesEachOnce() {
        StoreAccess access = StoreAccess.builder().envFromSecret("store-creds").envFromSecret("team-env").build();
        JobSpec spec = JobSpec.builder().name("valence-a-n1").image("busybox:1").envFromSecrets(List.of("team-env"))
                .storeAccess(access).build();
        assertEquals(List.of("team-env", "store-creds"), spec.envFromSecrets());
        assertEquals(List.of("store-creds", "team-env"), spec.storeAccess().envFromSecrets());
    }

    @Test
    void secretFilesAreAReadOnlySecretVolumeOfOwnerOnlyFiles() {
        StoreAccess access = StoreAccess.builder().secretFiles("gcs-key", "gcs-key", "/etc/gcs").build();
        StoreAccess.ObjectVolume v = access.objectVolumes().get(0);
        assertEquals(ClusterFileRef.Kind.SECRET, v.kind());
        assertEquals("gcs-key", v.objectName());
        assertEquals("/etc/gcs", v.mountPath());
        assertEquals(0400, v.defaultMode());
        assertTrue(v.readOnly());
        assertEquals(Map.of(), v.items());
    }

    @Test
    void aSecretNameThatKubernetesWouldRejectIsRefusedWithTheName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> StoreAccess.builder().envFromSecret("Store_Creds").build());
        assertTrue(e.getMessage().contains("'Store_Creds' is not a Secret name"), e.getMessage());
    }
}
