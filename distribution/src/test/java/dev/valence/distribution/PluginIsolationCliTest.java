package dev.valence.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.valence.spi.CredentialProviderFactory;
import dev.valence.tck.FixtureJars;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Plugins of the plugins folder in one CLI run, each on its own class loader: two that need conflicting
 * versions of one library both work, and a plugin sees none of the CLI's own libraries.
 */
class PluginIsolationCliTest {
    static final String LIB = "com.example.lib.Greeting";
    /** Classes of the CLI's class path (its lib/) that a plugin must not see. */
    static final List<String> CLI_CLASSES = List.of("org.tomlj.Toml", "com.google.inject.Guice", "picocli.CommandLine",
            "dev.valence.core.Launcher", "dev.valence.distribution.Main", "com.fasterxml.jackson.databind.ObjectMapper");

    @TempDir
    Path home;
    @TempDir
    Path work;

    /** A credential provider plugin whose name is {@code prefix} plus what {@code nameExpression} gives. */
    static Path plugin(Path jar, String pkg, String nameExpression, List<Path> classpath) {
        String source = """
                package %s;

                import dev.valence.api.Settings;
                import dev.valence.spi.*;
                import java.util.*;

                public final class Factory implements CredentialProviderFactory {
                    public String name() { return %s; }
                    public CredentialProvider create(Settings s) {
                        return new CredentialProvider() {
                            public Optional<Credentials> credentialsFor(String host) { return Optional.empty(); }
                            public String description() { return name(); }
                        };
                    }
                    static String visible(String... names) {
                        List<String> seen = new ArrayList<>();
                        for (String n : names) {
                            try { Class.forName(n, false, Factory.class.getClassLoader()); seen.add(n); }
                            catch (ClassNotFoundException e) { }
                        }
                        return seen.isEmpty() ? "none" : String.join(",", seen);
                    }
                }
                """.formatted(pkg, nameExpression);
        return FixtureJars.build(jar, Map.of(pkg + ".Factory", source), classpath,
                FixtureJars.services(CredentialProviderFactory.class, pkg + ".Factory"));
    }

    @Test
    void twoPluginsNeedingConflictingVersionsOfOneLibraryBothWorkInOneRun() throws Exception {
        Path plugins = Files.createDirectories(work.resolve("plugins"));
        Path v1 = FixtureJars.versionedLibrary(plugins.resolve("alpha/greeting-1.0.jar"), LIB, "1.0");
        plugin(plugins.resolve("alpha/alpha.jar"), "com.example.alpha", "\"alpha-on-\" + " + LIB + ".version()", List.of(v1));
        Path v2 = FixtureJars.versionedLibrary(plugins.resolve("beta/greeting-2.0.jar"), LIB, "2.0");
        plugin(plugins.resolve("beta/beta.jar"), "com.example.beta", "\"beta-on-\" + " + LIB + ".version()", List.of(v2));
        // a loose jar is a plugin too, on its own loader: it names which of the CLI's classes it can load
        String probe = "\"probe-sees-\" + visible(" + String.join(", ", CLI_CLASSES.stream().map(c -> "\"" + c + "\"").toList())
                + ")";
        plugin(plugins.resolve("probe.jar"), "com.example.probe", probe, List.of());

        CliFixture cli = new CliFixture(home);
        cli.env.put(CliEnvironment.PLUGINS_DIR_ENV, plugins.toString());
        CliFixture.Result r = cli.run("plugins");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().lines().anyMatch(l -> l.contains(" alpha-on-1.0 ") && l.contains(" plugins ")), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.contains(" beta-on-2.0 ") && l.contains(" plugins ")), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.contains(" probe-sees-none ")), r.out());
        assertTrue(!r.out().contains("problem:"), r.out());

        // the CLI itself sees them (the probe's list is not empty by construction)
        for (String c : CLI_CLASSES) {
            Class.forName(c, false, getClass().getClassLoader());
        }
    }
}
