package dev.valence.distribution;

import com.google.inject.Guice;
import com.google.inject.Injector;
import dev.valence.api.ValenceException;
import java.io.PrintWriter;
import picocli.CommandLine;

/**
 * The composition root: wires settings, plugins, the dispatcher and the executors with Guice, then
 * runs one {@code valence} command and closes what it opened.
 */
public final class ValenceCli {
    private ValenceCli() {
    }

    /** Runs the command line {@code args} in {@code env}; returns the exit code (0 ok, 1 failed, 2 usage). */
    public static int execute(CliEnvironment env, String... args) {
        GlobalOptions options = new GlobalOptions();
        Injector injector = Guice.createInjector(new CliModule(env, options), new PluginsModule(),
                new SettingsModule(), new DispatcherModule(), new AdaptersModule(), new ExecutorsModule());
        try (Closer closer = injector.getInstance(Closer.class)) {
            CommandLine cli = new CommandLine(ValenceCommand.class, new GuiceFactory(injector));
            cli.setOut(env.out());
            cli.setErr(env.err());
            cli.setCaseInsensitiveEnumValuesAllowed(true);
            cli.setParameterExceptionHandler(ValenceCli::usageError);
            cli.setExecutionExceptionHandler((e, line, parsed) -> failure(e, line, options));
            return cli.execute(args);
        } finally {
            env.out().flush();
            env.err().flush();
        }
    }

    private static int usageError(CommandLine.ParameterException e, String[] args) {
        CommandLine line = e.getCommandLine();
        PrintWriter err = line.getErr();
        // picocli says "Value for option option '--set' ..." of a map option's bad entry
        err.println("valence: " + String.valueOf(e.getMessage()).replace("option option '", "option '"));
        CommandLine.UnmatchedArgumentException.printSuggestions(e, err);
        err.println("Run '" + line.getCommandSpec().qualifiedName() + " --help' for usage.");
        err.flush();
        return Failures.USAGE;
    }

    private static int failure(Exception e, CommandLine line, GlobalOptions options) {
        Throwable cause = Failures.unwrap(e);
        if (cause instanceof CommandLine.ParameterException pe) {
            return usageError(pe, new String[0]);
        }
        PrintWriter err = line.getErr();
        err.println("valence: " + Failures.message(cause));
        if (options.verbose) {
            cause.printStackTrace(err);
        } else if (!(cause instanceof ValenceException)) {
            err.println("(run with --verbose for the stack trace)");
        }
        err.flush();
        return Failures.exitCode(cause);
    }
}
