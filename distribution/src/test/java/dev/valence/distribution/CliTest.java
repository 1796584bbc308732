package dev.valence.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line as a whole: help, version, completion, and what bad input gets. */
class CliTest {
    @TempDir
    Path home;

    CliFixture cli;

    @BeforeEach
    void setUp() {
        cli = new CliFixture(home);
    }

    @Test
    void helpListsEveryCommandAndTheExitCodes() {
        CliFixture.Result r = cli.run("--help");
        assertEquals(0, r.code(), r.toString());
        for (String command : new String[] {"run", "doctor", "render", "config", "jobs", "dispatches", "plugins",
                "completion"}) {
            assertTrue(r.out().lines().anyMatch(l -> l.startsWith("  " + command + " ")), command + " in\n" + r.out());
        }
        assertTrue(r.out().contains("--config=FILE"), r.out());
        assertTrue(r.out().contains("Exit codes: 0 ok, 1 a task or check failed, 2 a usage or configuration error."));
    }

    @Test
    void noCommandPrintsTheUsage() {
        CliFixture.Result r = cli.run();
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().startsWith("Usage: valence"), r.out());
    }

    @Test
    void subcommandHelpExplainsTheWorkflowConvention() {
        CliFixture.Result r = cli.run("run", "--help");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains(WorkflowClasses.NAMED_CONVENTION), r.out());
        assertTrue(r.out().contains(WorkflowClasses.PAIR_CONVENTION), r.out());
        assertTrue(r.out().contains("VALENCE_CLASSPATH"), r.out());
        CliFixture.Result logs = cli.run("jobs", "logs", "--help");
        assertTrue(logs.out().contains("polls the log"), logs.out());
    }

    @Test
    void versionNamesValenceAndJava() {
        CliFixture.Result r = cli.run("--version");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().startsWith("valence " + VersionProvider.version() + "\n"), r.out());
        assertTrue(r.out().contains("Java " + System.getProperty("java.version")), r.out());
    }

    @Test
    void completionPrintsABashScriptWithTheCommands() {
        CliFixture.Result r = cli.run("completion");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("complete -F _complete_valence"), r.out().lines().limit(20).toList().toString());
        assertTrue(r.out().contains("dispatches") && r.out().contains("doctor"), "subcommands in the script");
    }

    @Test
    void anUnknownCommandIsAUsageErrorWithASuggestion() {
        CliFixture.Result r = cli.run("doctr");
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("Unmatched argument at index 0: 'doctr'"), r.err());
        assertTrue(r.err().contains("Did you mean: valence doctor"), r.err());
        assertTrue(r.err().contains("Run 'valence --help' for usage."), r.err());
    }

    @Test
    void anUnknownOptionIsAUsageError() {
        CliFixture.Result r = cli.run("plugins", "--colour");
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("Unknown option: '--colour'"), r.err());
        assertTrue(r.err().contains("Run 'valence plugins --help' for usage."), r.err());
    }

    @Test
    void aBadOutputFormatNamesTheAcceptedOnes() {
        CliFixture.Result r = cli.run("dispatches", "--output", "xml");
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("--output") && r.err().contains("[text, wide, json, yaml]") && r.err().contains("'xml'"),
                r.err());
    }

    @Test
    void aMissingConfigFileIsAConfigurationError() {
        Path missing = home.resolve("nope.toml");
        CliFixture.Result r = cli.run("config", "--config", missing.toString());
        assertEquals(2, r.code(), r.toString());
        assertEquals("valence: config file '" + missing + "' (from --config) does not exist; give the path of a TOML "
                + "file with an [executors.k8s] table\n", r.err());
    }

    @Test
    void aBadSettingIsAConfigurationErrorNamingKeyValueAndSource() {
        CliFixture.Result r = cli.run("config", "--set", "vcpu=lots");
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().startsWith("valence: vcpu 'lots' (from --set) is not valid: expected a Kubernetes "
                + "quantity"), r.err());
    }

    @Test
    void optionsOfEveryCommandMayComeBeforeOrAfterIt() {
        CliFixture.Result before = cli.run("--set", "vcpu=3", "config");
        CliFixture.Result after = cli.run("config", "--set", "vcpu=3");
        assertEquals(0, before.code(), before.toString());
        assertEquals(before.out(), after.out());
        assertTrue(before.out().lines().anyMatch(l -> l.matches("vcpu\\s+= 3\\s+# flag --set")), before.out());
    }

    @Test
    void aSetValueWithoutEqualsSaysTheFormatOnce() {
        CliFixture.Result r = cli.run("config", "--set", "vcpu");
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().startsWith("valence: Value for option '--set' (KEY=VALUE) should be in KEY=VALUE format but "
                + "was vcpu\n"), r.err());
    }
}
