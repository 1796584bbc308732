package dev.valence.registry.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.valence.api.ErrorKind;
import dev.valence.api.ValenceException;
import dev.valence.spi.CredentialProvider;
import dev.valence.spi.Credentials;
import dev.valence.tck.image.CredentialProviderContract;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DockerConfigProviderTest {

    @TempDir
    Path dir;

    private DockerConfigProvider provider(String json) {
        try {
            return new DockerConfigProvider(Files.writeString(dir.resolve("config.json"), json));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String base64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    /** The contract, on a config.json as 'docker login' writes it. */
    @Nested
    class Contract extends CredentialProviderContract {
        @Override
        protected CredentialProvider provider() {
            return DockerConfigProviderTest.this.provider(
                    "{\"auths\": {\"127.0.0.1:5000\": {\"auth\": \"" + base64("carol:from-auth:with-colon") + "\"}}}");
        }

        @Override
        protected String knownHost() {
            return "127.0.0.1:5000";
        }

        @Override
        protected Credentials expected() {
            return new Credentials("carol", "from-auth:with-colon", "test");
        }
    }

    @Test
    void readsUsernameAndPasswordEntries() {
        DockerConfigProvider p = provider("{\"auths\": {\"https://registry.example.com\": "
                + "{\"username\": \"dave\", \"password\": \"pw-dave\"}}}");

        Credentials c = p.credentialsFor("registry.example.com").orElseThrow();

        assertEquals("dave", c.username());
        assertEquals("pw-dave", c.password());
        assertEquals("Docker config " + dir.resolve("config.json"), c.source());
    }

    @Test
    void runsTheCredentialHelperNamedInCredHelpers() throws IOException {
        String helper = helper("valence-test-helper", "helper-user", "helper-Secret");
        DockerConfigProvider p = provider("{\"credHelpers\": {\"registry.example.com:5000\": \"" + helper + "\"}}");

        Credentials c = p.credentialsFor("registry.example.com:5000").orElseThrow();

        assertEquals("helper-user", c.username());
        assertEquals("helper-Secret", c.password());
        assertEquals(Optional.empty(), p.credentialsFor("other.example.com"));
    }

    @Test
    void runsTheCredsStoreForEveryHost() throws IOException {
        String store = helper("valence-test-store", "store-user", "store-Secret");
        DockerConfigProvider p = provider("{\"credsStore\": \"" + store + "\"}");

        assertEquals("store-user", p.credentialsFor("any.example.com").orElseThrow().username());
    }

    @Test
    void aMissingHelperGivesNoCredentials() {
        DockerConfigProvider p = provider("{\"credHelpers\": {\"registry.example.com\": \"valence-not-installed\"}}");

        assertEquals(Optional.empty(), p.credentialsFor("registry.example.com"));
    }

    @Test
    void aMissingConfigFileGivesNoCredentials() {
        DockerConfigProvider p = new DockerConfigProvider(dir.resolve("absent/config.json"));

        assertEquals(Optional.empty(), p.credentialsFor("127.0.0.1:5000"));
        assertTrue(p.description().contains(dir.resolve("absent/config.json").toString()), p.description());
    }

    @Test
    void malformedJsonIsAConfigErrorNamingTheFile() {
        DockerConfigProvider p = provider("{\"auths\": {");

        ValenceException e = assertThrows(ValenceException.class, () -> p.credentialsFor("127.0.0.1:5000"));

        assertEquals(ErrorKind.CONFIG, e.kind());
        assertTrue(e.getMessage().contains(dir.resolve("config.json").toString()), e.getMessage());
    }

    @Test
    void theConfigFileComesFromDockerConfigElseTheHomeDirectory() {
        assertEquals(Path.of("/etc/dc/config.json"),
                DockerConfigProvider.defaultConfigFile(Map.of("DOCKER_CONFIG", "/etc/dc"), "/home/u"));
        assertEquals(Path.of("/home/u/.docker/config.json"), DockerConfigProvider.defaultConfigFile(Map.of(), "/home/u"));
    }

    /**
     * Writes a stand-in {@code docker-credential-<name>} (test code) into the directory that the
     * build puts first on the test JVM's PATH; it answers as the helper protocol says.
     */
    private static String helper(String name, String user, String secret) throws IOException {
        Path bin = Path.of(System.getProperty("valence.test.bin", "target/test-bin"));
        Files.createDirectories(bin);
        Path script = bin.resolve("docker-credential-" + name);
        Files.writeString(script, "#!/bin/sh\n"
                + "[ \"$1\" = get ] || exit 1\n"
                + "read -r server\n"
                + "printf '{\"ServerURL\":\"%s\",\"Username\":\"" + user + "\",\"Secret\":\"" + secret + "\"}' \"$server\"\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        return name;
    }
}
