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
        Optional<Map.Entry<String, TaskError>> root = rootFailure();
        return value.orElseThrow(() -> new ValenceException(status == TaskStatus.CANCELLED ? ErrorKind.CANCELLED
                : ErrorKind.WORKFLOW, "dispatch " + dispatchId + " (" + workflowName + ") is " + status
                + error.map(e -> ": " + e).orElse("")
                + root.filter(f -> !error.orElse("").contains(f.getValue().summary()))
                        .map(f -> " (node '" + f.getKey() + "' failed: " + f.getValue().summary() + ")").orElse("")
                + (orphaned ? " (its process is gone; resume it)" : ""),
                root.map(f -> new RemoteTaskException(f.getValue())).orElse(null)));
    }

    /**
     * The failure the dispatch's failure comes from: walking from the last node that failed (often one not
     * run because an input failed) up its inputs to a node that failed with an exception of its own;
     * else the first node that failed with one.
     */
    private Optional<Map.Entry<String, TaskError>> rootFailure() {
        Map<String, TaskError> failures = failures();
        if (failures.isEmpty()) {
            return Optional.empty();
        }
        Map<String, NodeResult> byId = new LinkedHashMap<>();
        nodes.forEach(n -> byId.put(n.nodeId(), n));
        for (int i = nodes.size() - 1; i >= 0; i--) {
            NodeResult n = nodes.get(i);
            if (n.status() != TaskStatus.FAILED) {
                continue;
            }
            java.util.Deque<NodeResult> todo = new java.util.ArrayDeque<>(List.of(n));
            java.util.Set<String> seen = new java.util.HashSet<>();
            while (!todo.isEmpty()) {
                NodeResult at = todo.pop();
                if (!seen.add(at.nodeId())) {
                    continue;
                }
                if (failures.containsKey(at.nodeId())) {
                    return Optional.of(Map.entry(at.nodeId(), failures.get(at.nodeId())));
                }
                at.dependsOn().stream().map(byId::get).filter(d -> d != null && d.status() == TaskStatus.FAILED)
                        .forEach(todo::add);
            }
            break;
        }
        return failures.entrySet().stream().findFirst().map(e -> Map.entry(e.getKey(), e.getValue()));
    }

    /** The exception of each node that failed with one, by node id, in the graph's order. */
    public Map<String, TaskError> failures() {
        Map<String, TaskError> out = new LinkedHashMap<>();
        nodes.forEach(n -> n.exception().ifPresent(e -> out.put(n.nodeId(), e)));
        return out;
    }

    /** The nodes nested directly in a sub-workflow node (empty id: the top-level nodes), in graph order. */
    public List<NodeResult> children(String parentId) {
        return nodes.stream().filter(n -> n.parent().orElse("").equals(parentId)).toList();
    }

    /** A node by id. */
    public Optional<NodeResult> node(String nodeId) {
        return nodes.stream().filter(n -> n.nodeId().equals(nodeId)).findFirst();
    }
}
