package dev.valence.core;

import dev.valence.api.ErrorKind;
import dev.valence.api.Settings;
import dev.valence.api.ValenceException;
import dev.valence.spi.ArtifactStore;
import dev.valence.spi.ArtifactStoreFactory;
import dev.valence.spi.StoreAccess;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;

/** In-memory store double for core tests ({@code mem://name}); the launcher finds it by ServiceLoader. */
public final class MemoryStore implements ArtifactStore {
    private static final Map<String, MemoryStore> STORES = new ConcurrentHashMap<>();

    private final String location;
    final ConcurrentSkipListMap<String, byte[]> blobs = new ConcurrentSkipListMap<>();

    private MemoryStore(String location) {
        this.location = location;
    }

    /** The store at a {@code mem://} location, shared by every user in this JVM. */
    public static MemoryStore at(String location) {
        return STORES.computeIfAbsent(location, MemoryStore::new);
    }

    public Set<String> keys() {
        return blobs.keySet();
    }

    @Override
    public String location() {
        return location;
    }

    @Override
    public void put(String key, InputStream data) {
        try {
            blobs.put(key, data.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public InputStream get(String key) {
        byte[] b = blobs.get(key);
        if (b == null) {
            throw new ValenceException(ErrorKind.STORE, "no object at " + describe(key));
        }
        return new ByteArrayInputStream(b);
    }

    @Override
    public boolean exists(String key) {
        return blobs.containsKey(key);
    }

    @Override
    public List<String> list(String prefix) {
        return blobs.keySet().stream().filter(k -> k.startsWith(prefix)).toList();
    }

    @Override
    public void deletePrefix(String prefix) {
        blobs.keySet().removeIf(k -> k.startsWith(prefix));
    }

    @Override
    public StoreAccess podAccess() {
        return StoreAccess.env(Map.of("VALENCE_K8S_DATA_STORE", location));
    }

    /** Factory for {@code mem://} stores. */
    public static final class Factory implements ArtifactStoreFactory {
        @Override
        public String name() {
            return "memory";
        }

        @Override
        public Set<String> schemes() {
            return Set.of("mem");
        }

        @Override
        public ArtifactStore create(Settings settings) {
            return at(settings.dataStore());
        }
    }
}
