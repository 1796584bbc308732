package dev.valence.spi;

import dev.valence.api.ValenceException;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * Where an object store's {@code data_store} points: {@code <scheme>://<root>/<prefix>}, the root
 * being a bucket or a container and the prefix the folder every key goes under (empty for the
 * root). One parser and one key mapping for every object store.
 */
public record StoreLocation(String scheme, String root, String prefix) {

    public StoreLocation {
        Objects.requireNonNull(scheme, "scheme");
        Objects.requireNonNull(root, "root");
        Objects.requireNonNull(prefix, "prefix");
    }

    /**
     * Parses a {@code data_store} value of {@code scheme} (case-insensitive), trailing slashes of the
     * prefix dropped; a value of another scheme, a root {@code validRoot} refuses or a prefix with
     * empty, {@code .} or {@code ..} parts is a {@code CONFIG} error naming the setting, the value and
     * {@code accepted}.
     */
    public static StoreLocation parse(String dataStore, String scheme, Predicate<String> validRoot, String accepted) {
        String start = scheme + "://";
        if (dataStore == null || !dataStore.regionMatches(true, 0, start, 0, start.length())) {
            throw ValenceException.config("data_store", dataStore, accepted);
        }
        String rest = dataStore.substring(start.length());
        int slash = rest.indexOf('/');
        String root = slash < 0 ? rest : rest.substring(0, slash);
        String prefix = slash < 0 ? "" : rest.substring(slash + 1);
        while (prefix.endsWith("/")) {
            prefix = prefix.substring(0, prefix.length() - 1);
        }
        if (!validRoot.test(root)) {
            throw ValenceException.config("data_store", dataStore, accepted);
        }
        if (!prefix.isEmpty()) {
            for (String part : prefix.split("/", -1)) {
                if (part.isEmpty() || part.equals(".") || part.equals("..")) {
                    throw ValenceException.config("data_store", dataStore, accepted);
                }
            }
        }
        return new StoreLocation(scheme, root, prefix);
    }

    /** The object's name under the root for a store key. */
    public String name(String key) {
        return prefix.isEmpty() ? key : prefix + "/" + key;
    }

    /** The name prefix of a folder ({@code ""} is the whole store), ending with {@code /} unless empty. */
    public String folder(String folder) {
        String f = folder.isEmpty() ? prefix : name(folder);
        return f.isEmpty() ? "" : f + "/";
    }

    /** The store key of an object name under {@link #prefix()}. */
    public String storeKey(String name) {
        return prefix.isEmpty() ? name : name.substring(prefix.length() + 1);
    }

    @Override
    public String toString() {
        return scheme + "://" + root + (prefix.isEmpty() ? "" : "/" + prefix);
    }
}
