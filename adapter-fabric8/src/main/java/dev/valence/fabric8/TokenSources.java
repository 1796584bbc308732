package dev.valence.fabric8;

import dev.valence.api.ErrorKind;
import dev.valence.api.ValenceException;
import io.fabric8.kubernetes.api.model.ExecConfig;
import io.fabric8.kubernetes.client.OAuthTokenProvider;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bearer tokens fabric8 asks for before every request ({@link OAuthTokenProvider}): from a
 * kubeconfig {@code tokenFile} (read each time, so a rotated file is picked up) or from an exec
 * credential plugin ({@code client.authentication.k8s.io/v1} or {@code v1beta1}, e.g.
 * {@code aws eks get-token}), whose token is kept until its {@code expirationTimestamp} and then
 * fetched again. fabric8 itself runs exec plugins once and ignores the expiry and tokenFile,
 * and turns a failing plugin into a warning; these say what went wrong instead.
 */
final class TokenSources {
    private static final Logger LOG = LoggerFactory.getLogger(TokenSources.class);
    /** A token this close to its expiry is fetched again. */
    static final Duration EXPIRY_SKEW = Duration.ofSeconds(10);
    private static final Duration EXEC_TIMEOUT = Duration.ofSeconds(60);

    private TokenSources() {
    }

    /** A token read from a file on every request. */
    static OAuthTokenProvider tokenFile(Path file, String user, String origin) {
        return () -> {
            try {
                return Files.readString(file).trim();
            } catch (IOException e) {
                throw new ValenceException(ErrorKind.CONFIG, "tokenFile '" + file + "' of user '" + user + "' in " + origin
                        + " cannot be read (" + e + "); check the file exists and is readable", e);
            }
        };
    }

    /**
     * The exec plugin's command as a file: a path (relative ones against the kubeconfig's
     * directory) or a name found on PATH; empty when it is not there.
     */
    static Optional<Path> resolveCommand(String command, Path kubeconfigDir, String pathVariable) {
        if (command.contains("/")) {
            Path p = Path.of(command);
            if (!p.isAbsolute() && kubeconfigDir != null) {
                p = kubeconfigDir.resolve(p).normalize();
            }
            return Files.isExecutable(p) && !Files.isDirectory(p) ? Optional.of(p) : Optional.empty();
        }
        for (String dir : (pathVariable == null ? "" : pathVariable).split(File.pathSeparator)) {
            if (dir.isEmpty()) {
                continue;
            }
            Path p = Path.of(dir, command);
            if (Files.isExecutable(p) && !Files.isDirectory(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /** Exec credential plugin token source. */
    static final class Exec implements OAuthTokenProvider {
        private final ExecConfig exec;
        private final Path command;
        private final String user;
        private final String origin;
        private String token;
        private Instant expiry;

        Exec(ExecConfig exec, Path command, String user, String origin) {
            this.exec = exec;
            this.command = command;
            this.user = user;
            this.origin = origin;
        }

        @Override
        public synchronized String getToken() {
            Instant now = Instant.now();
            if (token != null && (expiry == null || now.isBefore(expiry.minus(EXPIRY_SKEW)))) {
                return token;
            }
            run();
            return token;
        }

        private void run() {
            List<String> argv = new ArrayList<>();
            argv.add(command.toString());
            if (exec.getArgs() != null) {
                argv.addAll(exec.getArgs());
            }
            ProcessBuilder pb = new ProcessBuilder(argv);
            Map<String, String> env = pb.environment();
            if (exec.getEnv() != null) {
                exec.getEnv().forEach(v -> env.put(v.getName(), v.getValue()));
            }
            env.put("KUBERNETES_EXEC_INFO", "{\"apiVersion\":\"" + exec.getApiVersion()
                    + "\",\"kind\":\"ExecCredential\",\"spec\":{\"interactive\":false}}");
            pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            String what = "exec credential plugin '" + String.join(" ", argv) + "' of user '" + user + "' in " + origin;
            String stdout;
            String stderr;
            int code;
            try {
                Process p = pb.start();
                CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
                stdout = read(p.getInputStream());
                if (!p.waitFor(EXEC_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new ValenceException(ErrorKind.PERMISSION, what + " did not finish within "
                            + EXEC_TIMEOUT.toSeconds() + " s; run it yourself to see what it waits for");
                }
                code = p.exitValue();
                stderr = err.join().trim();
            } catch (IOException e) {
                throw new ValenceException(ErrorKind.CONFIG, what + " cannot be started (" + e.getMessage() + ")"
                        + installHint(), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ValenceException(ErrorKind.PERMISSION, what + " was interrupted", e);
            }
            if (code != 0) {
                throw new ValenceException(ErrorKind.PERMISSION, what + " exited with code " + code
                        + (stderr.isEmpty() ? "" : ": " + stderr) + "; run it yourself to see why it cannot get credentials");
            }
            Map<String, Object> credential;
            try {
                credential = Serialization.unmarshal(stdout, Map.class);
            } catch (RuntimeException e) {
                throw new ValenceException(ErrorKind.PERMISSION, what + " did not print an ExecCredential as JSON ("
                        + e.getMessage() + ")", e);
            }
            Object apiVersion = credential == null ? null : credential.get("apiVersion");
            if (apiVersion != null && exec.getApiVersion() != null && !exec.getApiVersion().equals(apiVersion)) {
                throw new ValenceException(ErrorKind.CONFIG, what + " answered with apiVersion '" + apiVersion
                        + "' but the kubeconfig asks for '" + exec.getApiVersion() + "'; make them match");
            }
            Object status = credential == null ? null : credential.get("status");
            Object tok = status instanceof Map<?, ?> s ? s.get("token") : null;
            if (!(tok instanceof String t) || t.isBlank()) {
                throw new ValenceException(ErrorKind.PERMISSION, what + " printed no status.token (client "
                        + "certificates from exec plugins are not supported by cluster_client=fabric8)");
            }
            Object exp = ((Map<?, ?>) status).get("expirationTimestamp");
            Instant expiresAt = null;
            if (exp instanceof String e && !e.isBlank()) {
                try {
                    expiresAt = Instant.parse(e);
                } catch (DateTimeParseException ex) {
                    LOG.warn("{}: expirationTimestamp '{}' is not RFC 3339; the token is kept until a restart", what, e);
                }
            }
            token = t;
            expiry = expiresAt;
            LOG.debug("{} gave a token{}", what, expiresAt == null ? "" : " valid until " + expiresAt);
        }

        private String installHint() {
            String hint = exec.getInstallHint();
            return hint == null || hint.isBlank() ? "" : "; " + hint.trim();
        }

        private static String read(InputStream in) {
            try (in) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "";
            }
        }
    }
}
