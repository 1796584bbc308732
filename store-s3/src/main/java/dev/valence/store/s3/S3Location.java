package dev.valence.store.s3;

import dev.valence.api.ValenceException;
import java.util.regex.Pattern;

/** Bucket and prefix of an {@code s3://bucket/prefix} data store. */
record S3Location(String bucket, String prefix) {
    static final String ACCEPTED = "expected s3://bucket/prefix: a bucket name of 3-63 lowercase letters, digits,"
            + " '.' and '-' (starting and ending with a letter or digit), then an optional prefix of '/'-separated"
            + " names";
    private static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");

    /** Parses a {@code data_store} value; a malformed one is a {@code CONFIG} error naming it. */
    static S3Location parse(String dataStore) {
        if (!dataStore.regionMatches(true, 0, "s3://", 0, 5)) {
            throw ValenceException.config("data_store", dataStore, ACCEPTED);
        }
        String rest = dataStore.substring(5);
        int slash = rest.indexOf('/');
        String bucket = slash < 0 ? rest : rest.substring(0, slash);
        String prefix = slash < 0 ? "" : rest.substring(slash + 1);
        while (prefix.endsWith("/")) {
            prefix = prefix.substring(0, prefix.length() - 1);
        }
        if (!BUCKET.matcher(bucket).matches() || bucket.contains("..")) {
            throw ValenceException.config("data_store", dataStore, ACCEPTED);
        }
        if (!prefix.isEmpty()) {
            for (String part : prefix.split("/", -1)) {
                if (part.isEmpty() || part.equals(".") || part.equals("..")) {
                    throw ValenceException.config("data_store", dataStore, ACCEPTED);
                }
            }
        }
        return new S3Location(bucket, prefix);
    }

    /** The object key of a store key. */
    String objectKey(String key) {
        return prefix.isEmpty() ? key : prefix + "/" + key;
    }

    /** The object-key prefix of a folder ({@code ""} is the whole store), ending with {@code /} unless empty. */
    String folder(String folder) {
        String f = folder.isEmpty() ? prefix : objectKey(folder);
        return f.isEmpty() ? "" : f + "/";
    }

    /** The store key of an object key under {@link #prefix()}. */
    String storeKey(String objectKey) {
        return prefix.isEmpty() ? objectKey : objectKey.substring(prefix.length() + 1);
    }

    @Override
    public String toString() {
        return "s3://" + bucket + (prefix.isEmpty() ? "" : "/" + prefix);
    }
}
