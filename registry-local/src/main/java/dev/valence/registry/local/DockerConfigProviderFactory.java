package dev.valence.registry.local;

import dev.valence.api.Settings;
import dev.valence.spi.CredentialProvider;
import dev.valence.spi.CredentialProviderFactory;

/**
 * Registry credentials from Docker's {@code config.json} ({@code $DOCKER_CONFIG/config.json}, else
 * {@code ~/.docker/config.json}): {@code auths} entries and credential helpers
 * ({@code credHelpers}, {@code credsStore}), as {@code docker login} leaves them.
 */
public final class DockerConfigProviderFactory implements CredentialProviderFactory {

    @Override
    public String name() {
        return "docker-config";
    }

    @Override
    public int priority() {
        return 200;
    }

    @Override
    public CredentialProvider create(Settings settings) {
        return new DockerConfigProvider(DockerConfigProvider.defaultConfigFile(settings.environment(),
                System.getProperty("user.home")));
    }
}
