package dev.valence.api;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A dispatch as it stands: the workflow's status and value, and every node's status. {@code orphaned}
 * is true when the process that ran the dispatch died before it finished (resume it to go on).
 */
public record WorkflowResult<R>(String dispatchId, String workflowName, TaskStatus status, Optional<R> value,
                                Optional<String> error, Instant startedAt, Optional<Instant> finishedAt,
                                List<NodeResult> nodes, boolean orphaned) {
    public WorkflowResult {
        nodes = List.copyOf(nodes);
    }

    /**
     * The value, or a {@link ValenceException} saying why there is none; when a node failed with an
     * exception, its cause is that exception as a {@link RemoteTaskException} (type, message, stack
     * trace and causes as the task threw them).
     */
    public R valueOrThrow() {
        if (status == TaskStatus.COMPLETED) {
            return value.orElse(null);
        }
        return value.orElseThrow(() -> new ValenceException(status == TaskStatus.CANCELLED ? ErrorKind.CANCELLED
                : ErrorKind.WORKFLOW, "dispatch " + dispatchId + " (" + workflowName + ") is " + status
                + error.map(e -> ": " + e).orElse("") + (orphaned ? " (its process is gone; resume it)" : ""),
                failures().values().stream().findFirst().map(RemoteTaskException::new).orElse(null)));
    }

    /** The exception of each node that failed with one, by node id, in the graph's order. */
    public Map<String, TaskError> failures() {
        Map<String, TaskError> out = new LinkedHashMap<>();
        nodes.forEach(n -> n.exception().ifPresent(e -> out.put(n.nodeId(), e)));
        return out;
    }

    /** A node by id. */
    public Optional<NodeResult> node(String nodeId) {
        return nodes.stream().filter(n -> n.nodeId().equals(nodeId)).findFirst();
    }
}
