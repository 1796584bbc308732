package dev.valence.store.s3;

import dev.valence.spi.StoreLocation;
import java.util.regex.Pattern;

/** The rules of an {@code s3://bucket/prefix} data store. */
final class S3Location {
    static final String ACCEPTED = "expected s3://bucket/prefix: a bucket name of 3-63 lowercase letters, digits,"
            + " '.' and '-' (starting and ending with a letter or digit), then an optional prefix of '/'-separated"
            + " names";
    private static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");

    private S3Location() {
    }

    /** Parses a {@code data_store} value; a malformed one is a {@code CONFIG} error naming it. */
    static StoreLocation parse(String dataStore) {
        return StoreLocation.parse(dataStore, "s3", b -> BUCKET.matcher(b).matches() && !b.contains(".."), ACCEPTED);
    }
}
