package dev.valence.core;

import dev.valence.api.ErrorKind;
import dev.valence.api.ValenceException;
import dev.valence.spi.ArtifactStore;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeSet;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The call cache in a data store: under {@code cache/<key>/}, {@code output} (the value as
 * {@link PayloadCodec} writes it) and {@code meta.properties} (the task, when and where it was made, the
 * output's size and SHA-256, and the key's parts). The output is written first and the metadata last,
 * each with the store's atomic put, so an entry without metadata is no entry. Used by the executors and
 * by {@code valence cache list|show|clear}.
 */
public final class CacheEntries {
    private static final Logger LOG = LoggerFactory.getLogger(CacheEntries.class);
    /** The store prefix of the cache. */
    public static final String PREFIX = "cache";
    static final String OUTPUT = "output";
    static final String META = "meta.properties";
    private static final String PART = "part.";

    private final ArtifactStore store;

    /** The cache in this store. */
    public CacheEntries(ArtifactStore store) {
        this.store = store;
    }

    /** One cached output's metadata: the key, its parts, and where the output came from. */
    public record Entry(String key, String task, Instant created, String executor, String dispatchId, String nodeId,
                        long outputBytes, String outputSha256, Map<String, String> parts) {
        public Entry {
            parts = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(parts));
        }

        /** True when {@code ttl} is set and the entry is older than it at {@code now}. */
        public boolean expired(Optional<Duration> ttl, Instant now) {
            return ttl.isPresent() && created.plus(ttl.get()).isBefore(now);
        }
    }

    /** What a lookup found: the value, or why there is none (a miss, an expired or a corrupt entry). */
    record Lookup(boolean hit, Object value, String why) {
    }

    /** The store's location, for messages. */
    public String location() {
        return store.describe(PREFIX);
    }

    /** Every entry with readable metadata, newest first; unreadable ones are logged at WARN and left out. */
    public List<Entry> list() {
        TreeSet<String> keys = new TreeSet<>();
        for (String k : store.list(PREFIX)) {
            String[] p = k.split("/");
            if (p.length == 3 && p[0].equals(PREFIX) && p[2].equals(META)) {
                keys.add(p[1]);
            }
        }
        List<Entry> out = new ArrayList<>();
        for (String key : keys) {
            try {
                out.add(read(key));
            } catch (ValenceException e) {
                LOG.warn("cache entry {} is unreadable ({}); it is a miss — remove it with: valence cache clear --key {}",
                        key, e.getMessage(), key);
            }
        }
        out.sort(Comparator.comparing(Entry::created).reversed());
        return out;
    }

    /**
     * The entry of a key, or of the one key starting with {@code prefix} (at least 6 hex digits); an unknown
     * or ambiguous prefix is an error naming what there is.
     */
    public Entry find(String prefix) {
        if (!prefix.matches("[0-9a-f]{6,64}")) {
            throw new ValenceException(ErrorKind.CONFIG, "cache key '" + prefix + "' is not valid: expected 6 to 64 "
                    + "lowercase hex digits (a key or its start, as 'valence cache list' shows)");
        }
        List<String> matches = new ArrayList<>();
        for (String k : store.list(PREFIX)) {
            String[] p = k.split("/");
            if (p.length == 3 && p[2].equals(META) && p[1].startsWith(prefix)) {
                matches.add(p[1]);
            }
        }
        if (matches.isEmpty()) {
            throw new ValenceException(ErrorKind.CONFIG, "no cache entry with key '" + prefix + "' in "
                    + location() + "; list them with: valence cache list");
        }
        if (matches.size() > 1) {
            throw new ValenceException(ErrorKind.CONFIG, "cache key '" + prefix + "' is ambiguous: it starts "
                    + matches.size() + " entries (" + String.join(", ", matches.stream().map(CallKey::shortForm).toList())
                    + "); give more digits");
        }
        return read(matches.get(0));
    }

    /** The entry's metadata; a missing or unreadable file is a {@code STORE} error. */
    Entry read(String key) {
        String text = new String(store.getBytes(metaKey(key)), StandardCharsets.UTF_8);
        Properties p = new Properties();
        try {
            p.load(new StringReader(text));
        } catch (IOException | IllegalArgumentException e) {
            throw new ValenceException(ErrorKind.STORE, "metadata " + store.describe(metaKey(key)) + " is not a "
                    + "properties file: " + e.getMessage());
        }
        Map<String, String> parts = new LinkedHashMap<>();
        int n = 0;
        for (String name = p.getProperty(PART + n + ".name"); name != null; name = p.getProperty(PART + (++n) + ".name")) {
            parts.put(name, p.getProperty(PART + n + ".value", ""));
        }
        try {
            Entry e = new Entry(require(p, "key", key), require(p, "task", key), Instant.parse(require(p, "created", key)),
                    p.getProperty("executor", ""), p.getProperty("dispatch", ""), p.getProperty("node", ""),
                    Long.parseLong(require(p, "output_bytes", key)), require(p, "output_sha256", key), parts);
            if (!e.key().equals(key) || !CallKey.digestOf(parts).equals(key)) {
                throw new ValenceException(ErrorKind.STORE, "metadata " + store.describe(metaKey(key))
                        + " does not describe key " + key + " (its key or parts differ)");
            }
            return e;
        } catch (DateTimeParseException | NumberFormatException e) {
            throw new ValenceException(ErrorKind.STORE, "metadata " + store.describe(metaKey(key)) + " has a bad value: "
                    + e.getMessage());
        }
    }

    private String require(Properties p, String name, String key) {
        String v = p.getProperty(name);
        if (v == null) {
            throw new ValenceException(ErrorKind.STORE, "metadata " + store.describe(metaKey(key)) + " has no '" + name
                    + "'");
        }
        return v;
    }

    /**
     * Looks a key up: a hit when the entry's metadata is readable and names this key, it is not older than
     * {@code ttl}, and its output has the recorded size and SHA-256 and decodes to a value. Anything else is
     * a miss; a corrupt entry is also a WARN (and is overwritten when the call completes).
     */
    Lookup lookup(String key, Optional<Duration> ttl, ClassLoader loader) {
        if (!store.exists(metaKey(key))) {
            return new Lookup(false, null, "no entry");
        }
        Entry e;
        byte[] output;
        try {
            e = read(key);
            if (e.expired(ttl, Instant.now())) {
                return new Lookup(false, null, "entry made " + e.created() + " expired (cache_ttl " + ttl.get() + ")");
            }
            output = store.getBytes(outputKey(key));
        } catch (ValenceException | UncheckedIOException x) {
            return corrupt(key, x.getMessage());
        }
        if (output.length != e.outputBytes() || !CallKey.hex(CallKey.sha256().digest(output)).equals(e.outputSha256())) {
            return corrupt(key, "its output is " + output.length + " bytes with another SHA-256 than its metadata records");
        }
        try {
            PayloadCodec.Output out = PayloadCodec.decodeOutput(new ByteArrayInputStream(output),
                    store.describe(outputKey(key)), loader);
            if (!out.ok()) {
                return corrupt(key, "its output holds an error, and a failed call is never cached");
            }
            return new Lookup(true, out.value(), "hit");
        } catch (ValenceException | ClassCastException x) {
            return corrupt(key, x.getMessage());
        }
    }

    private Lookup corrupt(String key, String why) {
        LOG.warn("cache entry {} is corrupt ({}); treating it as a miss and running the call", store.describe(
                PREFIX + "/" + key), why);
        return new Lookup(false, null, "corrupt entry: " + why);
    }

    /** Writes an entry for a completed call: the output, then the metadata; false (logged) when the value cannot be written. */
    boolean write(CallKey key, Object value, String executor, String dispatchId, String nodeId) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try {
            PayloadCodec.write(bytes, PayloadCodec.Output.value(value));
        } catch (IOException e) {
            LOG.debug("output of task '{}' is not cached: it cannot be serialized ({})", key.parts().get("task"), e.toString());
            return false;
        }
        byte[] output = bytes.toByteArray();
        Properties p = new Properties();
        p.setProperty("key", key.hex());
        p.setProperty("task", key.parts().getOrDefault("task", ""));
        p.setProperty("created", Instant.now().toString());
        p.setProperty("executor", executor);
        p.setProperty("dispatch", dispatchId);
        p.setProperty("node", nodeId);
        p.setProperty("output_bytes", Long.toString(output.length));
        p.setProperty("output_sha256", CallKey.hex(CallKey.sha256().digest(output)));
        int i = 0;
        for (Map.Entry<String, String> part : key.parts().entrySet()) {
            p.setProperty(PART + i + ".name", part.getKey());
            p.setProperty(PART + i + ".value", part.getValue());
            i++;
        }
        StringWriter text = new StringWriter();
        try {
            p.store(text, "Valence call cache entry");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        store.put(outputKey(key.hex()), output);
        store.put(metaKey(key.hex()), text.toString().getBytes(StandardCharsets.UTF_8));
        return true;
    }

    /** Deletes the entries that match; returns how many. */
    public int clear(Predicate<Entry> which) {
        int n = 0;
        for (Entry e : list()) {
            if (which.test(e)) {
                store.deletePrefix(PREFIX + "/" + e.key());
                n++;
            }
        }
        return n;
    }

    /** Deletes everything under {@code cache/}, unreadable entries too. */
    public void clearAll() {
        store.deletePrefix(PREFIX);
    }

    /** The parts whose values differ between two entries (a part only one has counts as differing), by name. */
    public static Map<String, String[]> differences(Entry a, Entry b) {
        Map<String, String[]> out = new LinkedHashMap<>();
        TreeSet<String> names = new TreeSet<>(a.parts().keySet());
        names.addAll(b.parts().keySet());
        List<String> ordered = new ArrayList<>(a.parts().keySet());
        b.parts().keySet().stream().filter(n -> !ordered.contains(n)).forEach(ordered::add);
        for (String n : ordered) {
            String va = a.parts().getOrDefault(n, "(none)");
            String vb = b.parts().getOrDefault(n, "(none)");
            if (!va.equals(vb)) {
                out.put(n, new String[] {va, vb});
            }
        }
        return out;
    }

    /** How a key or part value is shown: 64-hex digests cut to 12 digits. */
    public static String shortForm(String value) {
        return CallKey.shortForm(value);
    }

    static String metaKey(String key) {
        return PREFIX + "/" + key + "/" + META;
    }

    static String outputKey(String key) {
        return PREFIX + "/" + key + "/" + OUTPUT;
    }
}
