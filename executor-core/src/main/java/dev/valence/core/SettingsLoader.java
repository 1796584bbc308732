package dev.valence.core;

import dev.valence.api.ErrorKind;
import dev.valence.api.Settings;
import dev.valence.api.ValenceException;
import dev.valence.spi.ArtifactStoreFactory;
import dev.valence.spi.ClusterGatewayFactory;
import dev.valence.spi.Plugins;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tomlj.Toml;
import org.tomlj.TomlArray;
import org.tomlj.TomlParseError;
import org.tomlj.TomlParseResult;
import org.tomlj.TomlTable;

/**
 * Reads the settings layers: the TOML file's {@code [executors.k8s]} table (path from
 * {@code --config}, else {@code VALENCE_CONFIG}, else {@code ~/.config/valence/valence.toml} when
 * it exists) with a named executor's {@code [executors.k8s.<name>]} table over it, then the
 * {@code VALENCE_K8S_<KEY>} variables with the named executor's {@code VALENCE_K8S_<NAME>__<KEY>}
 * over them. Code adds the builder layer on top: builder > env named > env > file named > file > defaults.
 */
public final class SettingsLoader {
    /** Env variable naming the config file. */
    public static final String CONFIG_ENV = "VALENCE_CONFIG";
    /** The TOML table holding this executor's settings. */
    public static final String SECTION = "executors.k8s";

    private static final Logger LOG = LoggerFactory.getLogger(SettingsLoader.class);
    private static final String DEFAULT_CLUSTER_CLIENT = "fabric8";
    private static final String CREDENTIALS_EXPECTED =
            "expected a TOML file with username = \"...\" and password = \"...\"";

    private SettingsLoader() {
    }

    /** The default config file: {@code ~/.config/valence/valence.toml}. */
    public static Path defaultConfigFile(Path home) {
        return home.resolve(".config").resolve("valence").resolve("valence.toml");
    }

    /** The config file to read, if any: explicit, then {@code VALENCE_CONFIG}, then the default when present. */
    public static Optional<Path> configFile(Path explicit, Map<String, String> env, Path home) {
        if (explicit != null) {
            return Optional.of(requireFile(explicit, "--config"));
        }
        String fromEnv = env.get(CONFIG_ENV);
        if (fromEnv != null && !fromEnv.isBlank()) {
            String s = fromEnv.trim();
            Path p = s.equals("~") ? home : s.startsWith("~/") ? home.resolve(s.substring(2)) : Path.of(s);
            return Optional.of(requireFile(p, CONFIG_ENV));
        }
        Path def = defaultConfigFile(home);
        return Files.isRegularFile(def) ? Optional.of(def) : Optional.empty();
    }

    /**
     * A settings builder with defaults, file and environment layers, every plugin's keys declared,
     * and the checks that need more than the JDK ({@code registry_credentials_file}'s content, an
     * installed store for {@code data_store}'s scheme); the caller adds builder values and calls
     * {@code build()}.
     */
    public static Settings.Builder layers(Path explicitConfig, Map<String, String> env, Path home, Plugins plugins) {
        return layers(explicitConfig, env, home, plugins, null);
    }

    /**
     * As {@link #layers(Path, Map, Path, Plugins)}, for the named executor {@code name} ({@code null}:
     * the defaults alone): its file section and its variables over the defaults'. A name with neither a
     * section nor a variable is a {@code CONFIG} error naming the sections there are.
     */
    public static Settings.Builder layers(Path explicitConfig, Map<String, String> env, Path home, Plugins plugins,
            String name) {
        Settings.Builder builder = plugins.declareKeys(Settings.builder()).environment(env).userHome(home);
        Optional<Path> file = configFile(explicitConfig, env, home);
        boolean[] found = {false};
        file.ifPresent(f -> {
            LOG.debug("reading settings from [{}] of {}", SECTION, f);
            builder.fileValues(f.toString(), read(f));
            if (name != null) {
                Optional<Map<String, Object>> named = readNamed(f, name);
                named.ifPresent(values -> builder.fileValues(f + " [" + SECTION + "." + name + "]", values));
                found[0] = named.isPresent();
            }
        });
        builder.check("registry_credentials_file", value -> credentialsProblem((Path) value));
        List<ClusterGatewayFactory> clients = plugins.of(ClusterGatewayFactory.class);
        if (!clients.isEmpty()) {
            builder.check("cluster_client", value -> clusterClientProblem(String.valueOf(value), clients));
        }
        List<ArtifactStoreFactory> stores = plugins.of(ArtifactStoreFactory.class);
        if (!stores.isEmpty()) {
            builder.check("data_store", value -> storeProblem(String.valueOf(value), stores));
        }
        if (name == null) {
            return builder.environmentValues(env);
        }
        builder.executorName(name);
        int variables = builder.environmentValues(env, name);
        if (!found[0] && variables == 0) {
            Set<String> sections = file.map(SettingsLoader::names).orElse(Set.of());
            throw new ValenceException(ErrorKind.CONFIG, "executor '" + name + "' has no settings: "
                    + file.map(f -> "config file '" + f + "' has no [" + SECTION + "." + name + "] table"
                            + (sections.isEmpty() ? "" : " (named executors there: " + String.join(", ", sections) + ")"))
                            .orElse("no config file is read")
                    + " and no " + Settings.envPrefix(name) + "<KEY> variable is set; add a [" + SECTION + "." + name
                    + "] table to the config file or fix the name");
        }
        return builder;
    }

    /** The named executors of a config file: the sub-tables of {@code [executors.k8s]} that are not a setting. */
    public static Set<String> names(Path file) {
        TomlParseResult toml = parse(file, "config file '" + file + "'");
        if (!toml.isTable(SECTION)) {
            return Set.of();
        }
        Set<String> out = new TreeSet<>();
        TomlTable table = toml.getTable(SECTION);
        for (String key : table.keySet()) {
            if (isNamedSection(key, table.get(List.of(key)))) {
                out.add(key);
            }
        }
        return out;
    }

    /** The {@code [executors.k8s.<name>]} table of a TOML file as plain values; empty when it has none. */
    public static Optional<Map<String, Object>> readNamed(Path file, String name) {
        Settings.checkedName(name);
        TomlParseResult toml = parse(file, "config file '" + file + "'");
        if (!toml.isTable(SECTION)) {
            return Optional.empty();
        }
        Object value = toml.getTable(SECTION).get(List.of(name));
        if (value == null) {
            return Optional.empty();
        }
        if (!(value instanceof TomlTable t)) {
            throw new ValenceException(ErrorKind.CONFIG, "config file '" + file + "': " + SECTION + "." + name
                    + " must be a table ([" + SECTION + "." + name + "]) of the executor's settings");
        }
        return Optional.of(plain(t));
    }

    /** A sub-table whose key is not one of Valence's settings is a named executor (plugin keys hold single values). */
    private static boolean isNamedSection(String key, Object value) {
        return value instanceof TomlTable && !Settings.knownKeys().contains(key);
    }

    /**
     * The {@code [executors.k8s]} table of a TOML file as plain maps, lists and values, without the
     * named executors' sub-tables.
     */
    public static Map<String, Object> read(Path file) {
        TomlParseResult toml = parse(file, "config file '" + file + "'");
        misplaced(file, toml);
        if (!toml.isTable(SECTION)) {
            if (toml.contains(SECTION)) {
                throw new ValenceException(ErrorKind.CONFIG, "config file '" + file + "': " + SECTION
                        + " must be a table ([" + SECTION + "]), line " + toml.inputPositionOf(SECTION).line());
            }
            Set<String> stray = new TreeSet<>(toml.keySet());
            stray.retainAll(Settings.knownKeys());
            if (!stray.isEmpty()) {
                throw new ValenceException(ErrorKind.CONFIG, "config file '" + file + "' has settings outside ["
                        + SECTION + "] (" + String.join(", ", stray) + "); put them under a [" + SECTION
                        + "] line");
            }
            TomlTable executors = toml.isTable("executors") ? toml.getTable("executors") : null;
            LOG.warn("config file {} has no [{}] table{}; using defaults and the environment", file, SECTION,
                    executors == null || executors.isEmpty() ? ""
                            : " (it has [executors." + String.join("], [executors.", new TreeSet<>(executors.keySet()))
                                    + "])");
            return Map.of();
        }
        Map<String, Object> defaults = new LinkedHashMap<>();
        TomlTable table = toml.getTable(SECTION);
        for (String key : table.keySet()) {
            Object value = table.get(List.of(key));
            if (!isNamedSection(key, value)) {
                defaults.put(key, plain(value));
            }
        }
        return defaults;
    }

    /**
     * Settings Valence would not read: a key outside any table (beside {@code [executors.k8s]}), or a
     * table whose name is a typo of {@code [executors.k8s]} ({@code [executor.k8s]}, {@code [executors.k8]}).
     * Each is a {@code CONFIG} error naming the line and what to write; other tables (a Covalent
     * config's {@code [sdk]}, {@code [executors.dask]}) are left alone.
     */
    private static void misplaced(Path file, TomlParseResult toml) {
        for (String key : toml.keySet()) {
            Object value = toml.get(List.of(key));
            if (!(value instanceof TomlTable table)) {
                throw new ValenceException(ErrorKind.CONFIG, "config file '" + file + "': key '" + key + "' (line "
                        + toml.inputPositionOf(List.of(key)).line() + ") is outside any table, where Valence does not "
                        + "read it; put it under the [" + SECTION + "] line (a TOML key belongs to the table above it)");
            }
            if (!key.equals("executors") && Settings.nearest(key, List.of("executors")).isPresent()
                    && table.keySet().stream().anyMatch(k -> k.equals("k8s") || nearK8s(k))) {
                throw typo(file, toml, key, key + "." + table.keySet().iterator().next());
            }
            if (key.equals("executors")) {
                for (String sub : table.keySet()) {
                    if (!sub.equals("k8s") && nearK8s(sub) && table.get(List.of(sub)) instanceof TomlTable) {
                        throw typo(file, toml, key + "." + sub, key + "." + sub);
                    }
                }
            }
        }
    }

    private static boolean nearK8s(String name) {
        return name.equals("kubernetes") || name.equals("kube") || Settings.nearest(name, List.of("k8s")).isPresent()
                && name.length() <= 4;
    }

    private static ValenceException typo(Path file, TomlParseResult toml, String dotted, String shown) {
        List<String> path = List.of(dotted.split("\\."));
        int line = toml.inputPositionOf(path) == null ? 0 : toml.inputPositionOf(path).line();
        return new ValenceException(ErrorKind.CONFIG, "config file '" + file + "': table [" + shown + "]"
                + (line > 0 ? " (line " + line + ")" : "") + " is not read by Valence: did you mean [" + SECTION + "]? "
                + "Valence's settings go under [" + SECTION + "] (and a named executor's under [" + SECTION
                + ".<name>])");
    }

    private static TomlParseResult parse(Path file, String what) {
        TomlParseResult toml;
        try {
            toml = Toml.parse(file);
        } catch (IOException e) {
            throw new ValenceException(ErrorKind.CONFIG, what + " cannot be read: " + e, e);
        }
        if (toml.hasErrors()) {
            String errors = toml.errors().stream().map(SettingsLoader::describe).collect(Collectors.joining("; "));
            throw new ValenceException(ErrorKind.CONFIG, what + " is not valid TOML: " + errors);
        }
        return toml;
    }

    private static String describe(TomlParseError error) {
        return "line " + error.position().line() + ", column " + error.position().column() + ": "
                + error.getMessage();
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
            throw new ValenceException(ErrorKind.CONFIG, "config file '" + path + "' (from " + from + ") "
                    + (Files.exists(path) ? "is not a file" : "does not exist")
                    + "; give the path of a TOML file with an [" + SECTION + "] table");
        }
        return path;
    }

    /** What is wrong with a registry credentials file, without ever showing its values. */
    private static Optional<String> credentialsProblem(Path file) {
        Optional<String> aws = awsCredentialsFile(file);
        if (aws.isPresent()) {
            return aws;
        }
        TomlParseResult toml;
        try {
            toml = Toml.parse(file);
        } catch (IOException e) {
            return Optional.of("cannot be read (" + e + "); " + CREDENTIALS_EXPECTED);
        }
        if (toml.hasErrors()) {
            // the position only: a parse message may quote the file's text
            TomlParseError first = toml.errors().get(0);
            return Optional.of("not valid TOML at line " + first.position().line() + ", column "
                    + first.position().column() + "; " + CREDENTIALS_EXPECTED);
        }
        for (String field : List.of("username", "password")) {
            if (!toml.contains(field)) {
                return Optional.of("the file has no '" + field + "'; " + CREDENTIALS_EXPECTED);
            }
            if (!toml.isString(field) || toml.getString(field).isBlank()) {
                return Optional.of("'" + field + "' (line " + toml.inputPositionOf(field).line()
                        + ") must be a non-empty string; " + CREDENTIALS_EXPECTED);
            }
        }
        return Optional.empty();
    }

    /**
     * One rule for {@code cluster_client}: the name of an installed cluster client ({@code fabric8} and
     * {@code official} ship with Valence; a plugin in {@code plugins/} adds its own), with a did-you-mean.
     */
    private static Optional<String> clusterClientProblem(String name, List<ClusterGatewayFactory> clients) {
        Set<String> installed = new TreeSet<>();
        clients.forEach(f -> installed.add(f.name()));
        if (installed.contains(name) || (name.equals(DEFAULT_CLUSTER_CLIENT) && installed.size() == 1)) {
            return Optional.empty(); // the default, in a distribution with one other client: that one is used
        }
        return Optional.of(Settings.nearest(name, installed).map(n -> "did you mean '" + n + "'? ").orElse("")
                + "accepted: the name of an installed cluster client (" + String.join(", ", installed)
                + "; a plugin jar in plugins/ adds its own, see 'valence plugins')");
    }

    /**
     * An AWS shared-credentials file ({@code ~/.aws/credentials}: {@code [default]} and
     * {@code aws_access_key_id}), which the seed's config pointed at: recognised by its key names
     * alone, never showing a value.
     */
    private static Optional<String> awsCredentialsFile(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (IOException | java.io.UncheckedIOException e) {
            return Optional.empty(); // the TOML check says it cannot be read
        }
        boolean profile = lines.stream().map(String::trim).anyMatch(l -> l.matches("\\[(default|profile .+|[^.\\]]+)\\]"));
        boolean awsKey = lines.stream().map(String::trim)
                .anyMatch(l -> l.matches("(?i)aws_(access_key_id|secret_access_key|session_token)\\s*=.*"));
        if (!profile || !awsKey) {
            return Optional.empty();
        }
        return Optional.of("this is an AWS shared-credentials file ([default] with aws_access_key_id), not registry "
                + "credentials; Valence wants a TOML file with username = \"...\" and password = \"...\" for the "
                + "registry. For ECR, leave registry_credentials_file unset: the registry-ecr plugin gets a token "
                + "through the AWS SDK's default chain, which reads this file (AWS_PROFILE picks a profile)");
    }

    /** Whether an installed store serves the scheme of {@code data_store}, and takes its bucket or container. */
    private static Optional<String> storeProblem(String dataStore, List<ArtifactStoreFactory> stores) {
        String scheme = Plugins.scheme(dataStore);
        Optional<ArtifactStoreFactory> serving = stores.stream().filter(f -> f.schemes().contains(scheme)).findFirst();
        if (serving.isPresent()) {
            return serving.get().locationProblem(dataStore);
        }
        Set<String> installed = new TreeSet<>();
        stores.forEach(f -> installed.addAll(f.schemes()));
        return Optional.of("no installed store serves scheme '" + scheme + "' (installed: "
                + String.join(", ", installed) + ")");
    }
}
