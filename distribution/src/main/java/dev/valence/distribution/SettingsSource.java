package dev.valence.distribution;

import dev.valence.api.Settings;
import dev.valence.core.KubernetesExecutor;
import dev.valence.core.SettingsLoader;
import dev.valence.spi.Plugins;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * The settings layers of one invocation: the {@code --config} file (else {@code VALENCE_CONFIG},
 * else the default file), the environment, the home directory, and the command line's values on top
 * ({@code --set}, {@code --kubeconfig}, {@code --context}, {@code -n}, each labelled with its flag);
 * for {@code --named NAME}, that executor's section and variables over the defaults'.
 */
record SettingsSource(Optional<Path> configFile, Map<String, String> environment, Path home,
                      Map<String, GlobalOptions.CliValue> overrides, Optional<String> executorName) {

    SettingsSource {
        environment = Map.copyOf(environment);
        overrides = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(overrides));
        executorName.ifPresent(Settings::checkedName);
    }

    /** The same layers for another named executor (a workflow's {@code executors.get(name)}). */
    SettingsSource named(String name) {
        return new SettingsSource(configFile, environment, home, overrides, Optional.of(name));
    }

    /** The config file that is read, if any (fails when an explicit one does not exist). */
    Optional<Path> effectiveConfigFile() {
        return SettingsLoader.configFile(configFile.orElse(null), environment, home);
    }

    /** The validated settings, every plugin's keys declared. */
    Settings settings(Plugins plugins) {
        Settings.Builder b = SettingsLoader.layers(configFile.orElse(null), environment, home, plugins,
                executorName.orElse(null));
        overrides.forEach((k, v) -> b.set(k, v.value(), v.origin()));
        return b.build();
    }

    /** A Kubernetes executor builder with the same layers. */
    KubernetesExecutor.Builder executorBuilder(Plugins plugins) {
        KubernetesExecutor.Builder b = KubernetesExecutor.builder().environment(environment).userHome(home)
                .plugins(plugins);
        configFile.ifPresent(b::configFile);
        executorName.ifPresent(b::named);
        overrides.forEach((k, v) -> b.settings(s -> s.set(k, v.value(), v.origin())));
        return b;
    }
}
