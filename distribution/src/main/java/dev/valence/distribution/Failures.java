package dev.valence.distribution;

import com.google.inject.ProvisionException;
import dev.valence.api.ErrorKind;
import dev.valence.api.ValenceException;
import java.lang.reflect.InvocationTargetException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import picocli.CommandLine;

/** How errors become messages and exit codes: 0 ok, 1 a task or check failed, 2 usage or configuration error. */
final class Failures {
    /** A command line or settings mistake. */
    static final int USAGE = CommandLine.ExitCode.USAGE;
    /** Something failed at run time (a task, a check, the cluster). */
    static final int FAILED = CommandLine.ExitCode.SOFTWARE;

    private Failures() {
    }

    /** The error under Guice's and the JDK's wrappers. */
    static Throwable unwrap(Throwable t) {
        Throwable cur = t;
        while (cur.getCause() != null && cur.getCause() != cur && (cur instanceof ProvisionException
                || cur instanceof CompletionException || cur instanceof ExecutionException
                || cur instanceof InvocationTargetException || cur instanceof CommandLine.ExecutionException)) {
            cur = cur.getCause();
        }
        return cur;
    }

    /** Calls {@code action}, rethrowing the error it was wrapped around. */
    static <T> T unwrapped(java.util.function.Supplier<T> action) {
        try {
            return action.get();
        } catch (RuntimeException e) {
            Throwable cause = unwrap(e);
            if (cause instanceof RuntimeException r) {
                throw r;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw new ValenceException(ErrorKind.INTERNAL, String.valueOf(cause.getMessage()), cause);
        }
    }

    /** The message a user sees for an error. */
    static String message(Throwable t) {
        Throwable cause = unwrap(t);
        if (cause instanceof ValenceException v) {
            return v.getMessage();
        }
        return cause.getMessage() == null ? cause.toString() : cause.getClass().getSimpleName() + ": " + cause.getMessage();
    }

    /** Whether the error is a part that is not built yet (or a port method an adapter does not offer). */
    static boolean unsupported(Throwable t) {
        return unwrap(t) instanceof ValenceException v && v.kind() == ErrorKind.UNSUPPORTED;
    }

    /** The exit code for an error. */
    static int exitCode(Throwable t) {
        Throwable cause = unwrap(t);
        if (cause instanceof CommandLine.ParameterException) {
            return USAGE;
        }
        if (cause instanceof ValenceException v && (v.kind() == ErrorKind.CONFIG || v.kind() == ErrorKind.PLUGIN)) {
            return USAGE;
        }
        return FAILED;
    }
}
