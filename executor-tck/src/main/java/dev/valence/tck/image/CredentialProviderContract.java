package dev.valence.tck.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.valence.spi.CredentialProvider;
import dev.valence.spi.Credentials;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The contract every {@link CredentialProvider} meets. Extend it with a provider set up (against
 * its real backend) to hold {@link #expected()} for {@link #knownHost()}.
 */
@Timeout(value = 1, unit = TimeUnit.MINUTES)
public abstract class CredentialProviderContract {

    /** The provider under test, holding {@link #expected()} for {@link #knownHost()}. */
    protected abstract CredentialProvider provider();

    /** A registry host the provider has credentials for. */
    protected abstract String knownHost();

    /** The credentials it must answer for {@link #knownHost()} (the source may differ). */
    protected abstract Credentials expected();

    /** A registry host the provider must not answer for. */
    protected String unknownHost() {
        return "registry.invalid:5000";
    }

    @Test
    void answersItsCredentialsForItsHost() {
        Credentials found = provider().credentialsFor(knownHost()).orElseThrow();

        assertEquals(expected().username(), found.username());
        assertEquals(expected().password(), found.password());
        assertFalse(found.source().isBlank(), "the source says where the credentials came from");
    }

    @Test
    void answersNothingForAnotherHost() {
        assertEquals(Optional.empty(), provider().credentialsFor(unknownHost()));
    }

    @Test
    void answersTheSameWhenAskedAgain() {
        CredentialProvider provider = provider();
        Credentials first = provider.credentialsFor(knownHost()).orElseThrow();

        assertEquals(first, provider.credentialsFor(knownHost()).orElseThrow());
    }

    @Test
    void saysWhereItLooksWithoutShowingSecrets() {
        CredentialProvider provider = provider();
        Credentials found = provider.credentialsFor(knownHost()).orElseThrow();

        assertFalse(provider.description().isBlank());
        assertFalse(provider.description().contains(found.password()), provider.description());
        assertFalse(found.toString().contains(found.password()), found.toString());
        assertFalse(String.valueOf(provider).contains(found.password()), String.valueOf(provider));
        assertTrue(found.source().length() > 0 && !found.source().contains(found.password()), found.source());
    }
}
