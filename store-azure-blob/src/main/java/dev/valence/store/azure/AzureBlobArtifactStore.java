package dev.valence.store.azure;

import dev.valence.spi.StoreLocation;
import dev.valence.spi.StoreKeys;
import com.azure.core.util.BinaryData;
import com.azure.storage.blob.BlobContainerAsyncClient;
import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.models.BlobDownloadAsyncResponse;
import com.azure.storage.blob.models.BlobErrorCode;
import com.azure.storage.blob.models.BlobItem;
import com.azure.storage.blob.models.BlobStorageException;
import com.azure.storage.blob.models.DownloadRetryOptions;
import com.azure.storage.blob.models.ListBlobsOptions;
import com.azure.storage.blob.specialized.BlockBlobClient;
import dev.valence.api.ClusterFileRef;
import dev.valence.api.ErrorKind;
import dev.valence.api.Settings;
import dev.valence.api.ValenceException;
import dev.valence.spi.ArtifactStore;
import dev.valence.spi.StoreAccess;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A store in an Azure Blob container under a prefix. A blob smaller than one block is one Put Blob;
 * a larger one is staged block by block from the stream (one block in memory) and committed as a
 * block list at the end; Azure makes the new blob visible only at that commit, so readers see the
 * old blob or the whole new one, and a failed put commits nothing. A get is one
 * streamed download (resumed on network errors), not a series of range reads.
 */
final class AzureBlobArtifactStore implements ArtifactStore {
    private static final Logger LOG = LoggerFactory.getLogger(AzureBlobArtifactStore.class);
    /** Block size of staged uploads, also the largest blob sent in one request. */
    static final int BLOCK_SIZE = 4 * 1024 * 1024;

    private final BlobContainerClient container;
    private final BlobContainerAsyncClient asyncContainer;
    private final StoreLocation where;
    private final AzureErrors errors;
    private final String account;
    private final String endpoint;
    private final boolean defaultEndpoint;
    private final Optional<ClusterFileRef> caBundle;

    AzureBlobArtifactStore(BlobContainerClient container, BlobContainerAsyncClient asyncContainer, StoreLocation where,
                           AzureErrors errors, String account, String endpoint, boolean defaultEndpoint,
                           Optional<ClusterFileRef> caBundle) {
        this.container = container;
        this.asyncContainer = asyncContainer;
        this.where = where;
        this.errors = errors;
        this.account = account;
        this.endpoint = endpoint;
        this.defaultEndpoint = defaultEndpoint;
        this.caBundle = caBundle;
    }

    @Override
    public String location() {
        return where.toString();
    }

    @Override
    public void put(String key, InputStream data) {
        BlockBlobClient blob = container.getBlobClient(where.name(StoreKeys.key(key, location()))).getBlockBlobClient();
        byte[] block;
        try {
            block = data.readNBytes(BLOCK_SIZE); // sized to the data: a small blob costs its own size, not a block
        } catch (IOException e) {
            throw sourceFailed(key, e);
        }
        try {
            if (block.length < BLOCK_SIZE) {
                blob.upload(BinaryData.fromBytes(block), true);
                LOG.debug("put {} ({} bytes)", describe(key), block.length);
                return;
            }
            String upload = UUID.randomUUID().toString().replace("-", "");
            List<String> ids = new ArrayList<>();
            for (int n = block.length; n > 0; n = fill(key, data, block)) {
                String id = Base64.getEncoder().encodeToString(
                        String.format("valence-%s-%06d", upload, ids.size()).getBytes(StandardCharsets.US_ASCII));
                // A byte array (not a ByteBuffer) body is sent in small chunks: the JDK client then needs no
                // block-sized direct buffer per thread. The last, shorter block is copied once.
                blob.stageBlock(id, BinaryData.fromBytes(n == block.length ? block : Arrays.copyOf(block, n)));
                ids.add(id);
            }
            blob.commitBlockList(ids, true);
            LOG.debug("put {} ({} blocks)", describe(key), ids.size());
        } catch (ValenceException e) {
            throw e;
        } catch (RuntimeException e) {
            throw errors.translate("writing " + describe(key), e);
        }
    }

    /** Reads the next block into {@code block}; returns its length, 0 at the end. */
    private int fill(String key, InputStream data, byte[] block) {
        try {
            return data.readNBytes(block, 0, block.length);
        } catch (IOException e) {
            throw sourceFailed(key, e);
        }
    }

    private ValenceException sourceFailed(String key, IOException e) {
        return new ValenceException(ErrorKind.STORE, "writing " + describe(key) + " failed: reading the data to write: "
                + e.getMessage() + "; nothing was committed", e);
    }

    @Override
    public InputStream get(String key) {
        String blob = where.name(StoreKeys.key(key, location()));
        BlobDownloadAsyncResponse response;
        try {
            response = asyncContainer.getBlobAsyncClient(blob)
                    .downloadStreamWithResponse(null, new DownloadRetryOptions().setMaxRetryRequests(5), null, false)
                    .block(Duration.ofMinutes(2));
        } catch (BlobStorageException e) {
            if (BlobErrorCode.BLOB_NOT_FOUND.equals(e.getErrorCode())) {
                throw missing(key);
            }
            throw errors.translate("reading " + describe(key), e);
        } catch (RuntimeException e) {
            throw errors.translate("reading " + describe(key), e);
        }
        if (response == null) {
            throw errors.translate("reading " + describe(key), new IllegalStateException("no response"));
        }
        BinaryData body = BinaryData.fromFlux(response.getValue(), null, false).block();
        return body.toStream();
    }

    @Override
    public boolean exists(String key) {
        String blob = where.name(StoreKeys.key(key, location()));
        try {
            return container.getBlobClient(blob).exists();
        } catch (RuntimeException e) {
            throw errors.translate("checking " + describe(key), e);
        }
    }

    @Override
    public List<String> list(String prefix) {
        String folder = StoreKeys.prefix(prefix, location());
        List<String> keys = new ArrayList<>();
        for (BlobItem item : blobs(folder)) {
            keys.add(where.storeKey(item.getName()));
        }
        Collections.sort(keys);
        return keys;
    }

    private List<BlobItem> blobs(String folder) {
        try {
            List<BlobItem> all = new ArrayList<>();
            container.listBlobs(new ListBlobsOptions().setPrefix(where.folder(folder)), null).forEach(all::add);
            return all;
        } catch (RuntimeException e) {
            throw errors.translate("listing " + describe(folder), e);
        }
    }

    @Override
    public void deletePrefix(String prefix) {
        String folder = StoreKeys.prefix(prefix, location());
        List<BlobItem> blobs = blobs(folder);
        for (BlobItem item : blobs) {
            try {
                container.getBlobClient(item.getName()).deleteIfExists();
            } catch (RuntimeException e) {
                throw errors.translate("deleting " + location() + "/" + item.getName(), e);
            }
        }
        LOG.debug("deleted {} blobs under {}", blobs.size(), describe(folder));
    }

    @Override
    public StoreAccess podAccess() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put(Settings.ENV_PREFIX + "DATA_STORE", location());
        env.put(Settings.ENV_PREFIX + "AZURE_ACCOUNT", account);
        if (!defaultEndpoint) {
            env.put(Settings.ENV_PREFIX + "AZURE_BLOB_ENDPOINT", endpoint);
        }
        return StoreAccess.builder().env(env).caBundle(caBundle).build();
    }

    @Override
    public String toString() {
        return "AzureBlobArtifactStore[" + location() + ", account " + account + " at " + endpoint + "]";
    }

    private ValenceException missing(String key) {
        return new ValenceException(ErrorKind.STORE, "no object at " + describe(key)
                + ": nothing was written there or it was deleted");
    }
}
