package dev.valence.benchmarks;

import dev.valence.store.azure.AzuriteBed;
import dev.valence.store.s3.S3ProxyBed;

import dev.valence.api.Settings;
import dev.valence.spi.ArtifactStore;
import dev.valence.spi.ArtifactStoreFactory;
import dev.valence.spi.Plugins;
import dev.valence.tck.store.BlobDigest;
import dev.valence.tck.store.GeneratedBlob;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.gaul.s3proxy.S3Proxy;

/**
 * Issue 5: put and get of one large blob (64 MiB by default) through each {@code ArtifactStore}
 * (store-local; store-s3 on S3Proxy embedded; store-azure-blob on Azurite), against a plain file
 * copy of the same file, write then read, measured in the same run and interleaved. The blob is
 * generated once into a source file; every side streams from that file and reads back into a sink.
 */
public final class StoreThroughput {
    private static final String BUCKET = "valence-bench";
    private static final String CONTAINER = "valence-bench";
    private static final double MIB = 1024 * 1024;

    private StoreThroughput() {
    }

    /** Options: {@code --size-mib=64 --runs=3 --stores=local,s3,azblob}. */
    public static void main(String[] args) throws Exception {
        Logging.quiet();
        run(Options.parse(args), System.out);
    }

    static void run(Options o, PrintStream out) throws Exception {
        o.only("size-mib", "runs", "stores");
        int sizeMib = o.integer("size-mib", 64);
        int runs = o.integer("runs", 3);
        List<String> stores = o.list("stores", "local,s3,azblob");
        for (String s : stores) {
            if (!List.of("local", "s3", "azblob").contains(s)) {
                throw new IllegalArgumentException("--stores: unknown store '" + s + "' (known: local, s3, azblob)");
            }
        }
        long size = sizeMib * 1024L * 1024L;
        out.printf("Artifact store throughput (issue 5): put + get of a %d MiB blob, %d runs per way, interleaved with "
                + "a plain file copy (Files.copy to a new file, then read back); backends on loopback; %d cores, "
                + "Java %s%n", sizeMib, runs, Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"));
        Path work = Files.createTempDirectory("valence-bench-store");
        List<Way> ways = new ArrayList<>();
        try {
            GeneratedBlob blob = GeneratedBlob.of(size, 5);
            Path source = work.resolve("source.bin");
            try (InputStream in = blob.stream()) {
                Files.copy(in, source);
            }
            BlobDigest expected = blob.digest();
            ways.add(new FileCopy(work));
            for (String s : stores) {
                ways.add(switch (s) {
                    case "local" -> StoreWay.local(work);
                    case "s3" -> StoreWay.s3(work);
                    default -> StoreWay.azblob(work);
                });
            }
            // one unmeasured round per way: JIT, connections, the page cache of the source file; and a content check
            for (Way w : ways) {
                w.put(source, "warm");
                try (InputStream in = w.get("warm")) {
                    BlobDigest got = BlobDigest.of(in);
                    if (!got.equals(expected)) {
                        throw new IllegalStateException(w.name() + " read back " + got + ", wrote " + expected);
                    }
                }
                w.delete("warm");
            }
            Map<Way, Samples> puts = new LinkedHashMap<>();
            Map<Way, Samples> gets = new LinkedHashMap<>();
            ways.forEach(w -> {
                puts.put(w, new Samples());
                gets.put(w, new Samples());
            });
            for (int r = 0; r < runs; r++) {
                for (Way w : ways) {
                    String key = "run-" + r;
                    long t0 = System.nanoTime();
                    w.put(source, key);
                    long t1 = System.nanoTime();
                    long read;
                    try (InputStream in = w.get(key)) {
                        read = in.transferTo(OutputStream.nullOutputStream());
                    }
                    long t2 = System.nanoTime();
                    if (read != size) {
                        throw new IllegalStateException(w.name() + " read " + read + " bytes back, wrote " + size);
                    }
                    w.delete(key);
                    puts.get(w).add(t1 - t0);
                    gets.get(w).add(t2 - t1);
                }
            }
            Way base = ways.get(0);
            Table t = new Table("store", "backend", "put median ms", "put MiB/s", "get median ms", "get MiB/s",
                    "put+get ms", "× file copy");
            for (Way w : ways) {
                long p = puts.get(w).median();
                long g = gets.get(w).median();
                long both = p + g;
                long baseBoth = puts.get(base).median() + gets.get(base).median();
                t.row(w.name(), w.backend(), Samples.ms(p), mbps(size, p), Samples.ms(g), mbps(size, g),
                        Samples.ms(both), (double) both / baseBoth);
            }
            t.print(out);
            out.println("medians; MiB/s = mebibytes per second; × file copy = (put + get) ÷ the plain file copy's (write + read).");
            for (Way w : ways.subList(1, ways.size())) {
                long both = puts.get(w).median() + gets.get(w).median();
                long baseBoth = puts.get(base).median() + gets.get(base).median();
                out.printf(Locale.ROOT, "%s: put+get of %d MiB = %.2f× a plain file copy (%.0f ms vs %.0f ms)%n",
                        w.name(), sizeMib, (double) both / baseBoth, Samples.ms(both), Samples.ms(baseBoth));
            }
        } finally {
            for (Way w : ways) {
                try {
                    w.close();
                } catch (Exception e) {
                    out.println("closing " + w.name() + ": " + e);
                }
            }
            Files2.deleteTree(work);
        }
    }

    private static double mbps(long bytes, long nanos) {
        return nanos == 0 ? 0 : bytes / MIB / (nanos / 1e9);
    }

    /** One way to write the source file under a key and read it back. */
    private interface Way extends AutoCloseable {
        String name();

        String backend();

        void put(Path source, String key) throws IOException;

        InputStream get(String key) throws IOException;

        void delete(String key) throws IOException;

        @Override
        void close() throws Exception;
    }

    /** The baseline: {@code Files.copy} of the source to a new file in a directory, then that file read back. */
    private static final class FileCopy implements Way {
        private final Path dir;

        FileCopy(Path work) throws IOException {
            this.dir = Files.createDirectory(work.resolve("copies"));
        }

        @Override
        public String name() {
            return "plain file copy";
        }

        @Override
        public String backend() {
            return "Files.copy, same disk";
        }

        @Override
        public void put(Path source, String key) throws IOException {
            Files.copy(source, dir.resolve(key), StandardCopyOption.REPLACE_EXISTING);
        }

        @Override
        public InputStream get(String key) throws IOException {
            return Files.newInputStream(dir.resolve(key));
        }

        @Override
        public void delete(String key) throws IOException {
            Files.deleteIfExists(dir.resolve(key));
        }

        @Override
        public void close() {
        }
    }

    /** A store opened by its factory (chosen by the scheme of {@code data_store}, as the executor does). */
    private static final class StoreWay implements Way {
        private final String name;
        private final String backend;
        private final ArtifactStore store;
        private final AutoCloseable bed;

        private StoreWay(String name, String backend, ArtifactStore store, AutoCloseable bed) {
            this.name = name;
            this.backend = backend;
            this.store = store;
            this.bed = bed;
        }

        static StoreWay local(Path work) throws IOException {
            Path root = Files.createDirectory(work.resolve("local-store"));
            return new StoreWay("store-local", "directory, same disk",
                    open(base().dataStore(root.toString()).dataStoreMount(root.toString())), () -> { });
        }

        static StoreWay s3(Path work) throws Exception {
            S3ProxyBed bed = S3ProxyBed.start();
            try {
                bed.createBucket(BUCKET);
                ArtifactStore store = open(base().dataStore("s3://" + BUCKET + "/bench").region(S3ProxyBed.REGION)
                        .set("s3_endpoint", bed.endpoint()));
                return new StoreWay("store-s3", "S3Proxy 4.1.0 embedded, file system", store, bed);
            } catch (RuntimeException e) {
                bed.close();
                throw e;
            }
        }

        static StoreWay azblob(Path work) throws Exception {
            AzuriteBed bed = AzuriteBed.start();
            try {
                bed.createContainer(CONTAINER);
                ArtifactStore store = open(base().dataStore("azblob://" + CONTAINER + "/bench")
                        .set("azure_connection_string", bed.connectionString()));
                return new StoreWay("store-azure-blob", "Azurite (npm), on disk", store, bed);
            } catch (RuntimeException e) {
                bed.close();
                throw e;
            }
        }

        private static Settings.Builder base() {
            return Plugins.load(StoreThroughput.class.getClassLoader())
                    .declareKeys(Settings.builder().environment(Map.of()));
        }

        private static ArtifactStore open(Settings.Builder b) {
            Settings settings = b.build();
            ArtifactStoreFactory f = Plugins.load(StoreThroughput.class.getClassLoader())
                    .artifactStore(settings.dataStore());
            return f.create(settings);
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public String backend() {
            return backend;
        }

        @Override
        public void put(Path source, String key) throws IOException {
            try (InputStream in = Files.newInputStream(source)) {
                store.put(key, in);
            }
        }

        @Override
        public InputStream get(String key) {
            return store.get(key);
        }

        @Override
        public void delete(String key) {
            store.deletePrefix(key);
        }

        @Override
        public void close() throws Exception {
            try {
                store.close();
            } finally {
                bed.close();
            }
        }
    }
}
