package dev.valence.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.valence.api.ClusterFileRef;
import dev.valence.api.ErrorKind;
import dev.valence.api.Settings;
import dev.valence.api.Settings.Source;
import dev.valence.api.Toleration;
import dev.valence.api.ValenceException;
import dev.valence.spi.Plugins;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/** The TOML file and environment layers, read with tomlj, and their precedence under the builder. */
class SettingsLoaderTest {
    private static final Plugins NO_PLUGINS = Plugins.of(List.of());

    @TempDir
    Path home;
    private Path kubeconfig;

    @BeforeEach
    void kubeconfigInHome() throws Exception {
        kubeconfig = home.resolve(".kube/config");
        Files.createDirectories(kubeconfig.getParent());
        Files.writeString(kubeconfig, "apiVersion: v1\nkind: Config\n");
    }

    private static Path resource(String name) {
        try {
            return Path.of(SettingsLoaderTest.class.getResource("/settings/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private Settings load(Path config, Map<String, String> env) {
        return SettingsLoader.layers(config, env, home, NO_PLUGINS).build();
    }

    private static String configError(Executable load) {
        ValenceException e = assertThrows(ValenceException.class, load);
        assertEquals(ErrorKind.CONFIG, e.kind(), e::getMessage);
        return e.getMessage();
    }

    @Test
    void readsEveryKeyWithNestedTablesAndArraysOfTables() {
        Path file = resource("full.toml");
        Settings s = load(file, Map.of());
        assertEquals("eclipse-temurin:17-jre", s.baseImage());
        assertEquals(Optional.of(kubeconfig), s.k8sConfigFile());
        assertEquals(Optional.of("minikube"), s.k8sContext());
        assertEquals("localhost:5000", s.registry());
        assertEquals(Optional.empty(), s.registryCredentialsFile());
        assertEquals("/tmp", s.dataStore());
        assertEquals("500m", s.vcpu());
        assertEquals("1G", s.memory());
        assertEquals(home.resolve(".cache/valence"), s.cacheDir());
        assertEquals(Duration.ofSeconds(10), s.pollFreq());
        assertEquals("valence-task", s.imageRepo());
        assertEquals(Optional.of("default"), s.namespace());
        assertEquals(Optional.of("us-east-1"), s.region());
        assertEquals("/data", s.dataStoreMount());
        assertEquals("official", s.clusterClient());
        assertEquals(1, s.gpus());
        assertEquals(Optional.of("valence-runner"), s.serviceAccount());
        assertEquals(List.of("regcred"), s.imagePullSecrets());
        assertEquals(List.of("azure-storage"), s.envFromSecrets());
        assertEquals(Optional.of(new ClusterFileRef(ClusterFileRef.Kind.SECRET, "store-ca", "ca.crt")), s.caBundle());
        assertEquals(Optional.empty(), s.caBundleFile());
        assertEquals(Optional.of(Duration.ofHours(1)), s.timeout());
        assertEquals(2, s.retries());
        assertEquals(Optional.of(Duration.ofMinutes(10)), s.ttlAfterFinished());
        assertTrue(s.keepArtifacts());
        assertEquals(Duration.ofMinutes(2), s.unschedulableGrace());
        assertEquals(1_048_576L, s.maxOutputBytes());
        assertEquals(2000, s.runAsUser());
        assertEquals(3000, s.runAsGroup());
        assertEquals(Optional.of(4000), s.fsGroup());
        assertEquals(Optional.of("2"), s.vcpuLimit());
        assertEquals("2G", s.memoryLimit());
        assertTrue(s.automountServiceAccountToken());
        assertFalse(s.checkNodeCapacity());
        assertTrue(s.cache());
        assertEquals(Optional.of(Duration.ofHours(12)), s.cacheTtl());
        assertEquals(Map.of("team", "ml", "example.com/cost-center", "42"), s.labels());
        assertEquals(Map.of("kubernetes.io/arch", "amd64", "disktype", "ssd"), s.nodeSelector());
        assertEquals(Map.of("JAVA_TOOL_OPTIONS", "-Xmx512m", "MODE", "fast"), s.env());
        assertEquals(List.of(Toleration.exists("nvidia.com/gpu", "NoSchedule"),
                new Toleration("node.kubernetes.io/unreachable", "Exists", "", "NoExecute", Optional.of(300L))),
                s.tolerations());
        for (String key : Settings.knownKeys()) {
            Settings.Entry e = s.entry(key).orElseThrow();
            assertEquals(Source.FILE, e.source(), key);
            assertEquals(file.toString(), e.origin(), key);
        }
    }

    @Test
    void theSeedConfigurationPastedAsIsSaysWhatToWriteInstead() {
        Path file = resource("seed.toml");
        String from = " (from " + file + ")";
        assertEquals("2 settings are not valid:\n"
                + "  base_image 'python:3.8-slim-bullseye'" + from + " is not valid: 'python' images have no Java, and "
                + "the task's launcher is a Java program; use a JRE image such as eclipse-temurin:17-jre (or your own "
                + "image with java 17+ on its PATH)\n"
                + "  registry 'localhost'" + from + " is not valid: 'localhost' (the Python plugin's word for "
                + "minikube's own image store) has no port: write registry = \"tar\" to build an image tar for "
                + "'minikube image load', or \"localhost:5000\" for a registry on port 5000 (minikube addons enable "
                + "registry); expected a registry host[:port] (localhost:5000, "
                + "123456789012.dkr.ecr.us-east-1.amazonaws.com), 'docker' (a local Docker daemon) or 'tar' (an image "
                + "tar for 'minikube image load')", configError(() -> load(file, Map.of())));
    }

    @Test
    void theSeedConfigurationWithWhatValenceWantsLoads() {
        Settings s = load(resource("seed-as-valence.toml"), Map.of());
        assertEquals("eclipse-temurin:17-jre", s.baseImage());
        assertEquals("tar", s.registry());
        assertEquals(Optional.of("minikube"), s.k8sContext());
        assertEquals("/tmp", s.dataStore());
        assertEquals(Path.of("/home/user/.cache/covalent"), s.cacheDir());
        assertEquals(Duration.ofSeconds(10), s.pollFreq());
    }

    @Test
    void explicitConfigThatDoesNotExist() {
        Path missing = home.resolve("missing.toml");
        assertEquals("config file '" + missing + "' (from --config) does not exist; give the path of a TOML file with an "
                + "[executors.k8s] table", configError(() -> load(missing, Map.of())));
    }

    @Test
    void explicitConfigThatIsADirectory() {
        assertEquals("config file '" + home + "' (from --config) is not a file; give the path of a TOML file with an "
                + "[executors.k8s] table", configError(() -> load(home, Map.of())));
    }

    @Test
    void configFromTheValenceConfigVariable() {
        Path file = resource("seed-as-valence.toml");
        Settings s = load(null, Map.of("VALENCE_CONFIG", file.toString()));
        assertEquals(file.toString(), s.entry("vcpu").orElseThrow().origin());
        assertEquals(Optional.of(file), SettingsLoader.configFile(null, Map.of("VALENCE_CONFIG", file.toString()), home));
    }

    @Test
    void valenceConfigVariableNamingAMissingFile() {
        assertEquals("config file '" + home.resolve("nope.toml") + "' (from VALENCE_CONFIG) does not exist; give the path "
                + "of a TOML file with an [executors.k8s] table",
                configError(() -> load(null, Map.of("VALENCE_CONFIG", "~/nope.toml"))));
    }

    @Test
    void explicitConfigBeatsTheVariable() {
        Path explicit = resource("full.toml");
        assertEquals(Optional.of(explicit), SettingsLoader.configFile(explicit,
                Map.of("VALENCE_CONFIG", resource("seed.toml").toString()), home));
    }

    @Test
    void defaultConfigIsReadOnlyWhenPresent() throws Exception {
        assertEquals(Optional.empty(), SettingsLoader.configFile(null, Map.of(), home));
        assertEquals(Source.DEFAULT, load(null, Map.of()).entry("vcpu").orElseThrow().source());

        Path def = home.resolve(".config/valence/valence.toml");
        Files.createDirectories(def.getParent());
        Files.writeString(def, "[executors.k8s]\nvcpu = \"250m\"\n");
        assertEquals(def, SettingsLoader.defaultConfigFile(home));
        Settings s = load(null, Map.of());
        assertEquals("250m", s.vcpu());
        assertEquals(def.toString(), s.entry("vcpu").orElseThrow().origin());
    }

    @Test
    void tomlSyntaxErrorGivesLineAndColumn() {
        Path file = resource("syntax-error.toml");
        assertEquals("config file '" + file + "' is not valid TOML: line 3, column 11: Unexpected 'G', expected a newline "
                + "or end-of-input", configError(() -> load(file, Map.of())));
    }

    @Test
    void fileWithoutTheSectionGivesDefaultsAndTheEnvironment() {
        Path file = resource("no-section.toml");
        assertEquals(Map.of(), SettingsLoader.read(file));
        Settings s = load(file, Map.of("VALENCE_K8S_VCPU", "2"));
        assertEquals("2", s.vcpu());
        assertEquals(Source.DEFAULT, s.entry("memory").orElseThrow().source());
    }

    @Test
    void settingsWrittenOutsideTheSection() {
        Path file = resource("outside-section.toml");
        assertEquals("config file '" + file + "': key 'vcpu' (line 2) is outside any table, where Valence does not "
                + "read it; put it under the [executors.k8s] line (a TOML key belongs to the table above it)",
                configError(() -> load(file, Map.of())));
    }

    @Test
    void sectionThatIsNotATable() {
        Path file = resource("section-not-a-table.toml");
        assertEquals("config file '" + file + "': executors.k8s must be a table ([executors.k8s]), line 1",
                configError(() -> load(file, Map.of())));
    }

    @Test
    void wrongTomlTypesAreReportedTogetherWithTheFile() {
        Path file = resource("wrong-types.toml");
        String from = " (from " + file + ")";
        assertEquals("6 settings are not valid:\n"
                + "  unknown key 'memroy'" + from + ": did you mean 'memory'?\n"
                + "  base_image '17'" + from + " is not valid: expected a string, got a number\n"
                + "  vcpu 'true'" + from + " is not valid: expected a string, got a boolean\n"
                + "  poll_freq 'ten'" + from + " is not valid: expected from 0.001 (1 ms) to 2147483647 seconds (about "
                + "68 years, the most Kubernetes takes), such as 10, 2.5, or with a unit: 500ms, 30s, 5m, 1h\n"
                + "  node_selector 'gpu'" + from + " is not valid: expected key=value pairs separated by commas, "
                + "such as a=1,b=2\n"
                + "  keep_artifacts 'yes'" + from + " is not valid: accepted: true, false",
                configError(() -> load(file, Map.of())));
    }

    @Test
    void registryCredentialsFileWithoutPassword() throws Exception {
        Path creds = Files.writeString(home.resolve("creds.toml"), "username = \"valence\"\n");
        assertEquals("registry_credentials_file '" + creds + "' (from VALENCE_K8S_REGISTRY_CREDENTIALS_FILE) is not "
                + "valid: the file has no 'password'; expected a TOML file with username = \"...\" and password = \"...\"",
                configError(() -> load(null, Map.of("VALENCE_K8S_REGISTRY_CREDENTIALS_FILE", creds.toString()))));
    }

    @Test
    void registryCredentialsFileWithAnEmptyUsername() throws Exception {
        Path creds = Files.writeString(home.resolve("creds.toml"), "username = \"\"\npassword = \"pw\"\n");
        assertEquals("registry_credentials_file '" + creds + "' (from the builder) is not valid: 'username' (line 1) "
                + "must be a non-empty string; expected a TOML file with username = \"...\" and password = \"...\"",
                configError(() -> SettingsLoader.layers(null, Map.of(), home, NO_PLUGINS)
                        .registryCredentialsFile(creds).build()));
    }

    @Test
    void registryCredentialsFileThatIsNotTomlDoesNotEchoItsContent() throws Exception {
        Path creds = Files.writeString(home.resolve("creds.toml"), "username = \"valence\"\npassword = s3cr3t-pw\n");
        String message = configError(() -> load(null, Map.of("VALENCE_K8S_REGISTRY_CREDENTIALS_FILE", creds.toString())));
        assertEquals("registry_credentials_file '" + creds + "' (from VALENCE_K8S_REGISTRY_CREDENTIALS_FILE) is not "
                + "valid: not valid TOML at line 2, column 12; expected a TOML file with username = \"...\" and "
                + "password = \"...\"", message);
        assertFalse(message.contains("s3cr3t"), message);
    }

    @Test
    void goodRegistryCredentialsFile() throws Exception {
        Path creds = Files.writeString(home.resolve("creds.toml"), "username = \"valence\"\npassword = \"pw\"\n");
        Settings s = load(null, Map.of("VALENCE_K8S_REGISTRY_CREDENTIALS_FILE", creds.toString()));
        assertEquals(Optional.of(creds), s.registryCredentialsFile());
    }

    @Test
    void dataStoreSchemeWithoutAnInstalledStore() {
        Plugins memOnly = Plugins.of(List.of(new MemoryStore.Factory()));
        String message = configError(() -> SettingsLoader.layers(null, Map.of("VALENCE_K8S_DATA_STORE", "s3://b/p"),
                home, memOnly).build());
        assertEquals("data_store 's3://b/p' (from VALENCE_K8S_DATA_STORE) is not valid: no installed store serves "
                + "scheme 's3' (installed: mem)", message);
        Settings ok = SettingsLoader.layers(null, Map.of("VALENCE_K8S_DATA_STORE", "mem://x"), home, memOnly).build();
        assertEquals("mem://x", ok.dataStore());
    }

    @Test
    void precedenceAcrossFileEnvironmentAndBuilder() throws Exception {
        Path file = Files.writeString(home.resolve("valence.toml"), """
                [executors.k8s]
                k8s_context = "minikube"
                vcpu = "1"
                memory = "2G"
                poll_freq = 30
                """);
        Settings s = KubernetesExecutor.builder()
                .configFile(file)
                .environment(Map.of("VALENCE_K8S_VCPU", "2", "VALENCE_K8S_MEMORY", "3G"))
                .userHome(home)
                .plugins(NO_PLUGINS)
                .vcpu("3")
                .buildSettings();
        assertEntry(s, "vcpu", "3", Source.BUILDER, "builder");
        assertEntry(s, "memory", "3G", Source.ENV, "VALENCE_K8S_MEMORY");
        assertEntry(s, "poll_freq", Duration.ofSeconds(30), Source.FILE, file.toString());
        assertEntry(s, "k8s_context", "minikube", Source.FILE, file.toString());
        assertEntry(s, "base_image", "eclipse-temurin:17-jre", Source.DEFAULT, "default");
        assertEquals(Optional.of(kubeconfig), s.k8sConfigFile(), "the fake home's kubeconfig");
    }

    @Test
    void environmentOfTheBuilderAlsoNamesTheConfigFile() {
        Path file = resource("seed-as-valence.toml");
        Settings s = KubernetesExecutor.builder()
                .environment(Map.of("VALENCE_CONFIG", file.toString(), "VALENCE_K8S_MEMORY", "2G"))
                .userHome(home)
                .plugins(NO_PLUGINS)
                .buildSettings();
        assertEntry(s, "vcpu", "500m", Source.FILE, file.toString());
        assertEntry(s, "memory", "2G", Source.ENV, "VALENCE_K8S_MEMORY");
    }

    private static void assertEntry(Settings s, String key, Object value, Source source, String origin) {
        Settings.Entry e = s.entry(key).orElseThrow();
        assertEquals(value, e.value(), key + " value");
        assertEquals(source, e.source(), key + " source");
        assertEquals(origin, e.origin(), key + " origin");
    }
}
