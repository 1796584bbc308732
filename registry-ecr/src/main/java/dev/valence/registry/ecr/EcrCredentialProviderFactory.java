package dev.valence.registry.ecr;

import dev.valence.api.Settings;
import dev.valence.api.ValenceException;
import dev.valence.spi.CredentialProviderFactory;
import dev.valence.spi.CredentialProvider;

/** CredentialProvider for Amazon ECR (not built yet). */
public final class EcrCredentialProviderFactory implements CredentialProviderFactory {
    @Override
    public String name() {
        return "ecr";
    }
    @Override
    public CredentialProvider create(Settings settings) {
        throw ValenceException.notBuiltYet("CredentialProvider for Amazon ECR");
    }
}
