package com.example.good;

import dev.valence.spi.CredentialProvider;
import dev.valence.spi.Credentials;
import java.util.Optional;

/** Package-private: a public method of it may say anything. */
final class GoodProvider implements CredentialProvider {
    private final String url;

    GoodProvider(String url) {
        this.url = url;
    }

    @Override
    public Optional<Credentials> credentialsFor(String registryHost) {
        return Optional.empty();
    }

    @Override
    public String description() {
        return "good (" + url + ")";
    }

    public io.fabric8.kubernetes.client.Config config() {
        return io.fabric8.kubernetes.client.Config.empty();
    }
}
