package dev.valence.spi;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;

/** Port to a blob store holding task inputs and outputs under the {@code data_store} prefix. */
public interface ArtifactStore extends AutoCloseable {

    /** The store's root, e.g. {@code s3://bucket/prefix}. */
    String location();

    /** Full location of a key, for error messages. */
    default String describe(String key) {
        return location().endsWith("/") ? location() + key : location() + "/" + key;
    }

    /** Writes a blob, streaming; readers see the old object or the whole new one, never a part. */
    void put(String key, InputStream data);

    /** Writes a small blob. */
    default void put(String key, byte[] data) {
        put(key, new ByteArrayInputStream(data));
    }

    /** Opens a blob for streaming; a missing key is a {@code STORE} error naming its location. */
    InputStream get(String key);

    /** Reads a whole small blob. */
    default byte[] getBytes(String key) {
        try (InputStream in = get(key)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + describe(key), e);
        }
    }

    /** Whether the key holds a blob. */
    boolean exists(String key);

    /**
     * Keys under a prefix, sorted. A prefix is a folder: {@code list("d1")} equals {@code list("d1/")}
     * and never includes {@code d10/...}.
     */
    List<String> list(String prefix);

    /** Deletes every blob under a prefix (a folder, as for {@link #list}); nothing there is fine. */
    void deletePrefix(String prefix);

    /** How a pod reaches this store: env variables and volumes for its Job. */
    StoreAccess podAccess();

    /**
     * How the pod of one task reaches this store when it only needs the keys under {@code prefix}
     * (its {@code <dispatch>/<node>/} folder): a store that mounts host directories mounts just that
     * one. By default the same as {@link #podAccess()}.
     */
    default StoreAccess podAccess(String prefix) {
        return podAccess();
    }

    @Override
    default void close() {}
}
