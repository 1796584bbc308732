package dev.valence.api;

/**
 * Stands in for a task's exception that could not travel back as itself (its class was not
 * serializable): keeps the original type name, message and remote stack trace.
 */
public final class RemoteTaskException extends ValenceException {
    private static final long serialVersionUID = 1L;

    private final String remoteType;

    /** Copies type, message and stack trace (and, recursively, the cause) of {@code original}. */
    public RemoteTaskException(Throwable original) {
        super(ErrorKind.TASK_FAILED, original.getClass().getName()
                + (original.getMessage() == null ? "" : ": " + original.getMessage()),
                original.getCause() == null || original.getCause() == original ? null
                        : new RemoteTaskException(original.getCause()));
        this.remoteType = original.getClass().getName();
        setStackTrace(original.getStackTrace());
    }

    /** The class name of the task's original exception. */
    public String remoteType() {
        return remoteType;
    }
}
