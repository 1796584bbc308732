package com.example.good;

import dev.valence.api.Settings;
import dev.valence.spi.CredentialProvider;
import dev.valence.spi.CredentialProviderFactory;
import dev.valence.spi.Credentials;
import java.util.Optional;
import java.util.Set;

/** Good third-party fixture: only its factory is public, its backend stays inside a package-private class. */
public final class GoodFactory implements CredentialProviderFactory {
    @Override
    public String name() {
        return "good";
    }

    @Override
    public Set<String> sensitiveKeys() {
        return Set.of("good_token");
    }

    @Override
    public CredentialProvider create(Settings settings) {
        return new GoodProvider(Backend.masterUrl());
    }
}
