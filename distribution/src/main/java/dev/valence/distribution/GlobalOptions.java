package dev.valence.distribution;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * Options every command takes: the settings file, settings overrides ({@code --set} and kubectl's
 * {@code --kubeconfig}, {@code --context}, {@code -n}), verbosity, plugin preference.
 */
final class GlobalOptions {

    @Option(names = "--config", paramLabel = "FILE", scope = ScopeType.INHERIT,
            description = "Settings file (TOML with an [executors.k8s] table); default: $VALENCE_CONFIG, "
                    + "else ~/.config/valence/valence.toml when it exists.")
    Path config;

    @Option(names = "--named", paramLabel = "NAME", scope = ScopeType.INHERIT,
            description = "The named executor whose settings to use: its [executors.k8s.NAME] table over "
                    + "[executors.k8s], its VALENCE_K8S_<NAME>__<KEY> variables over VALENCE_K8S_<KEY> "
                    + "(config, doctor, render, jobs).")
    String named;

    @Option(names = {"-s", "--set"}, paramLabel = "KEY=VALUE", scope = ScopeType.INHERIT,
            description = "A setting that beats the file and the environment, e.g. --set k8s_context=minikube "
                    + "(repeatable).")
    Map<String, String> overrides = new LinkedHashMap<>();

    @Option(names = "--kubeconfig", paramLabel = "FILE", scope = ScopeType.INHERIT,
            description = "The kubeconfig file, as kubectl's flag (the setting k8s_config_file; beats "
                    + "VALENCE_K8S_K8S_CONFIG_FILE, $KUBECONFIG and the config file).")
    String kubeconfig;

    @Option(names = "--context", paramLabel = "NAME", scope = ScopeType.INHERIT,
            description = "The kubeconfig context, as kubectl's flag (the setting k8s_context).")
    String context;

    @Option(names = {"-n", "--namespace"}, paramLabel = "NAME", scope = ScopeType.INHERIT,
            description = "The namespace of the Jobs, as kubectl's flag (the setting namespace).")
    String namespace;

    @Option(names = {"-v", "--verbose"}, scope = ScopeType.INHERIT,
            description = "Log Valence's DEBUG details, and print stack traces of errors.")
    boolean verbose;

    @Option(names = "--prefer-plugin", paramLabel = "NAME", scope = ScopeType.INHERIT,
            description = "When two adapters serve the same thing (a scheme, a cluster client), use this one: its "
                    + "name, its class, or its jar's file name (repeatable; see 'valence plugins').")
    List<String> preferred = new ArrayList<>();

    /** The {@code --config} file, if given. */
    Optional<Path> configFile() {
        return Optional.ofNullable(config);
    }

    /** {@code --named}, if given. */
    Optional<String> executorName() {
        return Optional.ofNullable(named);
    }

    /** A setting given on the command line and the flag that gave it ({@code --set}, {@code --context}, ...). */
    record CliValue(String value, String origin) {
    }

    /** {@code --set} values, then the kubectl-style flags over them, by key. */
    Map<String, CliValue> overrides() {
        Map<String, CliValue> out = new LinkedHashMap<>();
        if (overrides != null) {
            overrides.forEach((k, v) -> out.put(k, new CliValue(v, "--set")));
        }
        flag(out, "k8s_config_file", kubeconfig, "--kubeconfig");
        flag(out, "k8s_context", context, "--context");
        flag(out, "namespace", namespace, "--namespace");
        return out;
    }

    private static void flag(Map<String, CliValue> out, String key, String value, String origin) {
        if (value != null) {
            out.put(key, new CliValue(value, origin));
        }
    }

    /** {@code --prefer-plugin} names. */
    List<String> preferred() {
        return preferred == null ? List.of() : List.copyOf(preferred);
    }
}
