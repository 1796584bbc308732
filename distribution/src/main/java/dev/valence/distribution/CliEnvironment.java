package dev.valence.distribution;

import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.Charset;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What the command line runs in: the environment variables, the home directory, the distribution's
 * home (where {@code plugins/} is), the output streams, and whether the output is a terminal (live
 * progress) or not (plain lines). Tests pass their own.
 */
public record CliEnvironment(Map<String, String> variables, Path home, Optional<Path> valenceHome, PrintWriter out,
                             PrintWriter err, boolean terminal) {

    /** Variable naming a plugins folder to use instead of the distribution's {@code plugins/}. */
    public static final String PLUGINS_DIR_ENV = "VALENCE_PLUGINS_DIR";
    /** System property the launcher sets to the distribution's directory. */
    public static final String HOME_PROPERTY = "valence.home";

    public CliEnvironment {
        variables = Map.copyOf(variables);
        Objects.requireNonNull(home, "home");
        Objects.requireNonNull(valenceHome, "valenceHome");
        Objects.requireNonNull(out, "out");
        Objects.requireNonNull(err, "err");
    }

    /** This process: its environment, {@code user.home}, {@code valence.home}, stdout/stderr and console. */
    public static CliEnvironment system() {
        String home = System.getProperty(HOME_PROPERTY);
        Charset charset = System.console() != null ? System.console().charset() : Charset.defaultCharset();
        return new CliEnvironment(System.getenv(), Path.of(System.getProperty("user.home")),
                Optional.ofNullable(home).filter(h -> !h.isBlank()).map(Path::of),
                new PrintWriter(new OutputStreamWriter(System.out, charset), true),
                new PrintWriter(new OutputStreamWriter(System.err, charset), true),
                System.console() != null);
    }

    /** The plugins folder: {@value #PLUGINS_DIR_ENV}, else {@code <valence.home>/plugins}, else none. */
    public Optional<Path> pluginsDir() {
        String fromEnv = variables.get(PLUGINS_DIR_ENV);
        if (fromEnv != null && !fromEnv.isBlank()) {
            return Optional.of(Path.of(fromEnv.trim()));
        }
        return valenceHome.map(h -> h.resolve("plugins"));
    }
}
