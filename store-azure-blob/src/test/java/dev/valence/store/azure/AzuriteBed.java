package dev.valence.store.azure;

import com.azure.core.http.okhttp.OkHttpAsyncHttpClientBuilder;
import com.azure.storage.blob.BlobServiceClient;
import com.azure.storage.blob.BlobServiceClientBuilder;
import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Test bed: Azurite's blob service ({@code azurite-blob}, npm package {@code azurite}) on
 * 127.0.0.1 with its storage in a temp directory, started and stopped by the tests. The account is
 * Azurite's well-known development account.
 */
public final class AzuriteBed implements AutoCloseable {
    static final String ACCOUNT = "devstoreaccount1";
    /** Azurite's published development key (not a real secret, but treated as one by the tests). */
    static final String KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private final Process process;
    private final Path dir;
    private final int port;
    private final boolean https;

    private AzuriteBed(Process process, Path dir, int port, boolean https) {
        this.process = process;
        this.dir = dir;
        this.port = port;
        this.https = https;
    }

    /** Starts Azurite over http; fails with the install command when {@code azurite-blob} is not on PATH. */
    public static AzuriteBed start() throws Exception {
        return start(List.of());
    }

    /** Starts Azurite over https with the server certificate and key of these PEM files. */
    public static AzuriteBed startHttps(Path certificatePem, Path keyPem) throws Exception {
        return start(List.of("--cert", certificatePem.toString(), "--key", keyPem.toString()));
    }

    private static AzuriteBed start(List<String> tls) throws Exception {
        Path exe = onPath("azurite-blob").orElseThrow(() -> new IllegalStateException(
                "azurite-blob is not on PATH; install it with: npm install -g azurite@3"));
        Path dir = Files.createTempDirectory("valence-azurite");
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        Path log = dir.resolve("azurite.log");
        Path data = Files.createDirectory(dir.resolve("data"));
        List<String> command = new ArrayList<>(List.of(exe.toString(), "--blobHost", "127.0.0.1", "--blobPort",
                String.valueOf(port), "--location", data.toString(), "--silent", "--skipApiVersionCheck"));
        command.addAll(tls);
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        AzuriteBed bed = new AzuriteBed(p, dir, port, !tls.isEmpty());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!bed.answers()) {
            if (!p.isAlive() || System.nanoTime() > deadline) {
                String out = Files.readString(log, StandardCharsets.UTF_8);
                bed.close();
                throw new IllegalStateException("Azurite did not start on 127.0.0.1:" + port + " ("
                        + (p.isAlive() ? "no answer within 60 s" : "exited with " + p.exitValue()) + "): " + out);
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

    /** The account's blob endpoint. */
    public String endpoint() {
        return (https ? "https" : "http") + "://127.0.0.1:" + port + "/" + ACCOUNT;
    }

    /** A connection string with the development key. */
    public String connectionString() {
        return "DefaultEndpointsProtocol=" + (https ? "https" : "http") + ";AccountName=" + ACCOUNT + ";AccountKey=" + KEY + ";BlobEndpoint="
                + endpoint() + ";";
    }

    /** A plain SDK client, for the tests' own checks. */
    public BlobServiceClient client() {
        return new BlobServiceClientBuilder().connectionString(connectionString())
                .httpClient(new OkHttpAsyncHttpClientBuilder().build()).buildClient();
    }

    /** A plain SDK client over {@code http} (e.g. one trusting a test CA), for the tests' own checks over https. */
    public BlobServiceClient client(okhttp3.OkHttpClient http) {
        return new BlobServiceClientBuilder().connectionString(connectionString())
                .httpClient(new OkHttpAsyncHttpClientBuilder(http).build()).buildClient();
    }

    /** Creates a container. */
    public void createContainer(String name) {
        client().createBlobContainer(name);
    }

    @Override
    public void close() throws Exception {
        process.descendants().forEach(ProcessHandle::destroy);
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
