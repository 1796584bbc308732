package dev.valence.registry.local;

import dev.valence.api.ErrorKind;
import dev.valence.api.Settings;
import dev.valence.api.ValenceException;
import dev.valence.spi.CredentialProvider;
import dev.valence.spi.Credentials;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import org.tomlj.Toml;
import org.tomlj.TomlParseError;
import org.tomlj.TomlParseResult;

/**
 * Credentials from the {@code registry_credentials_file}: a TOML file with {@code username} and
 * {@code password}, and optionally {@code registry} (the host they are for; by default the
 * {@code registry} setting). They are given only for that host, so they never reach another registry.
 */
final class CredentialsFileProvider implements CredentialProvider {
    static final String KEY = "registry_credentials_file";
    private static final String EXPECTED = "expected a TOML file with username = \"...\" and password = \"...\"";

    private final Optional<Path> file;
    private final Optional<String> host;
    private final Optional<Credentials> credentials;

    private CredentialsFileProvider(Optional<Path> file, Optional<String> host, Optional<Credentials> credentials) {
        this.file = file;
        this.host = host;
        this.credentials = credentials;
    }

    static CredentialsFileProvider load(Settings settings) {
        Optional<Path> file = settings.registryCredentialsFile();
        if (file.isEmpty()) {
            return new CredentialsFileProvider(file, Optional.empty(), Optional.empty());
        }
        Path path = file.get();
        if (!Files.isRegularFile(path)) {
            throw new ValenceException(ErrorKind.CONFIG, KEY + " '" + path + "' is not valid: the file does not exist; "
                    + EXPECTED + ", or unset " + KEY);
        }
        TomlParseResult toml;
        try {
            toml = Toml.parse(path);
        } catch (IOException e) {
            throw new ValenceException(ErrorKind.CONFIG, KEY + " '" + path + "' cannot be read: " + e.getMessage(), e);
        }
        if (toml.hasErrors()) {
            TomlParseError first = toml.errors().get(0);
            throw new ValenceException(ErrorKind.CONFIG, KEY + " '" + path + "' is not valid TOML: line "
                    + first.position().line() + ": " + first.getMessage() + "; " + EXPECTED);
        }
        String username = string(toml, "username", path);
        String password = string(toml, "password", path);
        Optional<String> host = toml.contains("registry") ? Optional.of(string(toml, "registry", path))
                : registryHost(settings.registry());
        return new CredentialsFileProvider(file, host.map(h -> h.toLowerCase(Locale.ROOT)),
                Optional.of(new Credentials(username, password, KEY + " " + path)));
    }

    private static String string(TomlParseResult toml, String key, Path path) {
        if (!toml.contains(key)) {
            throw new ValenceException(ErrorKind.CONFIG, KEY + " '" + path + "' has no '" + key + "'; " + EXPECTED);
        }
        if (!toml.isString(key) || toml.getString(key).isBlank()) {
            // the value is not shown: it may be the password
            throw new ValenceException(ErrorKind.CONFIG, KEY + " '" + path + "': '" + key
                    + "' must be a non-empty string (line " + toml.inputPositionOf(key).line() + "); " + EXPECTED);
        }
        return toml.getString(key);
    }

    /** The {@code registry} setting when it names a host ({@code docker} and {@code tar} do not). */
    private static Optional<String> registryHost(String registry) {
        return registry.equals("docker") || registry.equals("tar") ? Optional.empty() : Optional.of(registry);
    }

    @Override
    public Optional<Credentials> credentialsFor(String registryHost) {
        if (host.isPresent() && host.get().equals(registryHost.toLowerCase(Locale.ROOT))) {
            return credentials;
        }
        return Optional.empty();
    }

    @Override
    public String description() {
        if (file.isEmpty()) {
            return KEY + " (not set)";
        }
        return KEY + " " + file.get() + host.map(h -> " (for " + h + ")").orElse(" (no registry host to use it for)");
    }

    @Override
    public String toString() {
        return "CredentialsFileProvider[" + description() + "]";
    }
}
