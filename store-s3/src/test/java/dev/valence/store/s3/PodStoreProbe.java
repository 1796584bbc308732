package dev.valence.store.s3;

import dev.valence.api.Settings;
import dev.valence.spi.ArtifactStore;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** What a pod does with the store, run by {@link S3PodStoreTest} in a class loader of its own: open, put, get. */
public final class PodStoreProbe {
    private PodStoreProbe() {
    }

    /** Opens the store as the pod ({@code pod}) or the client does, writes {@code text} and returns what it reads back. */
    public static String roundTrip(boolean pod, String endpoint, String dataStore, String accessKey, String secretKey) {
        Settings settings = Settings.builder().knownKey(S3StoreFactory.ENDPOINT_KEY, "").dataStore(dataStore)
                .region(S3ProxyBed.REGION).set(S3StoreFactory.ENDPOINT_KEY, endpoint).build();
        try (ArtifactStore store = pod
                ? S3StoreFactory.openInPod(settings, Map.of("AWS_ACCESS_KEY_ID", accessKey, "AWS_SECRET_ACCESS_KEY", secretKey))
                : new S3StoreFactory().create(settings)) {
            store.put("d1/n1/output", "probe".getBytes(StandardCharsets.UTF_8));
            return new String(store.getBytes("d1/n1/output"), StandardCharsets.UTF_8);
        }
    }
}
