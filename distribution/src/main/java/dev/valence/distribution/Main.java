package dev.valence.distribution;

/** Entry point of {@code bin/valence}. */
public final class Main {
    private Main() {
    }

    /** Runs the command line and exits with its code. */
    public static void main(String[] args) {
        Logging.configure(args, System.console() != null);
        System.exit(ValenceCli.execute(CliEnvironment.system(), args));
    }
}
