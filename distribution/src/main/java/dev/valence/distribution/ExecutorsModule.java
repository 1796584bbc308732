package dev.valence.distribution;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import dev.valence.core.KubernetesExecutor;
import dev.valence.core.LocalExecutor;
import dev.valence.api.Settings;
import dev.valence.spi.ArtifactStore;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The executors: local, and Kubernetes with the adapters the settings select. When the plugins folder
 * has jars, they go into the task image too (a pod needs the store adapter to read its input).
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
        KubernetesExecutor.Builder builder = source.executorBuilder(plugins.plugins());
        if (!plugins.jars().isEmpty()) {
            List<Path> classpath = new ArrayList<>(KubernetesExecutor.currentClasspath());
            classpath.addAll(plugins.jars());
            builder.classpath(classpath);
        }
        return closer.register(builder.build());
    }
}
