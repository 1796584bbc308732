package dev.valence.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.valence.api.NodeResult;
import dev.valence.api.TaskStatus;
import dev.valence.api.WorkflowResult;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Progress off a terminal: one line per node status change; Kubernetes nodes left to the executor's log lines. */
class ProgressTest {

    @Test
    void offATerminalWithTheExecutorsStepsLoggedOnlyLocalNodesGetLines() {
        StringWriter text = new StringWriter();
        Progress p = new Progress(new PrintWriter(text), false, true);
        p.update(result(node("local_one", TaskStatus.RUNNING, null), node("on_k8s", TaskStatus.RUNNING, "valence-x")));
        p.update(result(node("local_one", TaskStatus.COMPLETED, null), node("on_k8s", TaskStatus.COMPLETED, "valence-x")));
        List<String> lines = text.toString().lines().toList();
        assertEquals(2, lines.size(), text.toString());
        assertEquals(List.of("local_one", "local_one"), lines.stream().map(l -> l.trim().split("\\s+")[0]).toList());
    }

    @Test
    void withoutTheExecutorsStepsLoggedEveryNodeGetsItsLines() {
        StringWriter text = new StringWriter();
        Progress p = new Progress(new PrintWriter(text), false, false);
        p.update(result(node("local_one", TaskStatus.RUNNING, null), node("on_k8s", TaskStatus.RUNNING, "valence-x")));
        p.update(result(node("local_one", TaskStatus.RUNNING, null), node("on_k8s", TaskStatus.COMPLETED, "valence-x")));
        assertEquals(3, text.toString().lines().count(), text.toString());
    }

    private static NodeResult node(String id, TaskStatus status, String job) {
        NodeResult.Builder b = NodeResult.builder().nodeId(id).taskName(id).status(status)
                .executor(job == null ? "local" : "k8s");
        if (job != null) {
            b.jobName(job);
        }
        return b.build();
    }

    private static WorkflowResult<?> result(NodeResult... nodes) {
        return new WorkflowResult<>("d1", "w", TaskStatus.RUNNING, Optional.empty(), Optional.empty(), Instant.now(),
                Optional.empty(), List.of(nodes), false);
    }
}
