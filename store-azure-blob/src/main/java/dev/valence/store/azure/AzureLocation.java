package dev.valence.store.azure;

import dev.valence.api.ValenceException;
import java.util.regex.Pattern;

/** Container and prefix of an {@code azblob://container/prefix} data store. */
record AzureLocation(String container, String prefix) {
    static final String ACCEPTED = "expected azblob://container/prefix: a container name of 3-63 lowercase letters,"
            + " digits and single '-' (starting and ending with a letter or digit), then an optional prefix of"
            + " '/'-separated names";
    private static final Pattern CONTAINER = Pattern.compile("[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]");

    /** Parses a {@code data_store} value; a malformed one is a {@code CONFIG} error naming it. */
    static AzureLocation parse(String dataStore) {
        if (!dataStore.regionMatches(true, 0, "azblob://", 0, 9)) {
            throw ValenceException.config("data_store", dataStore, ACCEPTED);
        }
        String rest = dataStore.substring(9);
        int slash = rest.indexOf('/');
        String container = slash < 0 ? rest : rest.substring(0, slash);
        String prefix = slash < 0 ? "" : rest.substring(slash + 1);
        while (prefix.endsWith("/")) {
            prefix = prefix.substring(0, prefix.length() - 1);
        }
        if (!CONTAINER.matcher(container).matches()) {
            throw ValenceException.config("data_store", dataStore, ACCEPTED);
        }
        if (!prefix.isEmpty()) {
            for (String part : prefix.split("/", -1)) {
                if (part.isEmpty() || part.equals(".") || part.equals("..")) {
                    throw ValenceException.config("data_store", dataStore, ACCEPTED);
                }
            }
        }
        return new AzureLocation(container, prefix);
    }

    /** The blob name of a store key. */
    String blobName(String key) {
        return prefix.isEmpty() ? key : prefix + "/" + key;
    }

    /** The blob-name prefix of a folder ({@code ""} is the whole store), ending with {@code /} unless empty. */
    String folder(String folder) {
        String f = folder.isEmpty() ? prefix : blobName(folder);
        return f.isEmpty() ? "" : f + "/";
    }

    /** The store key of a blob name under {@link #prefix()}. */
    String storeKey(String blobName) {
        return prefix.isEmpty() ? blobName : blobName.substring(prefix.length() + 1);
    }

    @Override
    public String toString() {
        return "azblob://" + container + (prefix.isEmpty() ? "" : "/" + prefix);
    }
}
