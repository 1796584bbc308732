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
 * else the default file), the environment, the home directory, and the {@code --set} values on top.
 */
record SettingsSource(Optional<Path> configFile, Map<String, String> environment, Path home,
                      Map<String, String> overrides) {

    SettingsSource {
        environment = Map.copyOf(environment);
        overrides = Map.copyOf(overrides);
    }

    /** The config file that is read, if any (fails when an explicit one does not exist). */
    Optional<Path> effectiveConfigFile() {
        return SettingsLoader.configFile(configFile.orElse(null), environment, home);
    }

    /** The validated settings, every plugin's keys declared. */
    Settings settings(Plugins plugins) {
        Settings.Builder b = SettingsLoader.layers(configFile.orElse(null), environment, home, plugins);
        overrides.forEach(b::set);
        return b.build();
    }

    /** A Kubernetes executor builder with the same layers. */
    KubernetesExecutor.Builder executorBuilder(Plugins plugins) {
        KubernetesExecutor.Builder b = KubernetesExecutor.builder().environment(environment).userHome(home)
                .plugins(plugins);
        configFile.ifPresent(b::configFile);
        overrides.forEach(b::set);
        return b;
    }
}
