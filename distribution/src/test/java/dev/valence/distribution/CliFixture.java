package dev.valence.distribution;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Runs the CLI in this JVM with a captured stdout and stderr, a home directory of its own and an
 * environment of its own (no variable of the build leaks in).
 */
final class CliFixture {
    /** What one invocation printed and returned. */
    record Result(int code, String out, String err) {
        String all() {
            return out + err;
        }

        @Override
        public String toString() {
            return "exit " + code + "\n--- out\n" + out + "--- err\n" + err;
        }
    }

    final Path home;
    final Map<String, String> env = new HashMap<>();
    Optional<Path> valenceHome = Optional.empty();
    boolean terminal;

    CliFixture(Path home) {
        this.home = home;
    }

    /** Writes a kubeconfig with one context {@code ctx} (namespace {@code ns}) for {@code server}; returns it. */
    Path kubeconfig(String fileName, String server, String context, String namespace) {
        String yaml = """
                apiVersion: v1
                kind: Config
                clusters:
                - name: c
                  cluster:
                    server: %s
                users:
                - name: u
                  user: {}
                contexts:
                - name: %s
                  context:
                    cluster: c
                    user: u
                    namespace: %s
                current-context: %s
                """.formatted(server, context, namespace, context);
        return write(fileName, yaml);
    }

    /** Writes a file under the home directory; returns it. */
    Path write(String relative, String text) {
        try {
            Path p = home.resolve(relative);
            Files.createDirectories(p.getParent());
            Files.writeString(p, text);
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A command running in the background; {@link #out()} is what it printed so far. */
    record Running(java.util.concurrent.CompletableFuture<Result> result, StringWriter outSoFar) {
        String out() {
            synchronized (outSoFar.getBuffer()) {
                return outSoFar.toString();
            }
        }
    }

    /** Starts a command on another thread (for {@code jobs logs -f}). */
    Running start(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CliEnvironment environment = new CliEnvironment(env, home, valenceHome, new PrintWriter(out, true),
                new PrintWriter(err, true), terminal);
        java.util.concurrent.CompletableFuture<Result> f = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            int code = ValenceCli.execute(environment, args);
            return new Result(code, out.toString(), err.toString());
        });
        return new Running(f, out);
    }

    Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CliEnvironment environment = new CliEnvironment(env, home, valenceHome, new PrintWriter(out, true),
                new PrintWriter(err, true), terminal);
        int code = ValenceCli.execute(environment, args);
        return new Result(code, out.toString(), err.toString());
    }
}
