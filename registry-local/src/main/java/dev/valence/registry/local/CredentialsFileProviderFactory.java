package dev.valence.registry.local;

import dev.valence.api.Settings;
import dev.valence.spi.CredentialProvider;
import dev.valence.spi.CredentialProviderFactory;

/**
 * Registry credentials from the TOML file named by {@code registry_credentials_file}
 * ({@code username} and {@code password}, as in the Covalent plugin), asked first.
 */
public final class CredentialsFileProviderFactory implements CredentialProviderFactory {

    @Override
    public String name() {
        return "credentials-file";
    }

    @Override
    public int priority() {
        return 100;
    }

    /** Reads and checks the file now, so a missing or malformed file fails when settings load. */
    @Override
    public CredentialProvider create(Settings settings) {
        return CredentialsFileProvider.load(settings);
    }
}
