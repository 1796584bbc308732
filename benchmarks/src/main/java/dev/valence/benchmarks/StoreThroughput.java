package dev.valence.benchmarks;

import com.azure.core.http.jdk.httpclient.JdkHttpClientBuilder;
import com.azure.storage.blob.BlobServiceClientBuilder;
import dev.valence.api.Settings;
import dev.valence.spi.ArtifactStore;
import dev.valence.spi.ArtifactStoreFactory;
import dev.valence.spi.Plugins;
import dev.valence.tck.store.BlobDigest;
import dev.valence.tck.store.GeneratedBlob;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.blobstore.BlobStore;
import org.gaul.s3proxy.nio2blob.FilesystemNio2BlobStore;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Issue 5: put and get of one large blob (64 MiB by default) through each {@code ArtifactStore}
 * (store-local; store-s3 on S3Proxy embedded; store-azure-blob on Azurite), against a plain file
 * copy of the same file, write then read, measured in the same run and interleaved. The blob is
 * generated once into a source file; every side streams from that file and reads back into a sink.
 */
public final class StoreThroughput {
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
        // the Azure SDK warns on every request that the JDK client sets Content-Length itself
        System.setProperty("org.slf4j.simpleLogger.log.com.azure.core.http.jdk.httpclient.JdkHttpClient", "error");
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
            S3Bed bed = S3Bed.start(work);
            try {
                ArtifactStore store = open(base().dataStore("s3://" + S3Bed.BUCKET + "/bench").region("us-east-1")
                        .set("s3_endpoint", bed.endpoint()));
                return new StoreWay("store-s3", "S3Proxy 4.1.0 embedded, file system", store, bed);
            } catch (RuntimeException e) {
                bed.close();
                throw e;
            }
        }

        static StoreWay azblob(Path work) throws Exception {
            AzuriteBed bed = AzuriteBed.start(work);
            try {
                bed.createContainer();
                ArtifactStore store = open(base().dataStore("azblob://" + AzuriteBed.CONTAINER + "/bench")
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

    /**
     * S3Proxy embedded on 127.0.0.1 (file-system backend in the run's directory), with static
     * credentials where the AWS SDK's default chain looks first (system properties), as store-s3's tests do.
     */
    private static final class S3Bed implements AutoCloseable {
        static final String BUCKET = "valence-bench";
        private static final String ACCESS_KEY = "valence-bench-access";
        private final String secret = "valence-bench-secret-" + UUID.randomUUID();
        private final BlobStore blobs;
        private final S3Proxy proxy;
        private final Map<String, String> saved = new LinkedHashMap<>();

        private S3Bed(Path dir) {
            this.blobs = new FilesystemNio2BlobStore(dir.toString());
            this.proxy = S3Proxy.builder().blobStore(blobs).endpoint(URI.create("http://127.0.0.1:0"))
                    .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, secret)
                    .ignoreUnknownHeaders(true).build();
        }

        static S3Bed start(Path work) throws Exception {
            Path dir = Files.createDirectory(work.resolve("s3proxy"));
            S3Bed bed = new S3Bed(dir);
            bed.proxy.start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!"STARTED".equals(bed.proxy.getState())) {
                if (System.nanoTime() > deadline) {
                    bed.close();
                    throw new IllegalStateException("S3Proxy did not start within 30 s (state " + bed.proxy.getState() + ")");
                }
                Thread.sleep(10);
            }
            bed.setProperty("aws.accessKeyId", ACCESS_KEY);
            bed.setProperty("aws.secretAccessKey", bed.secret);
            try (S3Client s3 = S3Client.builder().endpointOverride(URI.create(bed.endpoint())).forcePathStyle(true)
                    .region(Region.US_EAST_1)
                    .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY, bed.secret)))
                    .httpClientBuilder(Apache5HttpClient.builder()).build()) {
                s3.createBucket(b -> b.bucket(BUCKET));
            } catch (RuntimeException e) {
                bed.close();
                throw e;
            }
            return bed;
        }

        private void setProperty(String key, String value) {
            saved.put(key, System.getProperty(key));
            System.setProperty(key, value);
        }

        String endpoint() {
            return "http://127.0.0.1:" + proxy.getPort();
        }

        @Override
        public void close() throws Exception {
            saved.forEach((k, v) -> {
                if (v == null) {
                    System.clearProperty(k);
                } else {
                    System.setProperty(k, v);
                }
            });
            try {
                proxy.stop();
            } finally {
                blobs.close();
            }
        }
    }

    /** Azurite's blob service ({@code azurite-blob}, npm package {@code azurite}) on a free loopback port. */
    private static final class AzuriteBed implements AutoCloseable {
        static final String CONTAINER = "valence-bench";
        private static final String ACCOUNT = "devstoreaccount1";
        /** Azurite's published development key (not a secret). */
        private static final String KEY =
                "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
        private final Process process;
        private final int port;

        private AzuriteBed(Process process, int port) {
            this.process = process;
            this.port = port;
        }

        static AzuriteBed start(Path work) throws Exception {
            Path exe = onPath("azurite-blob").orElseThrow(() -> new IllegalStateException(
                    "azurite-blob is not on PATH; install it with: npm install -g azurite@3 (or run with --stores=local,s3)"));
            Path dir = Files.createDirectory(work.resolve("azurite"));
            int port;
            try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                port = probe.getLocalPort();
            }
            Path log = dir.resolve("azurite.log");
            Path data = Files.createDirectory(dir.resolve("data"));
            Process p = new ProcessBuilder(exe.toString(), "--blobHost", "127.0.0.1", "--blobPort", String.valueOf(port),
                    "--location", data.toString(), "--silent", "--skipApiVersionCheck")
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            AzuriteBed bed = new AzuriteBed(p, port);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!bed.answers()) {
                if (!p.isAlive() || System.nanoTime() > deadline) {
                    String text = Files.readString(log, StandardCharsets.UTF_8);
                    bed.close();
                    throw new IllegalStateException("Azurite did not start on 127.0.0.1:" + port + ": " + text);
                }
                Thread.sleep(100);
            }
            return bed;
        }

        private boolean answers() {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 500);
                return true;
            } catch (IOException e) {
                return false;
            }
        }

        private static Optional<Path> onPath(String name) {
            String path = System.getenv().getOrDefault("PATH", "");
            return Stream.of(path.split(File.pathSeparator)).filter(d -> !d.isEmpty()).map(d -> Path.of(d, name))
                    .filter(Files::isExecutable).findFirst();
        }

        String connectionString() {
            return "DefaultEndpointsProtocol=http;AccountName=" + ACCOUNT + ";AccountKey=" + KEY
                    + ";BlobEndpoint=http://127.0.0.1:" + port + "/" + ACCOUNT + ";";
        }

        /** Creates the container with the Azure SDK on the JDK HTTP client, as store-azure-blob's tests do. */
        void createContainer() {
            new BlobServiceClientBuilder().connectionString(connectionString())
                    .httpClient(new JdkHttpClientBuilder().build()).buildClient().createBlobContainer(CONTAINER);
        }

        @Override
        public void close() throws Exception {
            process.descendants().forEach(ProcessHandle::destroy);
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }
}
