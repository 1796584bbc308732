package dev.valence.registry.local;

import com.google.cloud.tools.jib.api.Credential;
import com.google.cloud.tools.jib.api.LogEvent;
import com.google.cloud.tools.jib.registry.credentials.DockerConfigCredentialRetriever;
import dev.valence.api.ErrorKind;
import dev.valence.api.ValenceException;
import dev.valence.spi.CredentialProvider;
import dev.valence.spi.Credentials;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Credentials from a Docker {@code config.json}, read with Jib's retriever: {@code auths}
 * ({@code auth} in base64, or {@code username}/{@code password}, or an identity token), then the
 * {@code credHelpers} / {@code credsStore} helper ({@code docker-credential-<name> get}) when one is
 * configured for the host. The file is read on every call, so a later {@code docker login} counts.
 */
final class DockerConfigProvider implements CredentialProvider {
    private static final Logger LOG = LoggerFactory.getLogger(DockerConfigProvider.class);

    private final Path configFile;

    DockerConfigProvider(Path configFile) {
        this.configFile = configFile;
    }

    /** {@code $DOCKER_CONFIG/config.json}, else {@code ~/.docker/config.json}. */
    static Path defaultConfigFile(Map<String, String> env, String userHome) {
        String dir = env.get("DOCKER_CONFIG");
        return dir != null && !dir.isBlank() ? Path.of(dir, "config.json") : Path.of(userHome, ".docker", "config.json");
    }

    @Override
    public Optional<Credentials> credentialsFor(String registryHost) {
        Optional<Credential> found;
        try {
            found = DockerConfigCredentialRetriever.create(registryHost, configFile).retrieve(DockerConfigProvider::log);
        } catch (IOException e) {
            throw new ValenceException(ErrorKind.CONFIG, "Docker config " + configFile + " cannot be read ("
                    + e.getClass().getSimpleName() + "); fix the JSON or run 'docker login " + registryHost + "' again", e);
        }
        LOG.debug("Docker config {}: {} credentials for {}", configFile, found.isPresent() ? "found" : "no", registryHost);
        return found.map(c -> new Credentials(c.getUsername(), c.getPassword(), "Docker config " + configFile));
    }

    @Override
    public String description() {
        return "Docker config " + configFile + " (auths, credHelpers, credsStore)";
    }

    @Override
    public String toString() {
        return "DockerConfigProvider[" + configFile + "]";
    }

    private static void log(LogEvent event) {
        // Jib reports a credential helper that is missing or failed as a warning: the user should see it.
        if (event.getLevel() == LogEvent.Level.WARN || event.getLevel() == LogEvent.Level.ERROR) {
            LOG.warn("{}", event.getMessage());
        } else {
            LOG.debug("{}", event.getMessage());
        }
    }
}
