package dev.valence.official;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.valence.api.ErrorKind;
import dev.valence.api.ValenceException;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A kubeconfig exec credential plugin ({@code users[].user.exec}, as EKS's {@code aws eks get-token}):
 * runs the command, reads the {@code ExecCredential} it prints, and keeps the credential until its
 * {@code expirationTimestamp} (less {@link #EXPIRY_SKEW}), or until {@link #invalidate} after a 401.
 * client-java runs such a plugin too, but logs and swallows its failures, ignores the expiry and
 * knows no {@code installHint}; this class says what went wrong.
 */
final class ExecPlugin {
    private static final Logger LOG = LoggerFactory.getLogger(ExecPlugin.class);
    /** API versions of the exec credential protocol this class speaks. */
    static final List<String> API_VERSIONS = List.of("client.authentication.k8s.io/v1", "client.authentication.k8s.io/v1beta1");
    /** A credential this close to its expiry is renewed before use. */
    static final Duration EXPIRY_SKEW = Duration.ofSeconds(10);
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final Gson GSON = new Gson();

    /** What a plugin gave: a bearer token, or a client certificate and key (PEM); never printed. */
    record Credential(Optional<String> token, Optional<String> clientCertificatePem, Optional<String> clientKeyPem,
                      Optional<Instant> expiry) {
        @Override
        public String toString() {
            return "Credential[" + (token.isPresent() ? "token" : "client certificate") + ", expiry="
                    + expiry.map(Instant::toString).orElse("none") + "]";
        }
    }

    private final String apiVersion;
    private final String command;
    private final List<String> args;
    private final Map<String, String> env;
    private final String installHint;
    private final Optional<JsonObject> clusterInfo;
    private final Path kubeconfigDir;
    private final String origin;
    private final Clock clock;
    private Credential cached;

    private ExecPlugin(String apiVersion, String command, List<String> args, Map<String, String> env, String installHint,
                       Optional<JsonObject> clusterInfo, Path kubeconfigDir, String origin, Clock clock) {
        this.apiVersion = apiVersion;
        this.command = command;
        this.args = args;
        this.env = env;
        this.installHint = installHint;
        this.clusterInfo = clusterInfo;
        this.kubeconfigDir = kubeconfigDir;
        this.origin = origin;
        this.clock = clock;
    }

    /**
     * The plugin of a kubeconfig user's {@code exec} entry. {@code cluster} is the context's cluster
     * entry, passed to the plugin when the entry says {@code provideClusterInfo: true}.
     */
    static ExecPlugin of(Map<String, Object> exec, Map<String, Object> cluster, Path kubeconfig, String origin, Clock clock) {
        String apiVersion = string(exec.get("apiVersion"));
        if (!API_VERSIONS.contains(apiVersion)) {
            throw new ValenceException(ErrorKind.CONFIG, "the exec plugin of " + origin + " has apiVersion '" + apiVersion
                    + "'; accepted: " + String.join(", ", API_VERSIONS) + " (update the kubeconfig, e.g. with "
                    + "'aws eks update-kubeconfig')");
        }
        String command = string(exec.get("command"));
        if (command.isEmpty()) {
            throw new ValenceException(ErrorKind.CONFIG, "the exec plugin of " + origin + " has no command");
        }
        if ("Always".equals(exec.get("interactiveMode"))) {
            throw new ValenceException(ErrorKind.CONFIG, "the exec plugin '" + command + "' of " + origin
                    + " needs a terminal (interactiveMode: Always), which Valence does not have; use a plugin or "
                    + "context that authenticates without prompting");
        }
        List<String> args = new ArrayList<>();
        if (exec.get("args") instanceof List<?> l) {
            l.forEach(a -> args.add(String.valueOf(a)));
        }
        Map<String, String> env = new LinkedHashMap<>();
        if (exec.get("env") instanceof List<?> l) {
            for (Object o : l) {
                if (o instanceof Map<?, ?> m && m.get("name") != null) {
                    env.put(String.valueOf(m.get("name")), m.get("value") == null ? "" : String.valueOf(m.get("value")));
                }
            }
        }
        Optional<JsonObject> clusterInfo = Boolean.TRUE.equals(exec.get("provideClusterInfo")) && cluster != null
                ? Optional.of(clusterInfo(cluster)) : Optional.empty();
        Path dir = kubeconfig.toAbsolutePath().getParent();
        return new ExecPlugin(apiVersion, command, List.copyOf(args), Map.copyOf(env), string(exec.get("installHint")),
                clusterInfo, dir, origin, clock);
    }

    /** The current credential, running the plugin when there is none or it expired. */
    synchronized Credential credential() {
        if (cached == null || cached.expiry().map(e -> !clock.instant().isBefore(e.minus(EXPIRY_SKEW))).orElse(false)) {
            cached = run();
        }
        return cached;
    }

    /** The credential last obtained, without renewing it; runs the plugin only if it never ran. */
    synchronized Credential lastCredential() {
        return cached == null ? credential() : cached;
    }

    /** Forgets {@code used} (the server rejected it), so the next {@link #credential()} runs the plugin. */
    synchronized void invalidate(Credential used) {
        if (cached == used) {
            cached = null;
        }
    }

    /** The command as written in the kubeconfig, for messages. */
    String command() {
        return command;
    }

    private Credential run() {
        Path executable = resolve();
        List<String> argv = new ArrayList<>();
        argv.add(executable.toString());
        argv.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(argv);
        pb.environment().putAll(env);
        pb.environment().put("KUBERNETES_EXEC_INFO", execInfo());
        pb.redirectInput(ProcessBuilder.Redirect.from(new File(File.separatorChar == '/' ? "/dev/null" : "NUL")));
        LOG.debug("running exec credential plugin {} for {}", command, origin);
        Process process;
        try {
            process = pb.start();
        } catch (IOException e) {
            throw notInstalled("cannot be started (" + e.getMessage() + ")");
        }
        CompletableFuture<String> stderr = CompletableFuture.supplyAsync(() -> readAll(process.getErrorStream()));
        String stdout = readAll(process.getInputStream());
        try {
            if (!process.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new ValenceException(ErrorKind.PERMISSION, "the exec plugin '" + command + "' of " + origin
                        + " did not finish within " + TIMEOUT.toSeconds() + " s; run it by hand to see what it waits for");
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new ValenceException(ErrorKind.CANCELLED, "interrupted while running the exec plugin '" + command + "'", e);
        }
        String errors = stderr.join().strip();
        if (process.exitValue() != 0) {
            throw new ValenceException(ErrorKind.PERMISSION, "the exec plugin '" + command + "' of " + origin
                    + " failed with exit code " + process.exitValue() + (errors.isEmpty() ? "" : ": " + lastLines(errors, 20))
                    + "; fix the plugin's setup (for 'aws': 'aws sts get-caller-identity' must work)");
        }
        return parse(stdout);
    }

    private Credential parse(String stdout) {
        JsonObject root;
        try {
            JsonElement json = JsonParser.parseString(stdout);
            root = json.getAsJsonObject();
        } catch (RuntimeException e) {
            throw new ValenceException(ErrorKind.PERMISSION, "the exec plugin '" + command + "' of " + origin
                    + " did not print an ExecCredential as JSON (" + e.getMessage() + ")", e);
        }
        String kind = member(root, "kind");
        String version = member(root, "apiVersion");
        if (!"ExecCredential".equals(kind) || !apiVersion.equals(version)) {
            throw new ValenceException(ErrorKind.PERMISSION, "the exec plugin '" + command + "' of " + origin
                    + " printed kind '" + kind + "' apiVersion '" + version + "'; expected an ExecCredential of "
                    + apiVersion + " (the kubeconfig's exec apiVersion)");
        }
        JsonObject status = root.has("status") && root.get("status").isJsonObject() ? root.getAsJsonObject("status")
                : new JsonObject();
        Optional<String> token = Optional.of(member(status, "token")).filter(s -> !s.isEmpty());
        Optional<String> cert = Optional.of(member(status, "clientCertificateData")).filter(s -> !s.isEmpty());
        Optional<String> key = Optional.of(member(status, "clientKeyData")).filter(s -> !s.isEmpty());
        if (token.isEmpty() && (cert.isEmpty() || key.isEmpty())) {
            throw new ValenceException(ErrorKind.PERMISSION, "the exec plugin '" + command + "' of " + origin
                    + " gave neither a token nor a client certificate and key");
        }
        Optional<Instant> expiry = Optional.empty();
        String at = member(status, "expirationTimestamp");
        if (!at.isEmpty()) {
            try {
                expiry = Optional.of(OffsetDateTime.parse(at).toInstant());
            } catch (DateTimeParseException e) {
                throw new ValenceException(ErrorKind.PERMISSION, "the exec plugin '" + command + "' of " + origin
                        + " gave expirationTimestamp '" + at + "', which is not an RFC 3339 time", e);
            }
        }
        Credential c = new Credential(token, token.isPresent() ? Optional.empty() : cert,
                token.isPresent() ? Optional.empty() : key, expiry);
        LOG.debug("exec plugin {} gave {}", command, c);
        return c;
    }

    private Path resolve() {
        if (command.contains("/") || command.contains(File.separator)) {
            Path p = kubeconfigDir.resolve(command).normalize();
            if (!Files.isExecutable(p)) {
                throw notInstalled("is not an executable file (" + p + ")");
            }
            return p;
        }
        String path = Optional.ofNullable(System.getenv("PATH")).orElse("");
        for (String dir : path.split(File.pathSeparator)) {
            if (!dir.isEmpty()) {
                Path p = Path.of(dir, command);
                if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                    return p;
                }
            }
        }
        throw notInstalled("is not installed (not found on PATH)");
    }

    private ValenceException notInstalled(String why) {
        return new ValenceException(ErrorKind.CONFIG, "the exec plugin '" + command + "' of " + origin + " " + why
                + (installHint.isBlank() ? "; install it or fix users[].user.exec.command in the kubeconfig"
                : "; " + installHint.strip()));
    }

    private String execInfo() {
        JsonObject spec = new JsonObject();
        spec.addProperty("interactive", false);
        clusterInfo.ifPresent(c -> spec.add("cluster", c));
        JsonObject info = new JsonObject();
        info.addProperty("apiVersion", apiVersion);
        info.addProperty("kind", "ExecCredential");
        info.add("spec", spec);
        return info.toString();
    }

    private static JsonObject clusterInfo(Map<String, Object> cluster) {
        JsonObject c = new JsonObject();
        put(c, "server", cluster.get("server"));
        put(c, "tls-server-name", cluster.get("tls-server-name"));
        put(c, "certificate-authority-data", cluster.get("certificate-authority-data"));
        put(c, "proxy-url", cluster.get("proxy-url"));
        if (cluster.get("insecure-skip-tls-verify") instanceof Boolean b) {
            c.addProperty("insecure-skip-tls-verify", b);
        }
        if (cluster.get("extensions") instanceof List<?> l) {
            for (Object o : l) {
                if (o instanceof Map<?, ?> m && "client.authentication.k8s.io/exec".equals(m.get("name"))) {
                    c.add("config", GSON.toJsonTree(m.get("extension")));
                }
            }
        }
        return c;
    }

    private static void put(JsonObject o, String key, Object value) {
        if (value != null) {
            o.addProperty(key, String.valueOf(value));
        }
    }

    private static String member(JsonObject o, String key) {
        JsonElement e = o.get(key);
        return e == null || e.isJsonNull() || e instanceof JsonArray || e.isJsonObject() ? "" : e.getAsString();
    }

    private static String string(Object o) {
        return o == null ? "" : String.valueOf(o).strip();
    }

    private static String readAll(InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String lastLines(String text, int n) {
        List<String> lines = text.lines().toList();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - n), lines.size()));
    }

    @Override
    public String toString() {
        return "ExecPlugin[" + command + " " + apiVersion + ", " + origin + "]";
    }
}
