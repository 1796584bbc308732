package dev.valence.api;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One node of a dispatch as it stands: task (or sub-workflow), status, value, where it ran (executor,
 * Job), when, every attempt, and why it failed — {@code error} in one line, {@code exception} the
 * exception the node failed with (type, message, remote stack trace, causes) when there was one.
 * {@code parent} is the sub-workflow node it is nested in; {@code reusedFrom} the dispatch whose output
 * a redispatch took instead of running it again.
 */
public record NodeResult(String nodeId, String taskName, TaskStatus status, String executor, Optional<String> jobName,
                         Optional<Instant> startedAt, Optional<Instant> finishedAt, Optional<String> error,
                         List<String> dependsOn, Optional<TaskError> exception, Optional<Object> value,
                         List<Attempt> attempts, Optional<String> parent, boolean workflow,
                         Optional<String> reusedFrom) {
    public NodeResult {
        Objects.requireNonNull(nodeId, "nodeId");
        Objects.requireNonNull(status, "status");
        dependsOn = List.copyOf(dependsOn);
        attempts = List.copyOf(attempts);
    }

    /** A new builder. */
    public static Builder builder() {
        return new Builder();
    }

    /** Builds a {@link NodeResult}; only {@code nodeId}, {@code taskName} and {@code status} are required. */
    public static final class Builder {
        private String nodeId;
        private String taskName;
        private TaskStatus status;
        private String executor = "";
        private String jobName;
        private Instant startedAt;
        private Instant finishedAt;
        private String error;
        private List<String> dependsOn = List.of();
        private TaskError exception;
        private Optional<Object> value = Optional.empty();
        private List<Attempt> attempts = List.of();
        private String parent;
        private boolean workflow;
        private String reusedFrom;

        private Builder() {
        }

        /** The node id (required). */
        public Builder nodeId(String v) {
            nodeId = v;
            return this;
        }

        /** The task's (or sub-workflow's) name (required). */
        public Builder taskName(String v) {
            taskName = v;
            return this;
        }

        /** The status (required). */
        public Builder status(TaskStatus v) {
            status = v;
            return this;
        }

        /** The executor's name. */
        public Builder executor(String v) {
            executor = v == null ? "" : v;
            return this;
        }

        /** The Job of the last attempt, or {@code null}. */
        public Builder jobName(String v) {
            jobName = v;
            return this;
        }

        /** When the first attempt started, or {@code null}. */
        public Builder startedAt(Instant v) {
            startedAt = v;
            return this;
        }

        /** When the node finished, or {@code null}. */
        public Builder finishedAt(Instant v) {
            finishedAt = v;
            return this;
        }

        /** Why it failed, in one line, or {@code null}. */
        public Builder error(String v) {
            error = v;
            return this;
        }

        /** The nodes it waited for. */
        public Builder dependsOn(List<String> v) {
            dependsOn = v;
            return this;
        }

        /** The exception it failed with, or {@code null}. */
        public Builder exception(TaskError v) {
            exception = v;
            return this;
        }

        /** Its value, when it completed and the value is at hand (empty for a null value too). */
        public Builder value(Optional<Object> v) {
            value = Objects.requireNonNull(v, "value");
            return this;
        }

        /** Its attempts, first to last. */
        public Builder attempts(List<Attempt> v) {
            attempts = v;
            return this;
        }

        /** The sub-workflow node it is nested in, or {@code null}. */
        public Builder parent(String v) {
            parent = v;
            return this;
        }

        /** True for the node of a sub-workflow. */
        public Builder workflow(boolean v) {
            workflow = v;
            return this;
        }

        /** The dispatch whose output it reused, or {@code null}. */
        public Builder reusedFrom(String v) {
            reusedFrom = v;
            return this;
        }

        /** Builds the result; fails with the field name when a required one is missing. */
        public NodeResult build() {
            if (taskName == null) {
                throw new ValenceException(ErrorKind.INTERNAL, "NodeResult.taskName must be set");
            }
            return new NodeResult(nodeId, taskName, status, executor, Optional.ofNullable(jobName),
                    Optional.ofNullable(startedAt), Optional.ofNullable(finishedAt), Optional.ofNullable(error), dependsOn,
                    Optional.ofNullable(exception), value, attempts, Optional.ofNullable(parent), workflow,
                    Optional.ofNullable(reusedFrom));
        }
    }
}
