package dev.valence.benchmarks;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Command-line options of a harness: {@code --key=value} pairs, each with a default. */
final class Options {
    private final Map<String, String> values = new LinkedHashMap<>();

    private Options() {
    }

    /** Parses {@code --key=value} arguments; anything else is an error naming what was given. */
    static Options parse(String... args) {
        Options o = new Options();
        for (String a : args) {
            int eq = a.indexOf('=');
            if (!a.startsWith("--") || eq < 3) {
                throw new IllegalArgumentException("argument '" + a + "' is not of the form --key=value");
            }
            o.values.put(a.substring(2, eq), a.substring(eq + 1));
        }
        return o;
    }

    int integer(String key, int fallback) {
        String v = values.get(key);
        if (v == null) {
            return fallback;
        }
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + key + "=" + v + " is not a whole number");
        }
    }

    String string(String key, String fallback) {
        return values.getOrDefault(key, fallback);
    }

    List<String> list(String key, String fallback) {
        List<String> out = new ArrayList<>();
        for (String s : string(key, fallback).split(",")) {
            if (!s.isBlank()) {
                out.add(s.trim());
            }
        }
        return out;
    }

    /** Fails on keys the harness does not know, listing the known ones. */
    void only(String... known) {
        List<String> k = List.of(known);
        for (String key : values.keySet()) {
            if (!k.contains(key)) {
                throw new IllegalArgumentException("unknown option --" + key + " (known: --" + String.join(", --", k) + ")");
            }
        }
    }
}
