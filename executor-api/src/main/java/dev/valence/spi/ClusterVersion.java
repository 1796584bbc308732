package dev.valence.spi;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The Kubernetes version an API server reports ({@code /version}): what Job features it has. */
public record ClusterVersion(int major, int minor) {
    private static final Pattern DIGITS = Pattern.compile("(\\d+)");

    /** The version from {@code /version}'s {@code major} and {@code minor} ({@code "33+"} on some clouds); empty when unreadable. */
    public static Optional<ClusterVersion> parse(String major, String minor) {
        Matcher ma = DIGITS.matcher(major == null ? "" : major);
        Matcher mi = DIGITS.matcher(minor == null ? "" : minor);
        if (!ma.find() || !mi.find()) {
            return Optional.empty();
        }
        return Optional.of(new ClusterVersion(Integer.parseInt(ma.group(1)), Integer.parseInt(mi.group(1))));
    }

    /** True when it is {@code major.minor} or later. */
    public boolean atLeast(int major, int minor) {
        return this.major > major || (this.major == major && this.minor >= minor);
    }

    /**
     * Whether Indexed Jobs have {@code backoffLimitPerIndex} (GA, on by default, in 1.33): a failed element's
     * pods are retried per index, and one element's failures do not stop the others.
     */
    public boolean hasBackoffLimitPerIndex() {
        return atLeast(1, 33);
    }

    @Override
    public String toString() {
        return major + "." + minor;
    }
}
