package dev.valence.store.s3;

import dev.valence.spi.StoreLocation;
import dev.valence.api.ClusterFileRef;
import dev.valence.api.Settings;
import dev.valence.spi.StoreAccess;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/** The rules of an {@code s3://bucket/prefix} data store, and how a pod reaches one. */
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

    /** Env only, nothing secret: the data store, the region, the endpoint pods reach; the {@code ca_bundle} volume. */
    static StoreAccess podAccess(String location, String region, String podEndpoint, Optional<ClusterFileRef> caBundle) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put(Settings.ENV_PREFIX + "DATA_STORE", location);
        env.put(Settings.ENV_PREFIX + "REGION", region);
        if (!podEndpoint.isEmpty()) {
            env.put(Settings.ENV_PREFIX + "S3_ENDPOINT", podEndpoint);
        }
        return StoreAccess.builder().env(env).caBundle(caBundle).build();
    }
}
