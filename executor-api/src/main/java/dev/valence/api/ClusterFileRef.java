package dev.valence.api;

import java.util.Locale;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One key of a Secret or a ConfigMap in the Jobs' namespace, written {@code secret:<name>/<key>} or
 * {@code configmap:<name>/<key>} (the form of {@code ca_bundle}).
 */
public record ClusterFileRef(Kind kind, String name, String key) {
    /** The kind of object holding the key. */
    public enum Kind {
        /** A core/v1 Secret. */
        SECRET("secret"),
        /** A core/v1 ConfigMap. */
        CONFIG_MAP("configmap");

        private final String prefix;

        Kind(String prefix) {
            this.prefix = prefix;
        }

        /** The word before the colon in the setting's form, and the kind's name in kubelet messages. */
        public String prefix() {
            return prefix;
        }
    }

    /** The accepted forms, for error messages. */
    public static final String ACCEPTED = "expected secret:<name>/<key> or configmap:<name>/<key> (a Secret or"
            + " ConfigMap in the Jobs' namespace: name a DNS-1123 subdomain, key letters, digits, '-', '_', '.'),"
            + " or empty for none";
    private static final Pattern FORM = Pattern.compile("^(secret|configmap):([^/]+)/([^/]+)$");
    private static final Pattern NAME = Pattern.compile(
            "^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$");
    private static final Pattern KEY = Pattern.compile("^[-._a-zA-Z0-9]{1,253}$");

    public ClusterFileRef {
        Objects.requireNonNull(kind, "kind");
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("name '" + name + "' is not a DNS-1123 subdomain");
        }
        if (key == null || !KEY.matcher(key).matches() || key.equals(".") || key.equals("..")) {
            throw new IllegalArgumentException("key '" + key + "' is not a valid Secret/ConfigMap key");
        }
    }

    /** Parses {@code secret:<name>/<key>} or {@code configmap:<name>/<key>}; throws IllegalArgumentException with {@link #ACCEPTED}. */
    public static ClusterFileRef parse(String value) {
        Matcher m = FORM.matcher(value == null ? "" : value.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException(ACCEPTED);
        }
        Kind kind = m.group(1).toLowerCase(Locale.ROOT).equals("secret") ? Kind.SECRET : Kind.CONFIG_MAP;
        try {
            return new ClusterFileRef(kind, m.group(2), m.group(3));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(e.getMessage() + "; " + ACCEPTED);
        }
    }

    /** The setting's form, {@code secret:<name>/<key>}. */
    @Override
    public String toString() {
        return kind.prefix() + ":" + name + "/" + key;
    }
}
