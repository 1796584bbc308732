package dev.valence.distribution.ui;

import dev.valence.api.NodeResult;
import dev.valence.api.TaskStatus;
import dev.valence.api.WorkflowResult;
import dev.valence.distribution.MapElements;
import dev.valence.spi.PodInfo;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** The API's answers as JSON-ready maps: a dispatch's summary, a dispatch with its graph, a node. */
final class DispatchViews {
    /** Longest text of an input or a result shown (the rest is cut, saying how much). */
    static final int SHORT = 300;
    /** Elements of a map listed one by one in a node's answer; the rest are counted. */
    static final int MAP_ELEMENTS = 1000;

    private DispatchViews() {
    }

    /** One row of the dispatch list. */
    static Map<String, Object> summary(WorkflowResult<?> r, Instant now) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", r.dispatchId());
        m.put("workflow", r.workflowName());
        m.put("status", r.status().name());
        m.put("orphaned", r.orphaned());
        m.put("started", r.startedAt().toString());
        m.put("finished", r.finishedAt().map(Instant::toString));
        m.put("duration_ms", Duration.between(r.startedAt(), r.finishedAt().orElse(now)).toMillis());
        m.put("nodes", r.nodes().size());
        m.put("completed", r.nodes().stream().filter(n -> n.status().succeeded()).count());
        m.put("error", r.error());
        return m;
    }

    /** Whether a dispatch matches the list's filters: status (any case) and a part of its workflow name or id. */
    static boolean matches(WorkflowResult<?> r, Optional<String> status, Optional<String> name) {
        boolean statusOk = status.filter(s -> !s.isBlank()).map(s -> s.toUpperCase(Locale.ROOT)
                .equals(r.status().name()) || s.equalsIgnoreCase("orphaned") && r.orphaned()).orElse(true);
        boolean nameOk = name.filter(s -> !s.isBlank()).map(s -> s.toLowerCase(Locale.ROOT)).map(s ->
                r.workflowName().toLowerCase(Locale.ROOT).contains(s) || r.dispatchId().contains(s)).orElse(true);
        return statusOk && nameOk;
    }

    /** A dispatch with every node (status, times, where it ran) placed by the layout, and its edges. */
    static Map<String, Object> dispatch(WorkflowResult<?> r, GraphLayout.Layout layout, Optional<List<?>> args,
            Instant now) {
        Map<String, Object> m = summary(r, now);
        m.put("args", args.map(a -> a.stream().map(DispatchViews::shortText).toList()));
        m.put("value", r.value().map(DispatchViews::shortText));
        List<Map<String, Object>> nodes = new ArrayList<>();
        for (NodeResult n : r.nodes()) {
            Map<String, Object> nm = new LinkedHashMap<>();
            nm.put("id", n.nodeId());
            nm.put("task", n.taskName());
            nm.put("status", n.status().name());
            nm.put("workflow", n.workflow());
            nm.put("parent", n.parent());
            nm.put("executor", n.executor());
            nm.put("job", n.jobName());
            nm.put("attempts", n.attempts().size());
            nm.put("started", n.startedAt().map(Instant::toString));
            nm.put("finished", n.finishedAt().map(Instant::toString));
            nm.put("error", n.error().map(e -> e.lines().findFirst().orElse("")));
            GraphLayout.Box b = layout.boxes().get(n.nodeId());
            if (b != null) {
                nm.put("x", round(b.x()));
                nm.put("y", round(b.y()));
                nm.put("w", round(b.w()));
                nm.put("h", round(b.h()));
            }
            nodes.add(nm);
        }
        m.put("nodes_list", nodes);
        m.put("edges", layout.edges().stream().map(e -> {
            Map<String, Object> em = new LinkedHashMap<>();
            em.put("from", e.from());
            em.put("to", e.to());
            em.put("points", e.points().stream().map(p -> List.of(round(p[0]), round(p[1]))).toList());
            return em;
        }).toList());
        m.put("width", round(layout.width()));
        m.put("height", round(layout.height()));
        return m;
    }

    /** One node in full: inputs (the values of the nodes it depends on, shortened), result or exception, attempts. */
    static Map<String, Object> node(WorkflowResult<?> r, NodeResult n) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("dispatch", r.dispatchId());
        m.put("id", n.nodeId());
        m.put("task", n.taskName());
        m.put("status", n.status().name());
        m.put("workflow", n.workflow());
        m.put("executor", n.executor());
        m.put("job", n.jobName());
        m.put("reused_from", n.reusedFrom());
        m.put("started", n.startedAt().map(Instant::toString));
        m.put("finished", n.finishedAt().map(Instant::toString));
        Map<String, Object> inputs = new LinkedHashMap<>();
        for (String dep : n.dependsOn()) {
            inputs.put(dep, r.node(dep).flatMap(NodeResult::value).map(DispatchViews::shortText)
                    .orElse("(no value recorded)"));
        }
        m.put("inputs", inputs);
        m.put("result", n.status().succeeded() ? n.value().map(DispatchViews::shortText) : Optional.empty());
        // a map: each element's status, result or error (shortened; the first MAP_ELEMENTS)
        m.put("map", MapElements.of(n).map(mr -> MapElements.view(mr, e -> shortText(String.valueOf(e)),
                DispatchViews::shortText, MAP_ELEMENTS)));
        m.put("error", n.error());
        m.put("exception", n.exception().map(e -> String.join("\n", e.trace(Integer.MAX_VALUE))));
        m.put("attempts", n.attempts().stream().map(a -> {
            Map<String, Object> am = new LinkedHashMap<>();
            am.put("number", a.number());
            am.put("job", a.jobName());
            am.put("started", a.startedAt().map(Instant::toString));
            am.put("finished", a.finishedAt().map(Instant::toString));
            am.put("error", a.error().map(e -> e.lines().findFirst().orElse("")));
            return am;
        }).toList());
        return m;
    }

    /** One pod of a node's Job, as {@code kubectl get pods} shows it. */
    static Map<String, Object> pod(PodInfo p) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", p.name());
        m.put("status", p.status());
        m.put("phase", p.phase());
        m.put("node", p.nodeName());
        m.put("started", p.startedAt().map(Instant::toString));
        m.put("container", p.containerState().name());
        m.put("reason", p.reason());
        m.put("message", p.message().map(DispatchViews::shortText));
        m.put("exit_code", p.exitCode().isPresent() ? Optional.of(p.exitCode().getAsInt()) : Optional.empty());
        m.put("restarts", p.restarts());
        m.put("index", p.completionIndex().isPresent() ? Optional.of(p.completionIndex().getAsInt()) : Optional.empty());
        return m;
    }

    /** A value as text, cut to {@value #SHORT} characters. */
    static String shortText(Object value) {
        String s = String.valueOf(value);
        return s.length() <= SHORT ? s : s.substring(0, SHORT) + "… (" + (s.length() - SHORT) + " more characters)";
    }

    private static Object round(double d) {
        return Math.round(d * 10) / 10.0;
    }
}
