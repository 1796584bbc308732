package dev.valence.spi;

import dev.valence.api.Settings;

/** Creates a {@link CredentialProvider}; every installed provider is asked, in priority order. */
public interface CredentialProviderFactory extends PluginFactory {

    /** Lower runs first; the settings file is 100, Docker config 200, cloud providers 300. */
    default int priority() {
        return 300;
    }

    /** Creates the provider. */
    CredentialProvider create(Settings settings);
}
