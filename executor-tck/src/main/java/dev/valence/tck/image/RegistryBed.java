package dev.valence.tck.image;

import dev.valence.spi.Credentials;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A real CNCF Distribution registry ({@code docker-registry}) on {@code 127.0.0.1:<free port>},
 * started and stopped by a test, with a temporary storage directory, manifest deletion enabled
 * and, optionally, htpasswd (bcrypt) basic auth. It records the requests it served from its
 * access log, so tests can count blob uploads.
 */
public final class RegistryBed implements AutoCloseable {

    /** What to tell a user whose machine lacks the binaries. */
    public static final String INSTALL_HINT = "install it with: apt-get install docker-registry apache2-utils";

    /** Accept header for manifests in both Docker v2.2 and OCI formats. */
    private static final String MANIFEST_TYPES = String.join(",",
            "application/vnd.docker.distribution.manifest.v2+json",
            "application/vnd.oci.image.manifest.v1+json",
            "application/vnd.docker.distribution.manifest.list.v2+json",
            "application/vnd.oci.image.index.v1+json");

    private static final Pattern ACCESS_LINE = Pattern.compile(
            "\"(GET|HEAD|PUT|POST|PATCH|DELETE) (\\S+) HTTP/[0-9.]+\" (\\d{3}) ");
    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);

    /** One request the registry served: method, path with query, status. */
    public record Request(String method, String path, int status) {
        /** A blob upload that completed (the final {@code PUT .../blobs/uploads/<id>?digest=...}). */
        public boolean isCompletedBlobUpload() {
            return method.equals("PUT") && path.contains("/blobs/uploads/") && path.contains("digest=")
                    && status / 100 == 2;
        }

        /** The digest of a completed blob upload. */
        public Optional<String> uploadedDigest() {
            Matcher m = Pattern.compile("[?&]digest=([^&]+)").matcher(path);
            return m.find() ? Optional.of(m.group(1).replace("%3A", ":").replace("%3a", ":")) : Optional.empty();
        }
    }

    /** A manifest fetched back from the registry, with the digest the registry reported. */
    public record Manifest(String digest, String mediaType, Map<String, Object> json) {
        /** The digest of the image config blob. */
        @SuppressWarnings("unchecked")
        public String configDigest() {
            return (String) ((Map<String, Object>) json.get("config")).get("digest");
        }

        /** The digests of the layers, base first. */
        @SuppressWarnings("unchecked")
        public List<String> layerDigests() {
            List<Object> layers = (List<Object>) json.getOrDefault("layers", List.of());
            return layers.stream().map(l -> (String) ((Map<String, Object>) l).get("digest")).toList();
        }
    }

    private final Path dir;
    private final Process process;
    private final int port;
    private final Credentials credentials;
    private final List<String> log = new ArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    private RegistryBed(Path dir, Process process, int port, Credentials credentials) {
        this.dir = dir;
        this.process = process;
        this.port = port;
        this.credentials = credentials;
    }

    /** A registry without authentication. */
    public static RegistryBed start() {
        return builder().start();
    }

    /** Options for a bed. */
    public static Builder builder() {
        return new Builder();
    }

    /** Builder for {@link RegistryBed}. */
    public static final class Builder {
        private String username;
        private String password;

        private Builder() {
        }

        /** Requires basic auth with this user (stored bcrypt-hashed in an htpasswd file). */
        public Builder htpasswd(String username, String password) {
            this.username = Objects.requireNonNull(username, "username");
            this.password = Objects.requireNonNull(password, "password");
            return this;
        }

        /** Starts the registry and waits until it listens. */
        public RegistryBed start() {
            Path binary = findOnPath("docker-registry").orElseThrow(() -> new IllegalStateException(
                    "the CNCF registry binary 'docker-registry' is not on PATH; " + INSTALL_HINT));
            Path dir;
            try {
                dir = Files.createTempDirectory("valence-registry-");
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create a temporary directory for the registry", e);
            }
            Credentials creds = null;
            if (username != null) {
                writeHtpasswd(dir.resolve("htpasswd"), username, password);
                creds = new Credentials(username, password, "RegistryBed htpasswd");
            }
            IllegalStateException last = null;
            for (int attempt = 0; attempt < 3; attempt++) {
                int port = freePort();
                try {
                    return launch(binary, dir, port, creds);
                } catch (IllegalStateException e) {
                    last = e; // most likely the free port was taken meanwhile: try another
                }
            }
            deleteTree(dir);
            throw last;
        }

        private RegistryBed launch(Path binary, Path dir, int port, Credentials creds) {
            Path config = dir.resolve("config-" + port + ".yml");
            StringBuilder yml = new StringBuilder()
                    .append("version: 0.1\n")
                    .append("log:\n  level: info\n  accesslog:\n    disabled: false\n")
                    .append("storage:\n  filesystem:\n    rootdirectory: ").append(dir.resolve("data")).append('\n')
                    .append("  delete:\n    enabled: true\n")
                    .append("  maintenance:\n    uploadpurging:\n      enabled: false\n")
                    .append("http:\n  addr: 127.0.0.1:").append(port).append('\n')
                    .append("  secret: valence-registry-bed\n");
            if (creds != null) {
                yml.append("auth:\n  htpasswd:\n    realm: valence-registry-bed\n    path: ")
                        .append(dir.resolve("htpasswd")).append('\n');
            }
            try {
                Files.writeString(config, yml.toString());
                Process p = new ProcessBuilder(binary.toString(), "serve", config.toString())
                        .redirectErrorStream(true).start();
                RegistryBed bed = new RegistryBed(dir, p, port, creds);
                bed.awaitListening();
                return bed;
            } catch (IOException e) {
                throw new IllegalStateException("cannot start " + binary + ": " + e.getMessage(), e);
            }
        }
    }

    private void awaitListening() {
        CompletableFuture<Void> listening = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    synchronized (log) {
                        log.add(line);
                        log.notifyAll();
                    }
                    if (line.contains("listening on")) {
                        listening.complete(null);
                    }
                }
            } catch (IOException e) {
                // the process ended; nothing more to read
            } finally {
                listening.completeExceptionally(new IllegalStateException("the registry exited"));
                synchronized (log) {
                    log.notifyAll();
                }
            }
        }, "registry-bed-log-" + port);
        reader.setDaemon(true);
        reader.start();
        try {
            listening.get(START_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stopProcess();
            throw new IllegalStateException("interrupted while starting the registry", e);
        } catch (ExecutionException | TimeoutException e) {
            stopProcess();
            throw new IllegalStateException("docker-registry did not start on 127.0.0.1:" + port + " within "
                    + START_TIMEOUT.toSeconds() + " s; its log:\n" + String.join("\n", logLines()), e);
        }
    }

    /** {@code 127.0.0.1:<port>}, the registry host as an image reference names it. */
    public String host() {
        return "127.0.0.1:" + port;
    }

    /** The port it listens on. */
    public int port() {
        return port;
    }

    /** {@code host/repository:tag}. */
    public String reference(String repository, String tag) {
        return host() + "/" + repository + ":" + tag;
    }

    /** The htpasswd user and password, when the bed requires auth. */
    public Optional<Credentials> credentials() {
        return Optional.ofNullable(credentials);
    }

    /** The manifest stored under {@code reference} (a tag or a digest), or empty when there is none. */
    public Optional<Manifest> manifest(String repository, String reference) {
        HttpResponse<String> r = send(request("/v2/" + repository + "/manifests/" + reference)
                .header("Accept", MANIFEST_TYPES).GET(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 404) {
            return Optional.empty();
        }
        expectOk(r, "GET manifest " + repository + ":" + reference);
        String digest = r.headers().firstValue("Docker-Content-Digest").orElse("");
        String type = r.headers().firstValue("Content-Type").orElse("");
        return Optional.of(new Manifest(digest, type, Json.object(r.body())));
    }

    /** A blob's bytes. */
    public byte[] blob(String repository, String digest) {
        HttpResponse<byte[]> r = send(request("/v2/" + repository + "/blobs/" + digest).GET(),
                HttpResponse.BodyHandlers.ofByteArray());
        if (r.statusCode() != 200) {
            throw new IllegalStateException("GET blob " + repository + "@" + digest + " answered " + r.statusCode());
        }
        return r.body();
    }

    /** The image config (the JSON blob a manifest points at). */
    public Map<String, Object> config(String repository, Manifest manifest) {
        return Json.object(new String(blob(repository, manifest.configDigest()), StandardCharsets.UTF_8));
    }

    /** Deletes a manifest by digest through the registry API (as an operator or garbage collection would). */
    public void deleteManifest(String repository, String digest) {
        HttpResponse<String> r = send(request("/v2/" + repository + "/manifests/" + digest).DELETE(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 202) {
            throw new IllegalStateException("DELETE manifest " + repository + "@" + digest + " answered "
                    + r.statusCode() + ": " + r.body());
        }
    }

    /** A position in the request log; pass it to {@link #requestsSince(int)}. */
    public int mark() {
        return sync();
    }

    /**
     * The requests served after {@code mark}. Sends a marker request and waits (bounded) until the
     * registry logged it, so every request completed before this call is included.
     */
    public List<Request> requestsSince(int mark) {
        int end = sync();
        List<Request> out = new ArrayList<>();
        for (String line : logLines().subList(mark, end)) {
            Matcher m = ACCESS_LINE.matcher(line);
            if (m.find() && !m.group(2).contains("/valence-bed-marker-")) {
                out.add(new Request(m.group(1), m.group(2), Integer.parseInt(m.group(3))));
            }
        }
        return out;
    }

    /** Digests of the blobs uploaded after {@code mark}. */
    public List<String> blobUploadsSince(int mark) {
        return requestsSince(mark).stream().filter(Request::isCompletedBlobUpload)
                .map(r -> r.uploadedDigest().orElse("?")).toList();
    }

    /** The registry's own log lines so far (for failure messages). */
    public List<String> logLines() {
        synchronized (log) {
            return List.copyOf(log);
        }
    }

    private int sync() {
        String marker = "/v2/valence-bed-marker-" + UUID.randomUUID() + "/tags/list";
        send(request(marker).GET(), HttpResponse.BodyHandlers.discarding());
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        synchronized (log) {
            while (true) {
                for (int i = log.size() - 1; i >= 0; i--) {
                    String line = log.get(i);
                    if (line.contains(marker) && ACCESS_LINE.matcher(line).find()) {
                        return i;
                    }
                }
                long left = deadline - System.nanoTime();
                if (left <= 0 || !process.isAlive()) {
                    throw new IllegalStateException("the registry did not log the marker request " + marker);
                }
                try {
                    log.wait(TimeUnit.NANOSECONDS.toMillis(left) + 1);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted", e);
                }
            }
        }
    }

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://" + host() + path))
                .timeout(Duration.ofSeconds(30));
        if (credentials != null) {
            String basic = credentials.username() + ":" + credentials.password();
            b.header("Authorization", "Basic " + Base64.getEncoder().encodeToString(basic.getBytes(StandardCharsets.UTF_8)));
        }
        return b;
    }

    private <T> HttpResponse<T> send(HttpRequest.Builder request, HttpResponse.BodyHandler<T> body) {
        try {
            return http.send(request.build(), body);
        } catch (IOException e) {
            throw new UncheckedIOException("registry at " + host() + " did not answer", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static void expectOk(HttpResponse<String> r, String what) {
        if (r.statusCode() != 200) {
            throw new IllegalStateException(what + " answered " + r.statusCode() + ": " + r.body());
        }
    }

    /** Stops the registry and deletes its storage. */
    @Override
    public void close() {
        stopProcess();
        deleteTree(dir);
    }

    private void stopProcess() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "RegistryBed[" + host() + (credentials == null ? "" : ", htpasswd user " + credentials.username()) + "]";
    }

    private static void writeHtpasswd(Path file, String username, String password) {
        Path htpasswd = findOnPath("htpasswd").orElseThrow(() -> new IllegalStateException(
                "'htpasswd' is not on PATH (needed for a registry with basic auth); " + INSTALL_HINT));
        try {
            Process p = new ProcessBuilder(htpasswd.toString(), "-Bbn", username, password)
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException("htpasswd failed: " + out);
            }
            Files.writeString(file, out.strip() + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    static Optional<Path> findOnPath(String name) {
        String path = Objects.requireNonNullElse(System.getenv("PATH"), "/usr/local/bin:/usr/bin:/bin");
        for (String d : path.split(java.io.File.pathSeparator)) {
            if (d.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(d, name);
            if (Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 0, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free loopback port", e);
        }
    }

    private static void deleteTree(Path root) {
        if (root == null || !Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // best effort: a temp directory left behind is not worth failing a test for
        }
    }
}
