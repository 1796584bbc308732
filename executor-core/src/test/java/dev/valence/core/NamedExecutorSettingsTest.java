package dev.valence.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.valence.api.ErrorKind;
import dev.valence.api.Settings;
import dev.valence.api.ValenceException;
import dev.valence.spi.Plugins;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Named executors: {@code [executors.k8s.<name>]} over {@code [executors.k8s]}, and
 * {@code VALENCE_K8S_<NAME>__<KEY>} over {@code VALENCE_K8S_<KEY>}; precedence
 * builder > env named > env default > file named > file default > defaults.
 */
class NamedExecutorSettingsTest {
    private static final Plugins NO_PLUGINS = Plugins.of(List.of());
    private static final String NAME = "eks";

    @TempDir
    Path home;
    private Path config;

    @BeforeEach
    void files() throws Exception {
        Path kubeconfig = home.resolve(".kube/config");
        Files.createDirectories(kubeconfig.getParent());
        Files.writeString(kubeconfig, "apiVersion: v1\nkind: Config\n");
        config = home.resolve("valence.toml");
    }

    /**
     * One row per layer combination: which layers set {@code vcpu} (each to its own value), and
     * which value wins. Layers: B builder, EN env named, E env default, FN file named, F file default.
     */
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
            "'',             default",
            "F,              F",
            "F FN,           FN",
            "F FN E,         E",
            "F FN E EN,      EN",
            "F FN E EN B,    B",
            "FN,             FN",
            "E FN,           E",
            "EN F,           EN",
            "B F,            B",
            "B EN,           B",
            "EN E,           EN",
    })
    void theNamedSectionAndVariablesSitBetweenTheirLayers(String layers, String winner) throws Exception {
        Set<String> set = Arrays.stream(layers.trim().split("\\s+")).filter(s -> !s.isEmpty()).collect(Collectors.toSet());
        StringBuilder toml = new StringBuilder("[executors.k8s]\n");
        if (set.contains("F")) {
            toml.append("vcpu = \"").append(value("F")).append("\"\n");
        }
        toml.append("memory = \"2G\"\n[executors.k8s.eks]\nimage_repo = \"eks-tasks\"\n");
        if (set.contains("FN")) {
            toml.append("vcpu = \"").append(value("FN")).append("\"\n");
        }
        Files.writeString(config, toml);
        Map<String, String> env = new HashMap<>();
        if (set.contains("E")) {
            env.put("VALENCE_K8S_VCPU", value("E"));
        }
        if (set.contains("EN")) {
            env.put("VALENCE_K8S_EKS__VCPU", value("EN"));
        }
        KubernetesExecutor.Builder b = KubernetesExecutor.builder().plugins(NO_PLUGINS).userHome(home).environment(env)
                .configFile(config).named(NAME);
        if (set.contains("B")) {
            b.vcpu(value("B"));
        }
        Settings s = b.buildSettings();
        assertEquals(winner.equals("default") ? "500m" : value(winner), s.vcpu(), s.describe());
        assertEquals(Optional.of(NAME), s.executorName());
        // the unnamed settings of the same layers never see the named ones
        Settings unnamed = KubernetesExecutor.builder().plugins(NO_PLUGINS).userHome(home).environment(env)
                .configFile(config).buildSettings();
        String defaultWinner = set.contains("E") ? value("E") : set.contains("F") ? value("F") : "500m";
        assertEquals(defaultWinner, unnamed.vcpu(), unnamed.describe());
        assertEquals("valence-task", unnamed.imageRepo());
        assertEquals("eks-tasks", s.imageRepo());
        assertEquals("2G", s.memory(), "the named executor inherits what its section does not set");
    }

    private static String value(String layer) {
        return switch (layer) {
            case "F" -> "1";
            case "FN" -> "2";
            case "E" -> "3";
            case "EN" -> "4";
            case "B" -> "5";
            default -> throw new IllegalArgumentException(layer);
        };
    }

    @Test
    void describeSaysWhichSectionOrVariableAValueCameFrom() throws Exception {
        Files.writeString(config, "[executors.k8s]\nvcpu = \"1\"\n[executors.k8s.local-k8s]\nmemory = \"3G\"\n");
        Settings s = KubernetesExecutor.builder().plugins(NO_PLUGINS).userHome(home).configFile(config)
                .environment(Map.of("VALENCE_K8S_LOCAL_K8S__NAMESPACE", "tasks")).named("local-k8s").buildSettings();
        String described = s.describe();
        assertTrue(described.lines().anyMatch(l -> l.startsWith("memory ") && l.endsWith("# file " + config
                + " [executors.k8s.local-k8s]")), described);
        assertTrue(described.lines().anyMatch(l -> l.startsWith("namespace ") && l.endsWith(
                "# env VALENCE_K8S_LOCAL_K8S__NAMESPACE")), described);
        assertTrue(described.lines().anyMatch(l -> l.startsWith("vcpu ") && l.endsWith("# file " + config)), described);
    }

    @Test
    void aNameWithNoSectionAndNoVariableIsAConfigErrorListingTheSections() throws Exception {
        Files.writeString(config, "[executors.k8s]\n[executors.k8s.eks]\nvcpu = \"1\"\n[executors.k8s.local_k8s]\n"
                + "[executors.k8s.node_selector]\ndisk = \"ssd\"\n");
        ValenceException e = assertThrows(ValenceException.class, () -> KubernetesExecutor.builder().plugins(NO_PLUGINS)
                .userHome(home).environment(Map.of()).configFile(config).named("ekss").buildSettings());
        assertEquals(ErrorKind.CONFIG, e.kind());
        assertTrue(e.getMessage().contains("has no [executors.k8s.ekss] table (named executors there: eks, local_k8s)"),
                e.getMessage());
        assertTrue(e.getMessage().contains("VALENCE_K8S_EKSS__<KEY>"), e.getMessage());
        assertEquals(Set.of("eks", "local_k8s"), SettingsLoader.names(config));
    }

    @Test
    void aTableValuedSettingIsNotANamedSectionAndNamedVariablesDoNotLeakIntoTheDefaults() throws Exception {
        Files.writeString(config, "[executors.k8s]\n[executors.k8s.node_selector]\ndisk = \"ssd\"\n"
                + "[executors.k8s.eks]\n[executors.k8s.eks.labels]\nteam = \"ml\"\n");
        Settings unnamed = KubernetesExecutor.builder().plugins(NO_PLUGINS).userHome(home).configFile(config)
                .environment(Map.of("VALENCE_K8S_EKS__GPUS", "2")).buildSettings();
        assertEquals(Map.of("disk", "ssd"), unnamed.nodeSelector());
        assertEquals(Map.of(), unnamed.labels());
        assertEquals(0, unnamed.gpus());
        Settings eks = KubernetesExecutor.builder().plugins(NO_PLUGINS).userHome(home).configFile(config)
                .environment(Map.of("VALENCE_K8S_EKS__GPUS", "2")).named("eks").buildSettings();
        assertEquals(Map.of("team", "ml"), eks.labels());
        assertEquals(Map.of("disk", "ssd"), eks.nodeSelector());
        assertEquals(2, eks.gpus());
    }

    @Test
    void aMistypedNamedVariableSuggestsTheNamedSpelling() {
        ValenceException e = assertThrows(ValenceException.class, () -> KubernetesExecutor.builder().plugins(NO_PLUGINS)
                .userHome(home).environment(Map.of("VALENCE_K8S_EKS__VCPUS", "1")).named("eks").buildSettings());
        assertTrue(e.getMessage().contains("did you mean VALENCE_K8S_EKS__VCPU?"), e.getMessage());
    }

    @Test
    void aNameMustBeUsableInAVariableAndNotASetting() {
        assertEquals(ErrorKind.CONFIG, assertThrows(ValenceException.class,
                () -> KubernetesExecutor.builder().named("EKS")).kind());
        assertTrue(assertThrows(ValenceException.class, () -> KubernetesExecutor.builder().named("labels"))
                .getMessage().contains("is a setting's key"));
    }

    @Test
    void everySettingHasATypedBuilderMethod() {
        for (String key : Settings.knownKeys()) {
            String method = camel(key);
            for (Class<?> builder : List.of(Settings.Builder.class, KubernetesExecutor.Builder.class)) {
                assertTrue(Arrays.stream(builder.getMethods()).map(Method::getName).anyMatch(method::equals),
                        builder.getName() + " has no typed method " + method + "(...) for " + key);
            }
        }
    }

    private static String camel(String key) {
        StringBuilder sb = new StringBuilder();
        boolean up = false;
        for (char c : key.toCharArray()) {
            if (c == '_') {
                up = true;
            } else {
                sb.append(up ? Character.toUpperCase(c) : c);
                up = false;
            }
        }
        return sb.toString();
    }
}
