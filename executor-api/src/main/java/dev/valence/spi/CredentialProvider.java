package dev.valence.spi;

import java.util.Optional;

/** Port giving credentials for a registry host; empty when it has none for that host. */
public interface CredentialProvider {

    /** Credentials for {@code registryHost}, or empty. */
    Optional<Credentials> credentialsFor(String registryHost);

    /** Where this provider looks, for "places looked at" in errors (no secrets). */
    String description();

    /** Creates the repository when the registry needs that (ECR); a no-op elsewhere. */
    default void ensureRepository(String registryHost, String repository) {}
}
