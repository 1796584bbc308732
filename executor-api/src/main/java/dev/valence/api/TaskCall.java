package dev.valence.api;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;

/** One invocation of a task: which function, with which arguments, under which dispatch and node ids. */
public final class TaskCall {
    private static final SecureRandom RANDOM = new SecureRandom();

    private final String dispatchId;
    private final String nodeId;
    private final String taskName;
    private final TaskBody body;
    private final List<Object> args;
    private final boolean rerun;
    private final TaskOptions options;
    private final int attempt;
    private final boolean map;

    /** The most elements one map call takes: the Indexed Job's {@code completions} limit with per-index retries. */
    public static final int MAX_MAP_ELEMENTS = 100_000;

    private TaskCall(Builder b) {
        this.dispatchId = b.dispatchId != null ? b.dispatchId : newDispatchId();
        this.taskName = require(b.taskName, "taskName");
        this.nodeId = b.nodeId != null ? b.nodeId : taskName;
        this.body = Objects.requireNonNull(b.body, "body");
        this.args = Collections.unmodifiableList(new ArrayList<>(b.args));
        this.rerun = b.rerun;
        this.options = Objects.requireNonNull(b.options, "options");
        if (b.attempt < 1) {
            throw new ValenceException(ErrorKind.WORKFLOW, "TaskCall.attempt must be 1 or more, was " + b.attempt);
        }
        this.attempt = b.attempt;
        this.map = b.map;
        if (map) {
            if (args.size() != 1 || !(args.get(0) instanceof List<?> elements)) {
                throw new ValenceException(ErrorKind.WORKFLOW, "task '" + taskName + "' was mapped over "
                        + (args.size() == 1 ? describe(args.get(0)) : args.size() + " arguments")
                        + ", not a list: map takes one List of the task's argument");
            }
            if (elements.size() > MAX_MAP_ELEMENTS) {
                throw new ValenceException(ErrorKind.WORKFLOW, "task '" + taskName + "' was mapped over "
                        + elements.size() + " elements, more than the limit of " + MAX_MAP_ELEMENTS
                        + " per map (an Indexed Job's completions with per-index retries); split the list into "
                        + "several maps of at most " + MAX_MAP_ELEMENTS);
            }
        }
    }

    private static String describe(Object value) {
        return value == null ? "null" : "a " + value.getClass().getName();
    }

    /** True for a map call: {@code args} is one list, and the function runs once per element of it. */
    public boolean map() {
        return map;
    }

    /** The elements of a map call, in order (each is the function's one argument); empty for a plain call. */
    public List<?> elements() {
        return map ? (List<?>) args.get(0) : List.of();
    }

    /** A fresh, random dispatch id (12 lowercase hex characters). */
    public static String newDispatchId() {
        byte[] bytes = new byte[6];
        RANDOM.nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    /** A new builder. */
    public static Builder builder() {
        return new Builder();
    }

    /** The dispatch (workflow run) this call belongs to; a standalone call gets a random one. */
    public String dispatchId() {
        return dispatchId;
    }

    /** The node id, unique within the dispatch; defaults to the task name. */
    public String nodeId() {
        return nodeId;
    }

    /** The task's name. */
    public String taskName() {
        return taskName;
    }

    /** The function to run. */
    public TaskBody body() {
        return body;
    }

    /** The argument values (may contain nulls). */
    public List<Object> args() {
        return args;
    }

    /**
     * Whether this node ran before in its dispatch and failed (a resumed dispatch runs it again): an
     * executor then starts it afresh instead of re-attaching to what that run left.
     */
    public boolean rerun() {
        return rerun;
    }

    /** The settings this call overrides (an executor applies them over its own) and its retry policy. */
    public TaskOptions options() {
        return options;
    }

    /** Which try of the node this is: 1, then 2 and on for client-side retries (each starts afresh). */
    public int attempt() {
        return attempt;
    }

    private static String require(String value, String field) {
        if (value == null || value.isBlank()) {
            throw new ValenceException(ErrorKind.WORKFLOW, "TaskCall." + field + " must be set and not blank");
        }
        return value;
    }

    @Override
    public String toString() {
        return "TaskCall[" + taskName + " " + dispatchId + "/" + nodeId + ", " + args.size() + " args"
                + (map ? ", map of " + elements().size() : "") + (rerun ? ", rerun" : "") + (attempt > 1 ? ", attempt " + attempt : "")
                + (options.isEmpty() ? "" : ", overrides " + options.settings().keySet()) + "]";
    }

    /** Builds a {@link TaskCall}. */
    public static final class Builder {
        private String dispatchId;
        private String nodeId;
        private String taskName;
        private TaskBody body;
        private final List<Object> args = new ArrayList<>();
        private boolean rerun;
        private TaskOptions options = TaskOptions.NONE;
        private int attempt = 1;
        private boolean map;

        private Builder() {
        }

        /** The dispatch id; a random one when not set. */
        public Builder dispatchId(String dispatchId) {
            this.dispatchId = dispatchId;
            return this;
        }

        /** The node id; the task name when not set. */
        public Builder nodeId(String nodeId) {
            this.nodeId = nodeId;
            return this;
        }

        /** The task's name (required). */
        public Builder taskName(String taskName) {
            this.taskName = taskName;
            return this;
        }

        /** The function (required). */
        public Builder body(TaskBody body) {
            this.body = body;
            return this;
        }

        /** The arguments, replacing any set before. */
        public Builder args(List<?> args) {
            this.args.clear();
            this.args.addAll(args);
            return this;
        }

        /** Marks a node that ran before and failed, to be started afresh (see {@link TaskCall#rerun()}). */
        public Builder rerun(boolean rerun) {
            this.rerun = rerun;
            return this;
        }

        /** The task's overrides and retry policy; none when not set. */
        public Builder options(TaskOptions options) {
            this.options = options;
            return this;
        }

        /** Which try this is (1 when not set). */
        public Builder attempt(int attempt) {
            this.attempt = attempt;
            return this;
        }

        /** Makes it a map call: {@code args} is then one list, whose elements the function runs on one by one. */
        public Builder map(boolean map) {
            this.map = map;
            return this;
        }

        /** Builds the call; fails with the field name when a required one is missing. */
        public TaskCall build() {
            return new TaskCall(this);
        }
    }
}
