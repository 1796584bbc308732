package com.example.leaky;

import dev.valence.api.Settings;
import dev.valence.spi.CredentialProvider;
import dev.valence.spi.CredentialProviderFactory;
import dev.valence.spi.Credentials;
import io.fabric8.kubernetes.client.Config;
import java.util.List;
import java.util.Optional;

/** Bad third-party fixture: its factory hands out its backend's types on public members. */
public final class LeakyFactory implements CredentialProviderFactory {
    /** A backend type in a generic field type. */
    public static final List<Config> CONFIGS = List.of();

    @Override
    public String name() {
        return "leaky";
    }

    /** A backend type as a return type. */
    public Config backendConfig() {
        return Config.empty();
    }

    @Override
    public CredentialProvider create(Settings settings) {
        return new CredentialProvider() {
            @Override
            public Optional<Credentials> credentialsFor(String registryHost) {
                return Optional.empty();
            }

            @Override
            public String description() {
                return name();
            }
        };
    }
}
