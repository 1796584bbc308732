package dev.valence.distribution;

import dev.valence.api.NodeResult;
import dev.valence.api.TaskStatus;
import dev.valence.api.WorkflowResult;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Per-node progress of a dispatch. On a terminal, one line per node redrawn in place (with elapsed
 * times); otherwise one plain line each time a node's status changes, except, in the real command
 * line, for nodes on Kubernetes, whose steps the executor's INFO lines already say (one line per event).
 */
final class Progress {
    private static final String UP = "\033[%dA";
    private static final String CLEAR_LINE = "\r\033[2K";

    private final PrintWriter out;
    private final boolean terminal;
    private final Map<String, TaskStatus> shown = new HashMap<>();
    private int drawnLines;

    private final boolean stepsLogged;

    Progress(PrintWriter out, boolean terminal) {
        this(out, terminal, Logging.executorStepsLogged());
    }

    /** {@code stepsLogged}: off a terminal, leave out the nodes whose steps the Kubernetes executor logs. */
    Progress(PrintWriter out, boolean terminal, boolean stepsLogged) {
        this.out = out;
        this.terminal = terminal;
        this.stepsLogged = stepsLogged;
    }

    /** Shows the dispatch as it stands. */
    synchronized void update(WorkflowResult<?> r) {
        if (terminal) {
            redraw(r.nodes());
        } else {
            for (NodeResult n : r.nodes()) {
                if (stepsLogged && n.jobName().isPresent()) {
                    continue; // the Kubernetes executor's INFO lines say this node's steps, each once
                }
                if (shown.put(n.nodeId(), n.status()) != n.status() && n.status() != TaskStatus.NEW) {
                    out.println(line(n, false));
                }
            }
        }
        out.flush();
    }

    private void redraw(List<NodeResult> nodes) {
        StringBuilder sb = new StringBuilder();
        if (drawnLines > 0) {
            sb.append(String.format(UP, drawnLines));
        }
        for (NodeResult n : nodes) {
            sb.append(CLEAR_LINE).append(line(n, true)).append('\n');
        }
        drawnLines = nodes.size();
        out.print(sb);
    }

    /** One node: id, status, where it runs, how long it took, the first line of its error. */
    static String line(NodeResult n, boolean live) {
        StringBuilder sb = new StringBuilder(String.format("  %-20s %-9s", n.nodeId(), n.status()));
        if (!n.executor().isEmpty()) {
            sb.append(" on ").append(n.executor());
        }
        n.jobName().ifPresent(j -> sb.append(", Job ").append(j));
        if (n.attempts().size() > 1) {
            sb.append(", attempt ").append(n.attempts().size());
        }
        n.reusedFrom().ifPresent(d -> sb.append(" from dispatch ").append(d));
        n.startedAt().ifPresent(start -> {
            if (n.finishedAt().isPresent() || live) {
                Instant end = n.finishedAt().orElseGet(Instant::now);
                sb.append(String.format(Locale.ROOT, " (%.1f s)", Duration.between(start, end).toMillis() / 1000.0));
            }
        });
        DispatchesCommand.mapResult(n).ifPresent(m -> sb.append(", ").append(m.succeededCount()).append(" of ")
                .append(m.size()).append(" elements succeeded"));
        n.error().filter(e -> !n.status().succeeded())
                .ifPresent(e -> sb.append(": ").append(e.lines().findFirst().orElse("")));
        return sb.toString();
    }
}
