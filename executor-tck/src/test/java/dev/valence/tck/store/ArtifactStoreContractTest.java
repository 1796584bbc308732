package dev.valence.tck.store;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.valence.spi.ArtifactStore;
import dev.valence.spi.ArtifactStoreFactory;
import dev.valence.tck.store.InMemoryStandInStore.Flaw;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** The contract passes a correct store and fails each deliberately wrong one. */
class ArtifactStoreContractTest {

    /** Runs the whole contract on the correct in-memory stand-in. */
    @Nested
    class OnACorrectStore extends ArtifactStoreContract {
        @Override
        protected ArtifactStore newStore() {
            return new InMemoryStandInStore("mem://bucket/" + UUID.randomUUID(), Flaw.NONE);
        }

        @Override
        protected ArtifactStoreFactory factory() {
            return new InMemoryStandInStore.Factory(Flaw.NONE);
        }

        @Override
        protected StoreCapabilities capabilities() {
            return StoreCapabilities.builder().largeBlobBytes(8L << 20).atomicBlobBytes(4L << 20).build();
        }
    }

    @Test
    void failsAStoreThatShowsAPartialNewBlob() throws Exception {
        assertFails(Flaw.NON_ATOMIC_PUT, ArtifactStoreContract::readerNeverSeesAPartialNewBlob);
    }

    @Test
    void failsAStoreThatShowsAPartialOverwrite() throws Exception {
        assertFails(Flaw.NON_ATOMIC_PUT, ArtifactStoreContract::readerSeesTheOldOrTheWholeNewBlobDuringOverwrite);
    }

    @Test
    void failsAStoreThatKeepsHalfAFailedPut() throws Exception {
        assertFails(Flaw.KEEPS_FAILED_PART, ArtifactStoreContract::failedPutLeavesNoBlob);
        assertFails(Flaw.KEEPS_FAILED_PART, ArtifactStoreContract::failedOverwriteKeepsTheOldBlob);
    }

    @Test
    void failsAStoreThatGivesASecretToPods() throws Exception {
        assertFails(Flaw.SECRET_IN_POD_ENV, ArtifactStoreContract::podAccessCarriesNoSecrets);
    }

    @Test
    void failsAStoreWhoseMissingKeyErrorDoesNotSayWhere() throws Exception {
        assertFails(Flaw.MISSING_KEY_WITHOUT_LOCATION, ArtifactStoreContract::getOfAMissingKeyIsAStoreErrorNamingTheLocation);
    }

    @Test
    void failsAStoreThatTreatsPrefixesAsStrings() throws Exception {
        assertFails(Flaw.PREFIX_AS_STRING, ArtifactStoreContract::listReturnsKeysUnderAPrefixSorted);
        assertFails(Flaw.PREFIX_AS_STRING, ArtifactStoreContract::deletePrefixRemovesEveryKeyUnderItAndNothingElse);
    }

    @Test
    void passesTheCorrectStoreWhenRunByHand() throws Exception {
        Contract c = new Contract(Flaw.NONE);
        c.openStore();
        try {
            c.readerNeverSeesAPartialNewBlob();
            c.readerSeesTheOldOrTheWholeNewBlobDuringOverwrite();
            c.podAccessCarriesNoSecrets();
            c.failedPutLeavesNoBlob();
        } finally {
            c.closeStore();
        }
    }

    private interface ContractTest {
        void run(ArtifactStoreContract contract) throws Exception;
    }

    private static void assertFails(Flaw flaw, ContractTest test) throws Exception {
        Contract c = new Contract(flaw);
        c.openStore();
        try {
            AssertionError e = assertThrows(AssertionError.class, () -> test.run(c), "the contract missed " + flaw);
            assertTrue(e.getMessage() != null && !e.getMessage().isBlank(), "a failure says why");
        } finally {
            c.closeStore();
        }
    }

    /** The contract over a stand-in with a flaw. */
    private static final class Contract extends ArtifactStoreContract {
        private final Flaw flaw;

        Contract(Flaw flaw) {
            this.flaw = flaw;
        }

        @Override
        protected ArtifactStore newStore() {
            return new InMemoryStandInStore("mem://bucket/" + UUID.randomUUID(), flaw);
        }

        @Override
        protected ArtifactStoreFactory factory() {
            return new InMemoryStandInStore.Factory(flaw);
        }

        @Override
        protected StoreCapabilities capabilities() {
            return StoreCapabilities.builder().largeBlobBytes(8L << 20).atomicBlobBytes(4L << 20).build();
        }

        @Override
        protected Set<String> secrets() {
            return Set.of(InMemoryStandInStore.SECRET);
        }
    }
}
