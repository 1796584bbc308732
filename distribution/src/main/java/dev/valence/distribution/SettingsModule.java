package dev.valence.distribution;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import dev.valence.api.Settings;
import dev.valence.spi.Plugins;

/** The effective settings: defaults, the file, the environment, then {@code --set} values. */
final class SettingsModule extends AbstractModule {

    @Provides
    @Singleton
    Settings settings(SettingsSource source, Plugins plugins) {
        return source.settings(plugins);
    }
}
