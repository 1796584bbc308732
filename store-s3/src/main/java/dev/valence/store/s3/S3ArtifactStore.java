package dev.valence.store.s3;

import dev.valence.spi.StoreLocation;
import dev.valence.spi.StoreKeys;
import dev.valence.api.ClusterFileRef;
import dev.valence.api.ErrorKind;
import dev.valence.api.Settings;
import dev.valence.api.ValenceException;
import dev.valence.spi.ArtifactStore;
import dev.valence.spi.StoreAccess;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ChecksumAlgorithm;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.DeleteObjectsResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.s3.model.UploadPartResponse;

/**
 * A store in an S3 bucket under a prefix. A blob smaller than one part is one PutObject; a larger
 * one is a multipart upload streamed part by part (one part in memory), aborted on failure. S3
 * makes an object visible only when its upload completes, so readers never see a part of one.
 */
final class S3ArtifactStore implements ArtifactStore {
    private static final Logger LOG = LoggerFactory.getLogger(S3ArtifactStore.class);
    /** Part size of multipart uploads (S3 needs at least 5 MiB for every part but the last). */
    static final int PART_SIZE = 8 * 1024 * 1024;
    private static final int DELETE_BATCH = 1000;

    private final S3Client s3;
    private final StoreLocation where;
    private final S3Errors errors;
    private final String region;
    private final String endpoint;
    /** The endpoint as pods reach it ({@code pod_s3_endpoint}, else {@code s3_endpoint}). */
    private final String podEndpoint;
    /** {@code ca_bundle}: the Secret or ConfigMap key pods mount and trust. */
    private final Optional<ClusterFileRef> caBundle;

    S3ArtifactStore(S3Client s3, StoreLocation where, String region, String endpoint, String podEndpoint,
            Optional<ClusterFileRef> caBundle) {
        this.podEndpoint = podEndpoint;
        this.caBundle = caBundle;
        this.s3 = s3;
        this.where = where;
        this.region = region;
        this.endpoint = endpoint;
        this.errors = new S3Errors(where, region, endpoint);
    }

    @Override
    public String location() {
        return where.toString();
    }

    @Override
    public void put(String key, InputStream data) {
        String objectKey = where.name(StoreKeys.key(key, location()));
        byte[] first;
        try {
            first = data.readNBytes(PART_SIZE); // sized to the data: a small blob costs its own size, not a part
        } catch (IOException e) {
            throw sourceFailed(key, e);
        }
        if (first.length < PART_SIZE) {
            try {
                s3.putObject(b -> b.bucket(where.root()).key(objectKey), body(first, first.length));
            } catch (SdkException e) {
                throw errors.translate("writing " + describe(key), e);
            }
            LOG.debug("put {} ({} bytes)", describe(key), first.length);
            return;
        }
        multipart(key, objectKey, first, first.length, data);
    }

    /** Uploads {@code part} (full) and the rest of {@code data} in parts, reusing {@code part} as the buffer. */
    private void multipart(String key, String objectKey, byte[] part, int first, InputStream data) {
        String uploadId;
        try {
            uploadId = s3.createMultipartUpload(b -> b.bucket(where.root()).key(objectKey)
                    .checksumAlgorithm(ChecksumAlgorithm.CRC32)).uploadId();
        } catch (SdkException e) {
            throw errors.translate("writing " + describe(key), e);
        }
        List<CompletedPart> parts = new ArrayList<>();
        long total = 0;
        try {
            int n = first;
            while (n > 0) {
                int number = parts.size() + 1;
                int length = n;
                UploadPartResponse r = s3.uploadPart(b -> b.bucket(where.root()).key(objectKey).uploadId(uploadId)
                        .partNumber(number).contentLength((long) length).checksumAlgorithm(ChecksumAlgorithm.CRC32),
                        body(part, n));
                parts.add(CompletedPart.builder().partNumber(number).eTag(r.eTag()).checksumCRC32(r.checksumCRC32())
                        .build());
                total += n;
                try {
                    n = data.readNBytes(part, 0, PART_SIZE);
                } catch (IOException e) {
                    throw sourceFailed(key, e);
                }
            }
            s3.completeMultipartUpload(b -> b.bucket(where.root()).key(objectKey).uploadId(uploadId)
                    .multipartUpload(u -> u.parts(parts)));
            LOG.debug("put {} ({} bytes in {} parts)", describe(key), total, parts.size());
        } catch (RuntimeException e) {
            abort(key, objectKey, uploadId);
            throw e instanceof SdkException sdk ? errors.translate("writing " + describe(key), sdk) : e;
        }
    }

    private void abort(String key, String objectKey, String uploadId) {
        try {
            s3.abortMultipartUpload(b -> b.bucket(where.root()).key(objectKey).uploadId(uploadId));
            LOG.debug("aborted the upload of {}", describe(key));
        } catch (SdkException e) {
            LOG.warn("could not abort the multipart upload {} of {}: {}; a bucket lifecycle rule"
                    + " (AbortIncompleteMultipartUpload) removes it", uploadId, describe(key), e.getMessage());
        }
    }

    private ValenceException sourceFailed(String key, IOException e) {
        return new ValenceException(ErrorKind.STORE, "writing " + describe(key) + " failed: reading the data to write: "
                + e.getMessage() + "; nothing was written", e);
    }

    private static RequestBody body(byte[] bytes, int length) {
        return RequestBody.fromInputStream(new ByteArrayInputStream(bytes, 0, length), length);
    }

    @Override
    public InputStream get(String key) {
        String objectKey = where.name(StoreKeys.key(key, location()));
        try {
            return AbortOnEarlyClose.of(s3.getObject(b -> b.bucket(where.root()).key(objectKey)));
        } catch (NoSuchKeyException e) {
            throw missing(key);
        } catch (SdkException e) {
            throw errors.translate("reading " + describe(key), e);
        }
    }

    @Override
    public boolean exists(String key) {
        String objectKey = where.name(StoreKeys.key(key, location()));
        try {
            s3.headObject(b -> b.bucket(where.root()).key(objectKey));
            return true;
        } catch (NoSuchKeyException e) {
            return false;
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return false;
            }
            throw errors.translate("checking " + describe(key), e);
        } catch (SdkException e) {
            throw errors.translate("checking " + describe(key), e);
        }
    }

    @Override
    public List<String> list(String prefix) {
        String folder = StoreKeys.prefix(prefix, location());
        List<String> keys = new ArrayList<>();
        for (S3Object o : objects(folder)) {
            keys.add(where.storeKey(o.key()));
        }
        Collections.sort(keys);
        return keys;
    }

    private List<S3Object> objects(String folder) {
        String objectPrefix = where.folder(folder);
        try {
            List<S3Object> all = new ArrayList<>();
            s3.listObjectsV2Paginator(b -> b.bucket(where.root()).prefix(objectPrefix)).contents().forEach(all::add);
            return all;
        } catch (SdkException e) {
            throw errors.translate("listing " + describe(folder), e);
        }
    }

    @Override
    public void deletePrefix(String prefix) {
        String folder = StoreKeys.prefix(prefix, location());
        List<S3Object> objects = objects(folder);
        for (int from = 0; from < objects.size(); from += DELETE_BATCH) {
            List<ObjectIdentifier> batch = objects.subList(from, Math.min(objects.size(), from + DELETE_BATCH)).stream()
                    .map(o -> ObjectIdentifier.builder().key(o.key()).build()).toList();
            DeleteObjectsResponse r;
            try {
                r = s3.deleteObjects(b -> b.bucket(where.root()).delete(d -> d.objects(batch).quiet(true)));
            } catch (SdkException e) {
                throw errors.translate("deleting " + describe(folder), e);
            }
            if (r.hasErrors() && !r.errors().isEmpty()) {
                throw new ValenceException(ErrorKind.STORE, "deleting " + describe(folder) + " failed for "
                        + r.errors().size() + " objects: " + r.errors().stream().limit(3)
                        .map(err -> "s3://" + where.root() + "/" + err.key() + " (" + err.code() + ": " + err.message() + ")")
                        .collect(Collectors.joining(", ")) + "; check s3:DeleteObject permission on the bucket");
            }
        }
        LOG.debug("deleted {} objects under {}", objects.size(), describe(folder));
    }

    @Override
    public StoreAccess podAccess() {
        return S3Location.podAccess(location(), region, podEndpoint, caBundle);
    }

    @Override
    public void close() {
        s3.close();
    }

    @Override
    public String toString() {
        return "S3ArtifactStore[" + location() + ", region " + region + (endpoint.isEmpty() ? "" : ", endpoint " + endpoint)
                + "]";
    }

    private ValenceException missing(String key) {
        return new ValenceException(ErrorKind.STORE, "no object at " + describe(key)
                + ": nothing was written there or it was deleted");
    }
}
