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

    /**
     * Rebuilds a task's exception from its recorded value (type, message, frames, causes), e.g. for a
     * dispatch read back from its record in another process.
     */
    public RemoteTaskException(TaskError error) {
        super(ErrorKind.TASK_FAILED, error.summary(), error.cause().map(RemoteTaskException::new).orElse(null));
        this.remoteType = error.type();
        setStackTrace(error.frames().stream().map(RemoteTaskException::frame).toArray(StackTraceElement[]::new));
    }

    /**
     * A frame as {@link StackTraceElement#toString()} printed it: {@code [loader/][module[@version]/]
     * class.method(source)}, source being {@code File.java:12}, {@code File.java}, {@code Native Method}
     * or {@code Unknown Source}. Text of another shape is kept whole as the class name.
     */
    static StackTraceElement frame(String text) {
        int open = text.lastIndexOf('(');
        int dot = open < 0 ? -1 : text.lastIndexOf('.', open);
        if (open < 0 || dot < 0 || !text.endsWith(")")) {
            return new StackTraceElement(text, "", null, -1);
        }
        String[] where = text.substring(0, dot).split("/", -1);
        String declaringClass = where[where.length - 1];
        String loader = where.length == 3 ? emptyToNull(where[0]) : null;
        String module = where.length >= 2 ? emptyToNull(where[where.length - 2]) : null;
        String version = null;
        if (module != null && module.contains("@")) {
            version = module.substring(module.indexOf('@') + 1);
            module = module.substring(0, module.indexOf('@'));
        }
        String method = text.substring(dot + 1, open);
        String source = text.substring(open + 1, text.length() - 1);
        String file = null;
        int line = -1;
        if (source.equals("Native Method")) {
            line = -2;
        } else if (!source.equals("Unknown Source")) {
            int colon = source.lastIndexOf(':');
            if (colon > 0 && source.substring(colon + 1).matches("\\d+")) {
                file = source.substring(0, colon);
                line = Integer.parseInt(source.substring(colon + 1));
            } else {
                file = source;
            }
        }
        return new StackTraceElement(loader, module, version, declaringClass, method, file, line);
    }

    private static String emptyToNull(String s) {
        return s.isEmpty() ? null : s;
    }

    /** The class name of the task's original exception. */
    public String remoteType() {
        return remoteType;
    }
}
