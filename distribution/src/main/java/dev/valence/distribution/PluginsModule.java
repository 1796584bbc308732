package dev.valence.distribution;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import dev.valence.spi.Plugins;

/** Plugin discovery: the application class path plus the jars of the plugins folder, on their own class loader. */
final class PluginsModule extends AbstractModule {

    @Provides
    @Singleton
    LoadedPlugins loadedPlugins(CliEnvironment env, GlobalOptions options, Closer closer) {
        return closer.register(LoadedPlugins.load(env.pluginsDir(), PluginsModule.class.getClassLoader(),
                options.preferred()));
    }

    @Provides
    Plugins plugins(LoadedPlugins loaded) {
        return loaded.plugins();
    }
}
