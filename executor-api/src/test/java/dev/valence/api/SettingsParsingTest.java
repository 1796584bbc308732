package dev.valence.api;

import static dev.valence.api.SettingsTestSupport.FILE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Accepted forms: the seed's values, TOML types, and the flat forms environment variables use. */
class SettingsParsingTest {
    @TempDir
    Path home;

    private Settings file(Map<String, Object> values) {
        return SettingsTestSupport.isolated(home).fileValues(FILE, values).build();
    }

    private Settings env(Map<String, String> values) {
        return SettingsTestSupport.isolated(home).environmentValues(values).build();
    }

    @ParameterizedTest
    @CsvSource({"500m", "2", "2.0", "1.5", "0.5", "100m", "500Mi", "1G", "4G", "1e3", "+1"})
    void kubernetesQuantities(String quantity) {
        assertEquals(quantity, env(Map.of("VALENCE_K8S_VCPU", quantity)).vcpu());
    }

    @Test
    void quantitiesAsTomlNumbers() {
        Settings s = file(Map.of("vcpu", 2L, "memory", 0.5));
        assertEquals("2", s.vcpu());
        assertEquals("0.5", s.memory());
    }

    @ParameterizedTest
    @CsvSource({"10, 10000", "2.5, 2500", "500ms, 500", "30s, 30000", "5m, 300000", "1h, 3600000", "PT30S, 30000"})
    void durations(String given, long millis) {
        assertEquals(Duration.ofMillis(millis), env(Map.of("VALENCE_K8S_POLL_FREQ", given)).pollFreq());
    }

    @Test
    void durationsAsTomlNumbers() {
        Settings s = file(Map.of("poll_freq", 10L, "timeout", 1.5, "ttl_after_finished", 0L));
        assertEquals(Duration.ofSeconds(10), s.pollFreq());
        assertEquals(Optional.of(Duration.ofMillis(1500)), s.timeout());
        assertEquals(Optional.of(Duration.ZERO), s.ttlAfterFinished());
        assertEquals("10s", s.getString("poll_freq").orElseThrow());
    }

    @Test
    void tablesAndListsFromToml() {
        Map<String, Object> t1 = new LinkedHashMap<>();
        t1.put("key", "nvidia.com/gpu");
        t1.put("operator", "Exists");
        t1.put("effect", "NoSchedule");
        Map<String, Object> t2 = new LinkedHashMap<>();
        t2.put("key", "node.kubernetes.io/unreachable");
        t2.put("operator", "Exists");
        t2.put("effect", "NoExecute");
        t2.put("toleration_seconds", 300L);
        Settings s = file(Map.of(
                "node_selector", Map.of("kubernetes.io/arch", "amd64"),
                "labels", Map.of("team", "ml", "tier", 1L),
                "env", Map.of("JAVA_TOOL_OPTIONS", "-Xmx1g"),
                "image_pull_secrets", List.of("regcred"),
                "tolerations", List.of(t1, t2),
                "gpus", 1L, "retries", 2L, "keep_artifacts", true));
        assertEquals(Map.of("kubernetes.io/arch", "amd64"), s.nodeSelector());
        assertEquals(Map.of("team", "ml", "tier", "1"), s.labels());
        assertEquals(Map.of("JAVA_TOOL_OPTIONS", "-Xmx1g"), s.env());
        assertEquals(List.of("regcred"), s.imagePullSecrets());
        assertEquals(List.of(Toleration.exists("nvidia.com/gpu", "NoSchedule"),
                new Toleration("node.kubernetes.io/unreachable", "Exists", "", "NoExecute", Optional.of(300L))),
                s.tolerations());
        assertEquals(1, s.gpus());
        assertEquals(2, s.retries());
        assertTrue(s.keepArtifacts());
    }

    @Test
    void flatFormsFromTheEnvironment() {
        Settings s = env(Map.of(
                "VALENCE_K8S_NODE_SELECTOR", "disktype=ssd, kubernetes.io/arch=amd64",
                "VALENCE_K8S_LABELS", "team=ml",
                "VALENCE_K8S_ENV", "MODE=fast,LEVEL=3",
                "VALENCE_K8S_IMAGE_PULL_SECRETS", "regcred, other",
                "VALENCE_K8S_ENV_FROM_SECRETS", "azure-storage",
                "VALENCE_K8S_TOLERATIONS", "gpu=true:NoSchedule,spot:NoExecute,dedicated",
                "VALENCE_K8S_KEEP_ARTIFACTS", "TRUE",
                "VALENCE_K8S_GPUS", "2"));
        assertEquals(Map.of("disktype", "ssd", "kubernetes.io/arch", "amd64"), s.nodeSelector());
        assertEquals(Map.of("team", "ml"), s.labels());
        assertEquals(Map.of("MODE", "fast", "LEVEL", "3"), s.env());
        assertEquals(List.of("regcred", "other"), s.imagePullSecrets());
        assertEquals(List.of("azure-storage"), s.envFromSecrets());
        assertEquals(List.of(Toleration.equal("gpu", "true", "NoSchedule"), Toleration.exists("spot", "NoExecute"),
                Toleration.exists("dedicated", "")), s.tolerations());
        assertEquals("[gpu=true:NoSchedule, spot:NoExecute, dedicated]", s.display("tolerations"));
        assertTrue(s.keepArtifacts());
        assertEquals(2, s.gpus());
    }

    @ParameterizedTest
    @CsvSource({"localhost:5000", "docker", "tar", "123456789012.dkr.ecr.us-east-1.amazonaws.com",
            "127.0.0.1:5000", "ghcr.io"})
    void registries(String registry) {
        assertEquals(registry, env(Map.of("VALENCE_K8S_REGISTRY", registry)).registry());
    }

    @ParameterizedTest
    @CsvSource({"/tmp, file", "file:/tmp/valence, file", "file:///tmp/valence, file",
            "s3://bucket/prefix/, s3", "azblob://container/prefix, azblob", "gs://bucket, gs"})
    void dataStores(String dataStore, String scheme) {
        Settings s = env(Map.of("VALENCE_K8S_DATA_STORE", dataStore));
        assertEquals(dataStore, s.dataStore());
        assertEquals(scheme, s.dataStoreScheme());
    }

    @Test
    void seedEksExecutorValues() {
        Settings s = SettingsTestSupport.isolated(home)
                .k8sContext("user@covalent-eks-cluster.us-east-1.eksctl.io")
                .imageRepo("covalent-eks-task")
                .registry("123456789012.dkr.ecr.us-east-1.amazonaws.com")
                .dataStore("s3://my-bucket/valence/")
                .vcpu("2.0").memory("4G").build();
        assertEquals(Optional.of("user@covalent-eks-cluster.us-east-1.eksctl.io"), s.k8sContext());
        assertEquals("s3", s.dataStoreScheme());
        assertEquals("2.0", s.vcpu());
    }

    @Test
    void pluginValuesAreStrings() {
        Settings s = SettingsTestSupport.isolated(home).knownKey("s3_path_style", "false")
                .fileValues(FILE, Map.of("s3_path_style", true)).build();
        assertEquals(Optional.of("true"), s.getString("s3_path_style"));
        Settings blank = SettingsTestSupport.isolated(home).knownKey("s3_endpoint", "").build();
        assertEquals(Optional.empty(), blank.getString("s3_endpoint"));
    }
}
