package dev.valence.spi;

import dev.valence.api.ErrorKind;
import dev.valence.api.ValenceException;

/** The key rules every {@link ArtifactStore} shares: relative, {@code /}-separated names without empty, {@code .} or {@code ..} parts. */
public final class StoreKeys {
    private static final String ACCEPTED =
            "expected a relative path of '/'-separated names, without empty, '.' or '..' parts";

    private StoreKeys() {
    }

    /** A valid key, unchanged. */
    public static String key(String key, String location) {
        if (key == null || !valid(key)) {
            throw invalid("key", key, location);
        }
        return key;
    }

    /** A valid prefix without its trailing slash; the empty prefix is the whole store. */
    public static String prefix(String prefix, String location) {
        if (prefix == null) {
            throw invalid("prefix", null, location);
        }
        if (prefix.isEmpty()) {
            return "";
        }
        String p = prefix.endsWith("/") ? prefix.substring(0, prefix.length() - 1) : prefix;
        if (!valid(p)) {
            throw invalid("prefix", prefix, location);
        }
        return p;
    }

    private static boolean valid(String key) {
        if (key.isEmpty()) {
            return false;
        }
        for (String part : key.split("/", -1)) {
            if (part.isEmpty() || part.equals(".") || part.equals("..") || part.indexOf('\0') >= 0) {
                return false;
            }
        }
        return true;
    }

    private static ValenceException invalid(String what, String value, String location) {
        return new ValenceException(ErrorKind.STORE, what + " '" + value + "' is not valid in " + location + ": " + ACCEPTED);
    }
}
