package dev.valence.store.s3;

import dev.valence.api.Settings;
import dev.valence.spi.ArtifactStore;
import dev.valence.spi.ArtifactStoreFactory;
import dev.valence.tck.store.ArtifactStoreContract;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The store contract on S3Proxy for the pod's own store ({@code openInPod}: {@link S3PodStore}), with the
 * credentials of the pod's env; the pod the contract opens from pod access finds them through the SDK's chain.
 */
class S3PodStoreContractTest extends ArtifactStoreContract {
    private static final String BUCKET = "valence-pod-contract";
    private static S3ProxyBed bed;

    @BeforeAll
    static void startS3() throws Exception {
        bed = S3ProxyBed.start();
        bed.createBucket(BUCKET);
    }

    @AfterAll
    static void stopS3() throws Exception {
        if (bed != null) {
            bed.close();
        }
    }

    @Override
    protected ArtifactStore newStore() {
        ArtifactStore store = S3StoreFactory.openInPod(Settings.builder()
                .knownKey(S3StoreFactory.ENDPOINT_KEY, "")
                .dataStore("s3://" + BUCKET + "/runs/" + UUID.randomUUID())
                .region(S3ProxyBed.REGION)
                .set(S3StoreFactory.ENDPOINT_KEY, bed.endpoint())
                .build(), Map.of("AWS_ACCESS_KEY_ID", S3ProxyBed.ACCESS_KEY, "AWS_SECRET_ACCESS_KEY", bed.secretKey()));
        if (!(store instanceof S3PodStore)) {
            throw new AssertionError("openInPod gave " + store.getClass().getName() + ", not the pod's own store");
        }
        return store;
    }

    @Override
    protected ArtifactStoreFactory factory() {
        return new S3StoreFactory();
    }

    @Override
    protected Set<String> secrets() {
        return Set.of(bed.secretKey());
    }
}
