package dev.valence.distribution;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import dev.valence.core.KubernetesExecutor;
import dev.valence.core.LocalExecutor;
import dev.valence.api.Settings;
import dev.valence.spi.ArtifactStore;

/**
 * The executors: local, and Kubernetes with the adapters the settings select. A store from the plugins
 * folder goes into the task image as a plugin of its own (a pod needs the store adapter to read its input).
 */
final class ExecutorsModule extends AbstractModule {

    @Provides
    @Singleton
    LocalExecutor localExecutor(Settings settings, jakarta.inject.Provider<ArtifactStore> store, Closer closer) {
        // the call cache lives in the data store: opened for the local executor only when cache = true is set
        return closer.register(settings.cache() ? new LocalExecutor(store.get(), settings) : new LocalExecutor());
    }

    @Provides
    @Singleton
    KubernetesExecutor kubernetesExecutor(SettingsSource source, LoadedPlugins plugins, Closer closer) {
        return closer.register(source.executorBuilder(plugins.plugins()).build());
    }
}
