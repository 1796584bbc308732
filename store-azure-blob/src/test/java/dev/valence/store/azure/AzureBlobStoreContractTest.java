package dev.valence.store.azure;

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
 * The store contract on Azurite; each test gets its own prefix in one container. The store is opened
 * with the account name, key and endpoint; the pod gets the key from a Kubernetes Secret.
 */
class AzureBlobStoreContractTest extends ArtifactStoreContract {
    private static final String CONTAINER = "valence-contract";
    private static AzuriteBed bed;

    @BeforeAll
    static void startAzurite() throws Exception {
        bed = AzuriteBed.start();
        bed.createContainer(CONTAINER);
    }

    @AfterAll
    static void stopAzurite() throws Exception {
        if (bed != null) {
            bed.close();
        }
    }

    @Override
    protected ArtifactStore newStore() {
        Settings.Builder b = Settings.builder().environment(Map.of());
        factory().settingKeys().forEach(b::knownKey);
        return factory().create(b.sensitiveKeys(factory().sensitiveKeys())
                .dataStore("azblob://" + CONTAINER + "/runs/" + UUID.randomUUID())
                .set(AzureBlobStoreFactory.ACCOUNT, AzuriteBed.ACCOUNT)
                .set(AzureBlobStoreFactory.ACCOUNT_KEY, AzuriteBed.KEY)
                .set(AzureBlobStoreFactory.ENDPOINT, bed.endpoint())
                .build());
    }

    @Override
    protected ArtifactStoreFactory factory() {
        return new AzureBlobStoreFactory();
    }

    @Override
    protected Set<String> secrets() {
        return Set.of(AzuriteBed.KEY);
    }

    @Override
    protected Map<String, String> podSecretEnv() {
        return Map.of("VALENCE_K8S_AZURE_ACCOUNT_KEY", AzuriteBed.KEY);
    }
}
