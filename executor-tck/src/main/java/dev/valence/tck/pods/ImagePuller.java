package dev.valence.tck.pods;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pulls an image from a registry over the Registry HTTP API v2 (plain HTTP, as the loopback beds
 * serve it), the way a node's container runtime does: resolves the reference to a manifest (Docker
 * v2.2 or OCI, through an index when there is one), fetches the config and the layers, checks every
 * digest, and unpacks the layers into a root file system with whiteouts honoured. Unpacked images
 * are cached per manifest digest under the cache directory and shared by every pod that runs them.
 */
public final class ImagePuller {
    private static final Logger LOG = LoggerFactory.getLogger(ImagePuller.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ACCEPT = String.join(",",
            "application/vnd.oci.image.manifest.v1+json",
            "application/vnd.docker.distribution.manifest.v2+json",
            "application/vnd.oci.image.index.v1+json",
            "application/vnd.docker.distribution.manifest.list.v2+json");

    private final Path cacheDir;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    /** One lock per cache directory and digest in this JVM: runners sharing a cache unpack an image once. */
    private static final Map<String, Object> LOCKS = new ConcurrentHashMap<>();

    /** A puller caching unpacked images under {@code cacheDir}. */
    public ImagePuller(Path cacheDir) {
        this.cacheDir = cacheDir;
    }

    /** Why an image could not be pulled, in the words a kubelet reports with {@code ErrImagePull}. */
    public static final class PullFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        PullFailure(String message) {
            super(message);
        }
    }

    /** An unpacked image: its manifest digest, its root file system (shared: do not write) and its config. */
    public record Pulled(String digest, Path rootfs, ImageConfig config) {
    }

    /** The parts of an image config a container runtime reads. */
    public record ImageConfig(List<String> entrypoint, List<String> cmd, List<String> env, String user, String workingDir) {
    }

    /**
     * The image {@code reference} ({@code host/repo@sha256:...} or {@code host/repo:tag}), pulled and
     * unpacked, or from the cache when this digest was unpacked before.
     *
     * @throws PullFailure when the registry does not have it, does not answer, or serves something else
     */
    public Pulled pull(String reference) {
        Ref ref = Ref.parse(reference);
        Manifest manifest = manifest(ref, ref.reference());
        Path dir = cacheDir.resolve(manifest.digest().replace(':', '-'));
        synchronized (LOCKS.computeIfAbsent(cacheDir.toAbsolutePath() + "@" + manifest.digest(), d -> new Object())) {
            Path configFile = dir.resolve("config.json");
            if (!Files.exists(dir.resolve("complete"))) {
                unpack(ref, manifest, dir);
            }
            try {
                return new Pulled(manifest.digest(), dir.resolve("rootfs"), config(JSON.readTree(configFile.toFile())));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + configFile, e);
            }
        }
    }

    private void unpack(Ref ref, Manifest manifest, Path dir) {
        long started = System.nanoTime();
        try {
            deleteTree(dir);
            Path tmp = Files.createDirectories(cacheDir).resolve(dir.getFileName() + ".tmp-" + ProcessHandle.current().pid());
            deleteTree(tmp);
            Path rootfs = Files.createDirectories(tmp.resolve("rootfs"));
            JsonNode m = manifest.json();
            Path config = blob(ref, m.path("config").path("digest").asText(), tmp.resolve("config.json"));
            for (JsonNode layer : m.path("layers")) {
                String type = layer.path("mediaType").asText();
                if (type.contains("zstd")) {
                    throw new PullFailure("failed to pull and unpack image \"" + ref + "\": layer media type " + type
                            + " is not supported by the bed (gzip or plain tar only)");
                }
                Path file = blob(ref, layer.path("digest").asText(), tmp.resolve("layer.tar"));
                Layers.apply(file, rootfs);
                Files.delete(file);
            }
            Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
            Files.writeString(dir.resolve("complete"), manifest.digest());
            LOG.debug("pulled {} ({} layers) into {} in {} ms", ref, m.path("layers").size(), dir,
                    (System.nanoTime() - started) / 1_000_000);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot unpack " + ref + " into " + dir, e);
        }
    }

    private Manifest manifest(Ref ref, String reference) {
        HttpResponse<byte[]> r = get(ref, "/v2/" + ref.repository() + "/manifests/" + reference, ACCEPT);
        if (r.statusCode() == 404) {
            throw new PullFailure("rpc error: code = NotFound desc = failed to pull and unpack image \"" + ref
                    + "\": failed to resolve reference \"" + ref + "\": " + ref + ": not found");
        }
        if (r.statusCode() == 401 || r.statusCode() == 403) {
            throw new PullFailure("failed to pull and unpack image \"" + ref + "\": failed to resolve reference \"" + ref
                    + "\": pull access denied, repository does not exist or may require authorization: "
                    + r.statusCode());
        }
        if (r.statusCode() != 200) {
            throw new PullFailure("failed to pull and unpack image \"" + ref + "\": unexpected status " + r.statusCode()
                    + " from the registry");
        }
        String digest = "sha256:" + HexFormat.of().formatHex(sha256().digest(r.body()));
        if (reference.startsWith("sha256:") && !reference.equals(digest)) {
            throw new PullFailure("failed to pull and unpack image \"" + ref + "\": manifest digest " + digest
                    + " does not match " + reference);
        }
        JsonNode json;
        try {
            json = JSON.readTree(r.body());
        } catch (IOException e) {
            throw new PullFailure("failed to pull and unpack image \"" + ref + "\": the manifest is not JSON: " + e.getMessage());
        }
        String type = json.path("mediaType").asText(r.headers().firstValue("Content-Type").orElse(""));
        if (type.contains("index") || type.contains("manifest.list")) {
            for (JsonNode m : json.path("manifests")) {
                JsonNode platform = m.path("platform");
                if ("linux".equals(platform.path("os").asText()) && "amd64".equals(platform.path("architecture").asText())) {
                    return manifest(ref, m.path("digest").asText());
                }
            }
            throw new PullFailure("failed to pull and unpack image \"" + ref + "\": no match for platform in manifest: not found");
        }
        return new Manifest(digest, json);
    }

    private Path blob(Ref ref, String digest, Path target) throws IOException {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + ref.host() + "/v2/" + ref.repository()
                + "/blobs/" + digest)).timeout(Duration.ofMinutes(2)).GET().build();
        HttpResponse<InputStream> r;
        try {
            r = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw new PullFailure("failed to pull and unpack image \"" + ref + "\": failed to copy: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PullFailure("interrupted while pulling " + ref);
        }
        MessageDigest md = sha256();
        try (InputStream in = new DigestInputStream(r.body(), md); OutputStream out = Files.newOutputStream(target)) {
            if (r.statusCode() != 200) {
                throw new PullFailure("failed to pull and unpack image \"" + ref + "\": blob " + digest + " answered "
                        + r.statusCode());
            }
            in.transferTo(out);
        }
        String actual = "sha256:" + HexFormat.of().formatHex(md.digest());
        if (!actual.equals(digest)) {
            throw new PullFailure("failed to pull and unpack image \"" + ref + "\": blob " + digest + " has digest " + actual);
        }
        return target;
    }

    private HttpResponse<byte[]> get(Ref ref, String path, String accept) {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + ref.host() + path))
                .timeout(Duration.ofSeconds(30)).header("Accept", accept).GET().build();
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new PullFailure("rpc error: code = Unknown desc = failed to pull and unpack image \"" + ref
                    + "\": failed to resolve reference \"" + ref + "\": failed to do request: Head \"http://" + ref.host()
                    + path + "\": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PullFailure("interrupted while pulling " + ref);
        }
    }

    private static ImageConfig config(JsonNode blob) {
        JsonNode c = blob.path("config");
        return new ImageConfig(strings(c.path("Entrypoint")), strings(c.path("Cmd")), strings(c.path("Env")),
                c.path("User").asText(""), c.path("WorkingDir").asText(""));
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return List.copyOf(out);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static void deleteTree(Path root) throws IOException {
        if (Files.exists(root, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            Process p = new ProcessBuilder("rm", "-rf", "--one-file-system", root.toString()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            try {
                if (p.waitFor() != 0) {
                    throw new IOException("rm -rf " + root + " failed: " + out);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
        }
    }

    private record Manifest(String digest, JsonNode json) {
    }

    /** An image reference split into registry host, repository and tag or digest. */
    record Ref(String host, String repository, String reference, String text) {
        static Ref parse(String image) {
            int slash = image.indexOf('/');
            if (slash < 0) {
                throw new PullFailure("failed to pull and unpack image \"" + image + "\": the bed pulls only from a "
                        + "registry named in the reference (host:port/repository)");
            }
            String host = image.substring(0, slash);
            String rest = image.substring(slash + 1);
            int at = rest.indexOf('@');
            if (at >= 0) {
                return new Ref(host, rest.substring(0, at), rest.substring(at + 1), image);
            }
            int colon = rest.lastIndexOf(':');
            return colon < 0 ? new Ref(host, rest, "latest", image)
                    : new Ref(host, rest.substring(0, colon), rest.substring(colon + 1), image);
        }

        @Override
        public String toString() {
            return text;
        }
    }
}
