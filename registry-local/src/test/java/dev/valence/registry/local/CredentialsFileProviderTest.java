package dev.valence.registry.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.valence.api.ErrorKind;
import dev.valence.api.Settings;
import dev.valence.api.ValenceException;
import dev.valence.spi.CredentialProvider;
import dev.valence.spi.Credentials;
import dev.valence.tck.image.CredentialProviderContract;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CredentialsFileProviderTest {
    private static final String SECRET = "s3cret-from-file";

    @TempDir
    Path dir;

    private CredentialProvider load(String registry, String toml) throws IOException {
        Path file = Files.writeString(dir.resolve("creds.toml"), toml);
        return new CredentialsFileProviderFactory().create(settings(registry, file));
    }

    private Settings settings(String registry, Path file) {
        return Settings.builder().registry(registry).registryCredentialsFile(file).cacheDir(dir).build();
    }

    /** The contract, on a file written as the Covalent plugin's users write it. */
    @Nested
    class Contract extends CredentialProviderContract {
        @Override
        protected CredentialProvider provider() {
            try {
                return load("localhost:5000", "username = \"alice\"\npassword = \"" + SECRET + "\"\n");
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }

        @Override
        protected String knownHost() {
            return "localhost:5000";
        }

        @Override
        protected Credentials expected() {
            return new Credentials("alice", SECRET, "test");
        }
    }

    @Test
    void credentialsAreForTheRegistrySettingAndSayWhereTheyCameFrom() throws IOException {
        CredentialProvider provider = load("Registry.Example.com:5000", "username = \"alice\"\npassword = \"pw\"\n");

        Credentials c = provider.credentialsFor("registry.example.com:5000").orElseThrow();
        assertEquals("registry_credentials_file " + dir.resolve("creds.toml"), c.source());
        assertEquals(Optional.empty(), provider.credentialsFor("docker.io"), "never sent to another registry");
        assertTrue(provider.description().contains(dir.resolve("creds.toml").toString()), provider.description());
    }

    @Test
    void aRegistryKeyInTheFileNamesTheHost() throws IOException {
        CredentialProvider provider = load("tar", "registry = \"ghcr.io\"\nusername = \"bob\"\npassword = \"pw\"\n");

        assertEquals("bob", provider.credentialsFor("ghcr.io").orElseThrow().username());
        assertEquals(Optional.empty(), provider.credentialsFor("tar"));
    }

    @Test
    void withTarOrDockerAndNoRegistryKeyItAnswersNothing() throws IOException {
        CredentialProvider provider = load("docker", "username = \"bob\"\npassword = \"pw\"\n");

        assertEquals(Optional.empty(), provider.credentialsFor("docker.io"));
        assertTrue(provider.description().contains("no registry host"), provider.description());
    }

    @Test
    void unsetFileAnswersNothing() {
        CredentialProvider provider = new CredentialsFileProviderFactory().create(Settings.builder().cacheDir(dir).build());

        assertEquals(Optional.empty(), provider.credentialsFor("localhost:5000"));
        assertEquals("registry_credentials_file (not set)", provider.description());
    }

    @Test
    void aFileGoneSinceTheSettingsLoadedIsAConfigErrorNamingTheKeyAndPath() throws IOException {
        Path missing = Files.writeString(dir.resolve("soon-gone.toml"), "username = \"a\"\npassword = \"b\"\n");
        Settings settings = settings("localhost:5000", missing);
        Files.delete(missing);

        ValenceException e = assertThrows(ValenceException.class,
                () -> new CredentialsFileProviderFactory().create(settings));

        assertEquals(ErrorKind.CONFIG, e.kind());
        assertTrue(e.getMessage().startsWith("registry_credentials_file '" + missing + "'"), e.getMessage());
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
    }

    @Test
    void malformedTomlIsAConfigErrorWithTheLine() {
        ValenceException e = assertThrows(ValenceException.class,
                () -> load("localhost:5000", "username = \"alice\"\npassword = \"" + SECRET + "\n"));

        assertEquals(ErrorKind.CONFIG, e.kind());
        assertTrue(e.getMessage().contains("is not valid TOML: line 2"), e.getMessage());
        assertFalse(e.getMessage().contains(SECRET), e.getMessage());
    }

    @Test
    void aMissingOrWronglyTypedKeyIsNamedWithoutShowingValues() {
        ValenceException missing = assertThrows(ValenceException.class,
                () -> load("localhost:5000", "username = \"alice\"\n"));
        assertTrue(missing.getMessage().contains("has no 'password'"), missing.getMessage());

        ValenceException typed = assertThrows(ValenceException.class,
                () -> load("localhost:5000", "username = \"alice\"\npassword = 12345678\n"));
        assertEquals(ErrorKind.CONFIG, typed.kind());
        assertTrue(typed.getMessage().contains("'password' must be a non-empty string (line 2)"), typed.getMessage());
        assertFalse(typed.getMessage().contains("12345678"), typed.getMessage());
    }
}
