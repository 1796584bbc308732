package dev.valence.core;

import dev.valence.api.ErrorKind;
import dev.valence.api.Settings;
import dev.valence.api.ValenceException;
import dev.valence.spi.Plugins;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tomlj.Toml;
import org.tomlj.TomlArray;
import org.tomlj.TomlParseResult;
import org.tomlj.TomlTable;

/**
 * Reads the settings layers: the TOML file's {@code [executors.k8s]} table (path from
 * {@code --config}, else {@code VALENCE_CONFIG}, else {@code ~/.config/valence/valence.toml} when
 * it exists), then {@code VALENCE_K8S_<KEY>} variables. Code adds the builder layer on top.
 */
public final class SettingsLoader {
    /** Env variable naming the config file. */
    public static final String CONFIG_ENV = "VALENCE_CONFIG";
    /** The TOML table holding this executor's settings. */
    public static final String SECTION = "executors.k8s";

    private static final Logger LOG = LoggerFactory.getLogger(SettingsLoader.class);

    private SettingsLoader() {
    }

    /** The config file to read, if any: explicit, then {@code VALENCE_CONFIG}, then the default when present. */
    public static Optional<Path> configFile(Path explicit, Map<String, String> env, Path home) {
        if (explicit != null) {
            return Optional.of(requireFile(explicit, "--config"));
        }
        String fromEnv = env.get(CONFIG_ENV);
        if (fromEnv != null && !fromEnv.isBlank()) {
            return Optional.of(requireFile(Path.of(fromEnv), CONFIG_ENV));
        }
        Path def = home.resolve(".config").resolve("valence").resolve("valence.toml");
        return Files.isRegularFile(def) ? Optional.of(def) : Optional.empty();
    }

    /**
     * A settings builder with defaults, file and environment layers, and every plugin's keys
     * declared; the caller adds builder values and calls {@code build()}.
     */
    public static Settings.Builder layers(Path explicitConfig, Map<String, String> env, Path home, Plugins plugins) {
        Settings.Builder builder = plugins.declareKeys(Settings.builder()).environment(env).userHome(home);
        configFile(explicitConfig, env, home).ifPresent(file -> builder.fileValues(file.toString(), read(file)));
        return builder.environmentValues(env);
    }

    /** The {@code [executors.k8s]} table of a TOML file as plain maps, lists and values. */
    public static Map<String, Object> read(Path file) {
        TomlParseResult toml;
        try {
            toml = Toml.parse(file);
        } catch (IOException e) {
            throw new ValenceException(ErrorKind.CONFIG, "config file '" + file + "' cannot be read: " + e.getMessage(), e);
        }
        if (toml.hasErrors()) {
            String errors = toml.errors().stream()
                    .map(err -> err.getMessage())
                    .collect(Collectors.joining("; "));
            throw new ValenceException(ErrorKind.CONFIG, "config file '" + file + "' is not valid TOML: " + errors);
        }
        if (!toml.isTable(SECTION)) {
            if (toml.contains(SECTION)) {
                throw new ValenceException(ErrorKind.CONFIG, "config file '" + file + "': " + SECTION
                        + " must be a table ([" + SECTION + "])");
            }
            LOG.warn("config file {} has no [{}] table; using defaults and the environment", file, SECTION);
            return Map.of();
        }
        return plain(toml.getTable(SECTION));
    }

    private static Map<String, Object> plain(TomlTable table) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (String key : table.keySet()) {
            out.put(key, plain(table.get(List.of(key))));
        }
        return out;
    }

    private static Object plain(Object value) {
        if (value instanceof TomlTable t) {
            return plain(t);
        }
        if (value instanceof TomlArray a) {
            return a.toList().stream().map(SettingsLoader::plain).toList();
        }
        return value;
    }

    private static Path requireFile(Path path, String from) {
        if (!Files.isRegularFile(path)) {
            throw new ValenceException(ErrorKind.CONFIG, "config file '" + path + "' (from " + from
                    + ") does not exist or is not a file");
        }
        return path;
    }
}
