package dev.valence.api;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * One node of a dispatch as it stands: task, status, where it ran (executor, Job), when, and why it
 * failed — {@code error} in one line, {@code exception} the exception the node failed with (type,
 * message, remote stack trace, causes) when there was one.
 */
public record NodeResult(String nodeId, String taskName, TaskStatus status, String executor, Optional<String> jobName,
                         Optional<Instant> startedAt, Optional<Instant> finishedAt, Optional<String> error,
                         List<String> dependsOn, Optional<TaskError> exception) {
    public NodeResult {
        dependsOn = List.copyOf(dependsOn);
    }
}
