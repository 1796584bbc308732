package dev.valence.distribution;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/** Options every command takes: the settings file, settings overrides, verbosity, plugin preference. */
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

    /** {@code --set} values, in order. */
    Map<String, String> overrides() {
        return overrides == null ? Map.of() : Map.copyOf(overrides);
    }

    /** {@code --prefer-plugin} names. */
    List<String> preferred() {
        return preferred == null ? List.of() : List.copyOf(preferred);
    }
}
