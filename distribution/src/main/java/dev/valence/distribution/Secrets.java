package dev.valence.distribution;

import dev.valence.api.Settings;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Masks secrets in rendered manifests: env entries whose name looks like a secret get {@code ****} as value. */
final class Secrets {
    /** Names that hold secrets, whoever set them. */
    private static final Pattern SECRET_NAME = Pattern.compile(
            "(?i).*(password|passwd|secret|token|credential|connection_string|private_key|access_key|api_key"
                    + "|account_key|auth).*");
    private static final Pattern ITEM = Pattern.compile("^(\\s*)- (.*)$");
    private static final Pattern KEY = Pattern.compile("^(\\s*)(?:- )?\"?([A-Za-z_]+)\"?:(?: (.*))?$");
    static final String MASK = "****";

    private Secrets() {
    }

    /** An env variable name is a secret when it looks like one, or sets a setting declared sensitive. */
    static Predicate<String> envNames(Settings settings) {
        return name -> SECRET_NAME.matcher(name).matches() || name.startsWith(Settings.ENV_PREFIX)
                && settings.isSensitive(name.substring(Settings.ENV_PREFIX.length()).toLowerCase(Locale.ROOT));
    }

    /**
     * The YAML with the {@code value} of every list item whose {@code name} is secret replaced by
     * {@code "****"} (continuation lines of the value are dropped).
     */
    static String maskEnv(String yaml, Predicate<String> secret) {
        List<String> lines = new ArrayList<>(List.of(yaml.split("\n", -1)));
        for (int i = 0; i < lines.size(); i++) {
            Matcher item = ITEM.matcher(lines.get(i));
            if (!item.matches()) {
                continue;
            }
            int dash = item.group(1).length();
            int end = i + 1;
            while (end < lines.size() && (lines.get(end).isBlank() || indent(lines.get(end)) > dash)) {
                end++;
            }
            String name = null;
            int valueLine = -1;
            for (int j = i; j < end; j++) {
                String line = j == i ? " ".repeat(dash + 2) + item.group(2) : lines.get(j);
                if (indent(line) != dash + 2) {
                    continue;
                }
                Matcher key = KEY.matcher(line);
                if (key.matches()) {
                    if (key.group(2).equals("name")) {
                        name = unquote(key.group(3));
                    } else if (key.group(2).equals("value")) {
                        valueLine = j;
                    }
                }
            }
            if (name != null && valueLine >= 0 && secret.test(name)) {
                String original = lines.get(valueLine);
                int at = original.indexOf("value:");
                lines.set(valueLine, original.substring(0, at) + "value: \"" + MASK + "\"");
                int valueIndent = valueLine == i ? dash + 2 : indent(original);
                while (valueLine + 1 < end && !lines.get(valueLine + 1).isBlank()
                        && indent(lines.get(valueLine + 1)) > valueIndent) {
                    lines.remove(valueLine + 1);
                    end--;
                }
            }
        }
        return String.join("\n", lines);
    }

    private static int indent(String line) {
        int n = 0;
        while (n < line.length() && line.charAt(n) == ' ') {
            n++;
        }
        return n;
    }

    private static String unquote(String v) {
        if (v == null) {
            return "";
        }
        String s = v.trim();
        if (s.length() >= 2 && (s.startsWith("\"") && s.endsWith("\"") || s.startsWith("'") && s.endsWith("'"))) {
            return s.substring(1, s.length() - 1);
        }
        return s;
    }
}
