package dev.valence.store.azure;

import dev.valence.spi.StoreLocation;
import java.util.regex.Pattern;

/** The rules of an {@code azblob://container/prefix} data store. */
final class AzureLocation {
    static final String ACCEPTED = "expected azblob://container/prefix: a container name of 3-63 lowercase letters,"
            + " digits and single '-' (starting and ending with a letter or digit), then an optional prefix of"
            + " '/'-separated names";
    private static final Pattern CONTAINER = Pattern.compile("[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]");

    private AzureLocation() {
    }

    /** Parses a {@code data_store} value; a malformed one is a {@code CONFIG} error naming it. */
    static StoreLocation parse(String dataStore) {
        return StoreLocation.parse(dataStore, "azblob", c -> CONTAINER.matcher(c).matches(), ACCEPTED);
    }
}
