package dev.valence.tck.store;

import dev.valence.api.ErrorKind;
import dev.valence.api.Settings;
import dev.valence.api.ValenceException;
import dev.valence.spi.ArtifactStore;
import dev.valence.spi.ArtifactStoreFactory;
import dev.valence.spi.StoreAccess;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.regex.Pattern;

/**
 * Test stand-in: an in-memory store at {@code mem://name}, correct unless given a {@link Flaw}, so the
 * contract's own tests can show that it passes a right store and fails a wrong one.
 */
final class InMemoryStandInStore implements ArtifactStore {

    /** A deliberate bug the contract must catch. */
    enum Flaw { NONE, NON_ATOMIC_PUT, SECRET_IN_POD_ENV, MISSING_KEY_WITHOUT_LOCATION, PREFIX_AS_STRING, KEEPS_FAILED_PART }

    static final String SECRET = "s3cr3t-value";
    private static final Pattern BAD_KEY = Pattern.compile("(^|/)(\\.|\\.\\.)?(/|$)");
    private static final Map<String, ConcurrentSkipListMap<String, byte[]>> SPACES = new ConcurrentHashMap<>();

    private final String location;
    private final ConcurrentSkipListMap<String, byte[]> blobs;
    private final Flaw flaw;

    InMemoryStandInStore(String location, Flaw flaw) {
        this.location = location;
        this.blobs = SPACES.computeIfAbsent(location, l -> new ConcurrentSkipListMap<>());
        this.flaw = flaw;
    }

    @Override
    public String location() {
        return location;
    }

    @Override
    public void put(String key, InputStream data) {
        check(key, false);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[1 << 20];
        try {
            for (int n; (n = data.read(buf)) >= 0; ) {
                out.write(buf, 0, n);
                if (flaw == Flaw.NON_ATOMIC_PUT) {
                    blobs.put(key, out.toByteArray());
                }
            }
        } catch (IOException e) {
            if (flaw == Flaw.KEEPS_FAILED_PART) {
                blobs.put(key, out.toByteArray());
            }
            throw new ValenceException(ErrorKind.STORE, "writing " + describe(key) + " failed: " + e.getMessage(), e);
        }
        blobs.put(key, out.toByteArray());
    }

    @Override
    public InputStream get(String key) {
        check(key, false);
        byte[] b = blobs.get(key);
        if (b == null) {
            throw new ValenceException(ErrorKind.STORE, flaw == Flaw.MISSING_KEY_WITHOUT_LOCATION
                    ? "no such object" : "no object at " + describe(key));
        }
        return new ByteArrayInputStream(b);
    }

    @Override
    public boolean exists(String key) {
        check(key, false);
        return blobs.containsKey(key);
    }

    @Override
    public List<String> list(String prefix) {
        check(prefix, true);
        String p = flaw == Flaw.PREFIX_AS_STRING || prefix.isEmpty() || prefix.endsWith("/") ? prefix : prefix + "/";
        return blobs.keySet().stream().filter(k -> k.startsWith(p)).sorted().toList();
    }

    @Override
    public void deletePrefix(String prefix) {
        list(prefix).forEach(blobs::remove);
    }

    @Override
    public StoreAccess podAccess() {
        return flaw == Flaw.SECRET_IN_POD_ENV
                ? StoreAccess.env(Map.of("VALENCE_K8S_DATA_STORE", location, "VALENCE_K8S_MEM_PASSWORD", SECRET))
                : StoreAccess.env(Map.of("VALENCE_K8S_DATA_STORE", location));
    }

    private void check(String key, boolean prefix) {
        String k = prefix && key.endsWith("/") ? key.substring(0, key.length() - 1) : key;
        if (prefix && key.isEmpty()) {
            return;
        }
        if (k.isEmpty() || k.startsWith("/") || k.endsWith("/") || BAD_KEY.matcher(k).find()) {
            throw new ValenceException(ErrorKind.STORE, "key '" + key + "' is not valid");
        }
    }

    /** Factory of the stand-in, scheme {@code mem}. */
    static final class Factory implements ArtifactStoreFactory {
        private final Flaw flaw;

        Factory(Flaw flaw) {
            this.flaw = flaw;
        }

        @Override
        public String name() {
            return "mem";
        }

        @Override
        public Set<String> schemes() {
            return Set.of("mem");
        }

        @Override
        public ArtifactStore create(Settings settings) {
            return new InMemoryStandInStore(settings.dataStore(), flaw);
        }
    }
}
