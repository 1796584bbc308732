package dev.valence.api;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A failed node's exception as a value: its type, message, stack frames (the remote ones, for a task
 * that threw in a pod) and its cause chain. Kept in {@link NodeResult} and in the dispatch record, so
 * a process that did not run the dispatch still sees what the task threw and where.
 */
public final class TaskError {
    /** How deep a cause chain is kept; deeper causes are left out (a cycle ends here too). */
    public static final int MAX_CAUSES = 16;

    private final String type;
    private final String message;
    private final List<String> frames;
    private final Optional<TaskError> cause;

    private TaskError(Builder b) {
        this.type = b.type;
        this.message = b.message;
        this.frames = List.copyOf(b.frames);
        this.cause = b.cause;
    }

    /** A builder; {@code type} is required. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The value of {@code error} and its causes. A {@link RemoteTaskException} gives the type of the
     * task's original exception; frames are as the JVM prints them ({@code StackTraceElement.toString()}).
     */
    public static TaskError of(Throwable error) {
        Objects.requireNonNull(error, "error");
        List<Throwable> chain = new ArrayList<>();
        Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Throwable t = error; t != null && seen.add(t) && chain.size() < MAX_CAUSES; t = t.getCause()) {
            chain.add(t);
        }
        TaskError built = null;
        for (int i = chain.size() - 1; i >= 0; i--) {
            Throwable t = chain.get(i);
            List<String> frames = new ArrayList<>();
            for (StackTraceElement e : t.getStackTrace()) {
                frames.add(e.toString());
            }
            built = builder().type(t instanceof RemoteTaskException r ? r.remoteType() : t.getClass().getName())
                    .message(messageOf(t)).frames(frames).cause(built).build();
        }
        return built;
    }

    private static String messageOf(Throwable t) {
        if (t instanceof RemoteTaskException r) {
            // its message is "<type>: <message>"; keep the original message only
            String m = r.getMessage();
            return m.startsWith(r.remoteType() + ": ") ? m.substring(r.remoteType().length() + 2)
                    : m.equals(r.remoteType()) ? "" : m;
        }
        return t.getMessage() == null ? "" : t.getMessage();
    }

    /** The class name of the exception (the task's original class for a remote one). */
    public String type() {
        return type;
    }

    /** Its message; empty when it had none. */
    public String message() {
        return message;
    }

    /** Its stack frames, innermost first, as the JVM prints them (without the leading {@code at }). */
    public List<String> frames() {
        return frames;
    }

    /** The exception that caused it, if any. */
    public Optional<TaskError> cause() {
        return cause;
    }

    /** {@code type: message}, as {@link Throwable#toString()} prints an exception. */
    public String summary() {
        return message.isEmpty() ? type : type + ": " + message;
    }

    /**
     * The trace as {@link Throwable#printStackTrace()} prints it, one line per element, with at most
     * {@code framesEach} frames of each exception in the chain (the rest counted in a {@code ... n more}
     * line); {@link Integer#MAX_VALUE} prints every frame.
     */
    public List<String> trace(int framesEach) {
        if (framesEach < 0) {
            throw new IllegalArgumentException("framesEach must be 0 or more, was " + framesEach);
        }
        List<String> lines = new ArrayList<>();
        TaskError e = this;
        String prefix = "";
        while (e != null) {
            List<String> summaryLines = e.summary().lines().toList();
            lines.add(prefix + (summaryLines.isEmpty() ? e.type : summaryLines.get(0)));
            lines.addAll(summaryLines.subList(Math.min(1, summaryLines.size()), summaryLines.size()));
            int shown = Math.min(framesEach, e.frames.size());
            for (int i = 0; i < shown; i++) {
                lines.add("\tat " + e.frames.get(i));
            }
            if (shown < e.frames.size()) {
                lines.add("\t... " + (e.frames.size() - shown) + " more");
            }
            e = e.cause.orElse(null);
            prefix = "Caused by: ";
        }
        return lines;
    }

    /** The whole chain, outermost first. */
    public List<TaskError> chain() {
        List<TaskError> out = new ArrayList<>();
        for (TaskError e = this; e != null; e = e.cause.orElse(null)) {
            out.add(e);
        }
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TaskError t && type.equals(t.type) && message.equals(t.message) && frames.equals(t.frames)
                && cause.equals(t.cause);
    }

    @Override
    public int hashCode() {
        return Objects.hash(type, message, frames, cause);
    }

    @Override
    public String toString() {
        return summary();
    }

    /** Builds a {@link TaskError}; {@code build()} checks the type is set. */
    public static final class Builder {
        private String type;
        private String message = "";
        private List<String> frames = List.of();
        private Optional<TaskError> cause = Optional.empty();

        private Builder() {
        }

        /** The exception's class name. */
        public Builder type(String type) {
            this.type = type;
            return this;
        }

        /** Its message ({@code null} is taken as none). */
        public Builder message(String message) {
            this.message = message == null ? "" : message;
            return this;
        }

        /** Its frames, innermost first, as {@code StackTraceElement.toString()} prints them. */
        public Builder frames(List<String> frames) {
            this.frames = List.copyOf(frames);
            return this;
        }

        /** Its cause ({@code null} for none). */
        public Builder cause(TaskError cause) {
            this.cause = Optional.ofNullable(cause);
            return this;
        }

        /** The value; throws when the type is missing. */
        public TaskError build() {
            if (type == null || type.isBlank()) {
                throw new ValenceException(ErrorKind.INTERNAL, "TaskError.type must be set and not blank");
            }
            return new TaskError(this);
        }
    }
}
