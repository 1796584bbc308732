package dev.valence.tck.store;

/**
 * What a store under test supports, so {@link ArtifactStoreContract} asks no more of it; the
 * defaults are what every production store must do. Build with {@link #builder()}.
 */
public final class StoreCapabilities {
    private final long largeBlobBytes;
    private final long atomicBlobBytes;
    private final boolean hostPathVolumes;
    private final boolean oddCharacterKeys;

    private StoreCapabilities(Builder b) {
        if (b.largeBlobBytes < 1 || b.atomicBlobBytes < 4) {
            throw new IllegalArgumentException("largeBlobBytes must be >= 1 and atomicBlobBytes >= 4");
        }
        largeBlobBytes = b.largeBlobBytes;
        atomicBlobBytes = b.atomicBlobBytes;
        hostPathVolumes = b.hostPathVolumes;
        oddCharacterKeys = b.oddCharacterKeys;
    }

    /** A builder with every default. */
    public static Builder builder() {
        return new Builder();
    }

    /** Size of the large blob written and read back by digest; default 64 MiB. */
    public long largeBlobBytes() {
        return largeBlobBytes;
    }

    /** Size of the blob a writer is held in the middle of, in the atomic-output tests; default 24 MiB. */
    public long atomicBlobBytes() {
        return atomicBlobBytes;
    }

    /** Whether {@code podAccess()} mounts host directories (a local store); default false: env only. */
    public boolean hostPathVolumes() {
        return hostPathVolumes;
    }

    /** Whether keys may hold spaces, non-ASCII letters and {@code + = % & # ? @ ,}; default true. */
    public boolean oddCharacterKeys() {
        return oddCharacterKeys;
    }

    @Override
    public String toString() {
        return "StoreCapabilities[largeBlobBytes=" + largeBlobBytes + ", atomicBlobBytes=" + atomicBlobBytes
                + ", hostPathVolumes=" + hostPathVolumes + ", oddCharacterKeys=" + oddCharacterKeys + "]";
    }

    /** Builder for {@link StoreCapabilities}. */
    public static final class Builder {
        private long largeBlobBytes = 64L * 1024 * 1024;
        private long atomicBlobBytes = 24L * 1024 * 1024;
        private boolean hostPathVolumes;
        private boolean oddCharacterKeys = true;

        private Builder() {
        }

        /** Size of the large blob; keep the production default unless the backend is a test stand-in. */
        public Builder largeBlobBytes(long v) {
            largeBlobBytes = v;
            return this;
        }

        /** Size of the blob in the atomic-output tests; pick it above the store's part or block size. */
        public Builder atomicBlobBytes(long v) {
            atomicBlobBytes = v;
            return this;
        }

        /** The store mounts host directories into pods. */
        public Builder hostPathVolumes(boolean v) {
            hostPathVolumes = v;
            return this;
        }

        /** The store accepts keys with odd characters. */
        public Builder oddCharacterKeys(boolean v) {
            oddCharacterKeys = v;
            return this;
        }

        /** Validates and builds. */
        public StoreCapabilities build() {
            return new StoreCapabilities(this);
        }
    }
}
