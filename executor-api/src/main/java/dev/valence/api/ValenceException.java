package dev.valence.api;

import java.util.Objects;

/** The one unchecked exception Valence throws; {@link #kind()} says what failed. */
public class ValenceException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final ErrorKind kind;

    /** An error of the given kind with a message that says what failed, the value involved and what to do. */
    public ValenceException(ErrorKind kind, String message) {
        super(message);
        this.kind = Objects.requireNonNull(kind, "kind");
    }

    /** An error of the given kind caused by another exception. */
    public ValenceException(ErrorKind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = Objects.requireNonNull(kind, "kind");
    }

    /** What kind of thing went wrong. */
    public ErrorKind kind() {
        return kind;
    }

    /** A {@link ErrorKind#CONFIG} error in the standard shape: the setting, its value, what is accepted. */
    public static ValenceException config(String key, Object value, String accepted) {
        return new ValenceException(ErrorKind.CONFIG,
                key + " '" + value + "' is not valid: " + accepted);
    }

    /** A {@link ErrorKind#UNSUPPORTED} error for a part that is not built yet. */
    public static ValenceException notBuiltYet(String what) {
        return new ValenceException(ErrorKind.UNSUPPORTED, what + " is not built yet");
    }

    @Override
    public String toString() {
        return getClass().getName() + "[" + kind + "]: " + getMessage();
    }
}
