package dev.valence.distribution;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import dev.valence.api.Settings;
import dev.valence.core.Dispatcher;

/** The workflow dispatcher, keeping its records under {@code cache_dir}. */
final class DispatcherModule extends AbstractModule {

    @Provides
    @Singleton
    Dispatcher dispatcher(Settings settings, Closer closer) {
        return closer.register(new Dispatcher(settings.cacheDir()));
    }
}
