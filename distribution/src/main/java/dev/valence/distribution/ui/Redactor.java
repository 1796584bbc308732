package dev.valence.distribution.ui;

import java.util.Comparator;
import java.util.List;

/** Replaces every occurrence of a secret value in an answer by {@code ****}, whatever field carried it. */
final class Redactor {
    static final String MASK = "****";
    /** Shorter values (a port, "true") would mask ordinary text; settings that short are not secrets worth the noise. */
    private static final int MIN_LENGTH = 4;
    private final List<String> secrets;

    Redactor(List<String> secrets) {
        this.secrets = secrets.stream().filter(s -> s != null && s.length() >= MIN_LENGTH)
                .flatMap(s -> java.util.stream.Stream.of(s, inJson(s))).distinct()
                .sorted(Comparator.comparingInt(String::length).reversed()).toList();
    }

    /** The value as it reads inside a JSON string (quotes and backslashes escaped). */
    private static String inJson(String s) {
        String quoted = dev.valence.distribution.Json.write(s);
        return quoted.substring(1, quoted.length() - 1);
    }

    String scrub(String text) {
        String out = text;
        for (String s : secrets) {
            if (out.contains(s)) {
                out = out.replace(s, MASK);
            }
        }
        return out;
    }
}
