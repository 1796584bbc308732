package dev.valence.store.s3;

import dev.valence.api.Settings;
import dev.valence.spi.ArtifactStore;
import dev.valence.spi.ArtifactStoreFactory;
import dev.valence.tck.store.ArtifactStoreContract;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The store contract on S3Proxy; each test gets its own prefix in one bucket. */
class S3StoreContractTest extends ArtifactStoreContract {
    private static final String BUCKET = "valence-contract";
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
        S3StoreFactory f = new S3StoreFactory();
        return f.create(Settings.builder()
                .knownKey(S3StoreFactory.ENDPOINT_KEY, "")
                .dataStore("s3://" + BUCKET + "/runs/" + UUID.randomUUID())
                .region(S3ProxyBed.REGION)
                .set(S3StoreFactory.ENDPOINT_KEY, bed.endpoint())
                .build());
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
