package dev.valence.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.Map;

/** Builders with a fake environment and home, and a way to get the message of a CONFIG error. */
final class SettingsTestSupport {
    /** The origin a file layer gets: the config file's path, as {@code SettingsLoader} passes it. */
    static final String FILE = "/etc/valence/valence.toml";

    private SettingsTestSupport() {
    }

    /** A builder that sees no process environment and the given home. */
    static Settings.Builder isolated(Path home) {
        return Settings.builder().environment(Map.of()).userHome(home);
    }

    /** The message of the CONFIG error {@code build()} throws. */
    static String configError(Settings.Builder builder) {
        ValenceException e = assertThrows(ValenceException.class, builder::build);
        assertEquals(ErrorKind.CONFIG, e.kind(), e::getMessage);
        return e.getMessage();
    }
}
