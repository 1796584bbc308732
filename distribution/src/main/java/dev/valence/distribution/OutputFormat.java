package dev.valence.distribution;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.snakeyaml.engine.v2.api.Dump;
import org.snakeyaml.engine.v2.api.DumpSettings;
import org.snakeyaml.engine.v2.common.FlowStyle;
import picocli.CommandLine.Option;

/** {@code -o text|wide|json|yaml}, mixed into listing commands, as kubectl's {@code -o}. */
final class OutputFormat {
    /** The formats a listing can be printed in: {@code wide} is text with more columns. */
    enum Format { text, wide, json, yaml }

    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", defaultValue = "text",
            description = "Output format: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}); wide is text with more "
                    + "columns, json and yaml the same document.")
    Format format = Format.text;

    boolean json() {
        return format == Format.json;
    }

    /** JSON or YAML: print {@link #write(Object)} of the document instead of text. */
    boolean structured() {
        return format == Format.json || format == Format.yaml;
    }

    /** {@code -o wide}: the text listing with its extra columns. */
    boolean wide() {
        return format == Format.wide;
    }

    /** The document (maps, lists, strings, numbers, booleans, nulls) as JSON or YAML, ending with a newline. */
    String write(Object doc) {
        if (format == Format.yaml) {
            DumpSettings settings = DumpSettings.builder().setDefaultFlowStyle(FlowStyle.BLOCK).build();
            return new Dump(settings).dumpToString(plain(doc));
        }
        return Json.write(doc) + "\n";
    }

    /** What YAML can represent: {@code Optional} unwrapped, anything not a plain value as its string. */
    private static Object plain(Object value) {
        if (value instanceof Optional<?> o) {
            return plain(o.orElse(null));
        }
        if (value instanceof Map<?, ?> m) {
            Map<String, Object> out = new LinkedHashMap<>();
            m.forEach((k, v) -> out.put(String.valueOf(k), plain(v)));
            return out;
        }
        if (value instanceof Collection<?> c) {
            List<Object> out = new ArrayList<>();
            c.forEach(v -> out.add(plain(v)));
            return out;
        }
        if (value == null || value instanceof String || value instanceof Boolean || value instanceof Integer
                || value instanceof Long || value instanceof Double) {
            return value;
        }
        return String.valueOf(value);
    }
}
