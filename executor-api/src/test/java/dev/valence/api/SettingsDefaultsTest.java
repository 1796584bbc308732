package dev.valence.api;

import static dev.valence.api.SettingsTestSupport.FILE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.valence.api.Settings.Entry;
import dev.valence.api.Settings.Source;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Defaults from DESIGN.md §4, derived from a fake environment and home. */
class SettingsDefaultsTest {
    @TempDir
    Path home;

    private Path kubeconfigAt(Path p) throws Exception {
        Files.createDirectories(p.getParent());
        return Files.writeString(p, "apiVersion: v1\nkind: Config\n");
    }

    @Test
    void defaultsOfEveryKey() {
        Settings s = SettingsTestSupport.isolated(home).build();
        assertEquals("eclipse-temurin:17-jre", s.baseImage());
        assertEquals(Optional.of(home.resolve(".kube/config")), s.k8sConfigFile());
        assertEquals(Optional.empty(), s.k8sContext(), "current context");
        assertEquals("localhost:5000", s.registry());
        assertEquals(Optional.empty(), s.registryCredentialsFile());
        assertEquals(home.resolve(".cache/valence/data").toString(), s.dataStore());
        assertEquals("file", s.dataStoreScheme());
        assertEquals("500m", s.vcpu());
        assertEquals("1G", s.memory());
        assertEquals(home.resolve(".cache/valence"), s.cacheDir());
        assertEquals(Duration.ofSeconds(10), s.pollFreq());
        assertEquals("valence-task", s.imageRepo());
        assertEquals(Optional.empty(), s.namespace(), "the context's namespace");
        assertEquals(Optional.empty(), s.region(), "the AWS SDK's chain");
        assertEquals("/data", s.dataStoreMount());
        assertEquals("fabric8", s.clusterClient());
        assertEquals(0, s.gpus());
        assertEquals(Map.of(), s.nodeSelector());
        assertEquals(List.of(), s.tolerations());
        assertEquals(Optional.empty(), s.serviceAccount());
        assertEquals(List.of(), s.imagePullSecrets());
        assertEquals(List.of(), s.envFromSecrets());
        assertEquals(Map.of(), s.env());
        assertEquals(Optional.empty(), s.timeout());
        assertEquals(0, s.retries());
        assertEquals(Optional.of(Duration.ofDays(1)), s.ttlAfterFinished());
        assertEquals(false, s.keepArtifacts());
        assertEquals(Map.of(), s.labels());
        assertEquals(Duration.ofMinutes(5), s.unschedulableGrace());
        assertEquals(256L * 1024 * 1024, s.maxOutputBytes());
        assertTrue(s.entries().stream().allMatch(e -> e.source() == Source.DEFAULT), s::describe);
        assertEquals(Settings.knownKeys(), s.entries().stream().map(Entry::key).toList());
    }

    @Test
    void kubeconfigFromTheKubeconfigVariable() throws Exception {
        Path file = kubeconfigAt(home.resolve("clusters/dev.yaml"));
        Settings s = SettingsTestSupport.isolated(home).environment(Map.of("KUBECONFIG", file.toString())).build();
        assertEquals(Optional.of(file), s.k8sConfigFile());
    }

    @Test
    void kubeconfigVariableListingSeveralFilesPicksTheFirstThatExists() throws Exception {
        Path second = kubeconfigAt(home.resolve("b.yaml"));
        String list = home.resolve("missing.yaml") + java.io.File.pathSeparator + second;
        Settings s = SettingsTestSupport.isolated(home).environment(Map.of("KUBECONFIG", list)).build();
        assertEquals(Optional.of(second), s.k8sConfigFile());
    }

    @Test
    void inAPodWithoutKubeconfigTheInClusterConfigIsUsed() {
        Settings s = SettingsTestSupport.isolated(home)
                .environment(Map.of("KUBERNETES_SERVICE_HOST", "10.96.0.1")).build();
        assertEquals(Optional.empty(), s.k8sConfigFile());
        assertTrue(s.describe().contains("(in-cluster config (no kubeconfig found, running in a pod))"), s.describe());
    }

    @Test
    void inAPodAKubeconfigInHomeStillWins() throws Exception {
        Path file = kubeconfigAt(home.resolve(".kube/config"));
        Settings s = SettingsTestSupport.isolated(home)
                .environment(Map.of("KUBERNETES_SERVICE_HOST", "10.96.0.1")).build();
        assertEquals(Optional.of(file), s.k8sConfigFile());
    }

    @Test
    void emptyKubeconfigSettingFallsBackToTheDefault() throws Exception {
        Path file = kubeconfigAt(home.resolve("kc"));
        Settings s = SettingsTestSupport.isolated(home).environment(Map.of("KUBECONFIG", file.toString()))
                .fileValues(FILE, Map.of("k8s_config_file", "")).build();
        assertEquals(Optional.of(file), s.k8sConfigFile());
    }

    @Test
    void tildeInPathsMeansTheGivenHome() throws Exception {
        Path file = kubeconfigAt(home.resolve(".kube/other"));
        Settings s = SettingsTestSupport.isolated(home)
                .fileValues(FILE, Map.of("k8s_config_file", "~/.kube/other", "cache_dir", "~/cache",
                        "data_store", "~/store"))
                .build();
        assertEquals(Optional.of(file), s.k8sConfigFile());
        assertEquals(home.resolve("cache"), s.cacheDir());
        assertEquals(home.resolve("store").toString(), s.dataStore());
    }

    @Test
    void emptyContextMeansTheCurrentContext() {
        Settings s = SettingsTestSupport.isolated(home).fileValues(FILE, Map.of("k8s_context", "")).build();
        assertEquals(Optional.empty(), s.k8sContext());
        assertTrue(s.describe().contains("(the kubeconfig's current context)"), s.describe());
    }

    @Test
    void dataStoreFollowsCacheDir() {
        Settings s = SettingsTestSupport.isolated(home).cacheDir(Path.of("/var/cache/valence")).build();
        assertEquals("/var/cache/valence/data", s.dataStore());
        assertEquals(Source.DEFAULT, s.entry("data_store").orElseThrow().source());
    }

    @Test
    void emptyOptionalDurationsMeanNone() {
        Settings s = SettingsTestSupport.isolated(home)
                .environmentValues(Map.of("VALENCE_K8S_TIMEOUT", "", "VALENCE_K8S_TTL_AFTER_FINISHED", " ")).build();
        assertEquals(Optional.empty(), s.timeout());
        assertEquals(Optional.empty(), s.ttlAfterFinished());
    }

    @Test
    void seedRegistryCredentialsFileEmptyMeansNone() {
        Settings s = SettingsTestSupport.isolated(home).fileValues(FILE, Map.of("registry_credentials_file", ""))
                .build();
        assertEquals(Optional.empty(), s.registryCredentialsFile());
    }
}
