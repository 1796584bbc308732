package dev.valence.distribution;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import dev.valence.api.Settings;
import dev.valence.spi.ArtifactStore;
import dev.valence.spi.ClusterGateway;
import dev.valence.spi.CredentialProvider;
import dev.valence.spi.ImageBuilder;
import dev.valence.spi.Plugins;
import java.util.List;

/** The adapters the settings select, for the commands that use a port directly (jobs, doctor, clean). */
final class AdaptersModule extends AbstractModule {

    @Provides
    @Singleton
    ClusterGateway clusterGateway(Settings settings, Plugins plugins, Closer closer) {
        return closer.register(plugins.clusterGateway(settings.clusterClient()).create(settings));
    }

    @Provides
    @Singleton
    ArtifactStore artifactStore(Settings settings, Plugins plugins, Closer closer) {
        return closer.register(plugins.artifactStore(settings.dataStore()).create(settings));
    }

    @Provides
    @Singleton
    ImageBuilder imageBuilder(Settings settings, Plugins plugins) {
        return plugins.imageBuilder(settings.registry()).create(settings);
    }

    @Provides
    @Singleton
    List<CredentialProvider> credentialProviders(Settings settings, Plugins plugins) {
        return plugins.credentialProviders().stream().map(f -> f.create(settings)).toList();
    }
}
