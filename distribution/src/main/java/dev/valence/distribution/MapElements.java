package dev.valence.distribution;

import dev.valence.api.ElementResult;
import dev.valence.api.MapResult;
import dev.valence.api.NodeResult;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/** A map node's per-element results, as {@code valence dispatches show} and {@code valence ui} show them. */
public final class MapElements {
    private MapElements() {
    }

    /** The per-element result of a map node, when its value is at hand. */
    public static Optional<MapResult<?>> of(NodeResult n) {
        return n.value().filter(v -> v instanceof MapResult<?>).map(v -> (MapResult<?>) v);
    }

    /** {@code 3 of 5 elements succeeded}. */
    public static String counts(MapResult<?> m) {
        return m.succeededCount() + " of " + m.size() + " elements succeeded";
    }

    /** One line per failed element: {@code [3] java.lang.IllegalStateException: three is not welcome}. */
    public static List<String> failureLines(MapResult<?> m) {
        return m.failures().stream().map(e -> "[" + e.index() + "] " + firstLine(e)).toList();
    }

    /**
     * The map as a JSON-ready map: {@code elements}, {@code succeeded}, {@code failed} (index and error, the
     * error through {@code error}); with {@code limit} above 0 also {@code each}: the first {@code limit}
     * elements with status, result (through {@code text}) and the error's first line.
     */
    public static Map<String, Object> view(MapResult<?> r, Function<Throwable, String> error, Function<Object, String> text,
            int limit) {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("elements", r.size());
        map.put("succeeded", r.succeededCount());
        map.put("failed", r.failures().stream().map(e -> {
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("index", e.index());
            f.put("error", e.error().map(error).orElse(""));
            return f;
        }).toList());
        if (limit > 0) {
            map.put("each", r.elements().stream().limit(limit).map(e -> {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("index", e.index());
                m.put("status", e.succeeded() ? "SUCCEEDED" : "FAILED");
                m.put("result", e.succeeded() ? Optional.of(text.apply(e.value())) : Optional.empty());
                m.put("error", e.succeeded() ? Optional.empty() : Optional.of(text.apply(firstLine(e))));
                return m;
            }).toList());
            map.put("each_cut", Math.max(0, r.size() - limit));
        }
        return map;
    }

    private static String firstLine(ElementResult<?> e) {
        return e.error().map(x -> String.valueOf(x).lines().findFirst().orElse("")).orElse("");
    }
}
