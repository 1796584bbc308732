package com.example.bad;

import dev.valence.api.Settings;
import dev.valence.spi.CredentialProvider;
import dev.valence.spi.CredentialProviderFactory;
import dev.valence.spi.Credentials;
import java.util.Optional;

/** Bad third-party fixture: an adapter outside dev.valence that reaches into the core. */
public final class BadFactory implements CredentialProviderFactory {
    @Override
    public String name() {
        return "bad-" + new dev.valence.core.fixture.CoreUsingApi().getClass().getSimpleName();
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
