package dev.valence.tck.pods;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.valence.tck.image.RegistryBed;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real JRE base image made without network: {@code jlink} of the JDK running the tests (the
 * modules the launcher and the store adapters need) plus the shared libraries {@code ldd} lists, a
 * minimal {@code /etc/passwd} with a non-root user, one gzip layer and an OCI config. The layer is
 * built once per JDK version and module list under {@code ~/.cache/valence-tck/jre/} (or
 * {@code $VALENCE_TCK_CACHE}) and pushed to a registry bed on demand.
 */
public final class JreImage {
    private static final Logger LOG = LoggerFactory.getLogger(JreImage.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The modules of the image: what the launcher, the store adapters and their clients load. */
    public static final List<String> MODULES = List.of("java.base", "java.logging", "java.naming", "java.net.http",
            "java.management", "java.sql", "java.xml", "java.security.jgss", "jdk.crypto.ec", "jdk.unsupported",
            "jdk.zipfs", "jdk.localedata", "jdk.net");
    /**
     * How the JRE is linked: without debug data and docs, with the JDK's default class-data-sharing
     * archive ({@code lib/server/classes.jsa}) as the JDK images users start from (eclipse-temurin and
     * the like) ship it, so a pod's JVM starts here as fast as there.
     */
    static final List<String> JLINK_OPTIONS = List.of("--strip-debug", "--no-man-pages", "--no-header-files",
            "--generate-cds-archive");
    /** Where the JRE is in the image ({@code JAVA_HOME}). */
    public static final String JAVA_HOME = "/opt/jre";
    /** The image's user, as distroless images name it ({@code nonroot}). */
    public static final int UID = 65532;
    /** The image's group. */
    public static final int GID = 65532;
    /** The repository the image is pushed to. */
    public static final String REPOSITORY = "valence-jre";

    private static final Map<String, String> PUSHED = new ConcurrentHashMap<>();

    private JreImage() {
    }

    /**
     * Pushes the JRE image to {@code registry} (building its layer first when this JDK has none cached)
     * and returns its reference by digest, {@code host/valence-jre@sha256:...}. Pushed once per registry.
     */
    public static String pushTo(RegistryBed registry) {
        return PUSHED.computeIfAbsent(registry.host(), h -> {
            Built built = build();
            return push(registry, built);
        });
    }

    /** The cache directory of the tck (JRE layers, unpacked images). */
    public static Path cacheRoot() {
        String env = System.getenv("VALENCE_TCK_CACHE");
        return env != null && !env.isBlank() ? Path.of(env)
                : Path.of(System.getProperty("user.home"), ".cache", "valence-tck");
    }

    private record Built(Path layer, String layerDigest, String diffId, byte[] config) {
    }

    private static synchronized Built build() {
        String version = System.getProperty("java.vm.version");
        String key = version.replaceAll("[^A-Za-z0-9._-]", "_") + "-" + sha256Hex((String.join(",", MODULES) + " "
                + String.join(" ", JLINK_OPTIONS)).getBytes(StandardCharsets.UTF_8)).substring(0, 12);
        Path dir = cacheRoot().resolve("jre").resolve(key);
        Path layer = dir.resolve("layer.tar.gz");
        Path diff = dir.resolve("diff-id");
        try {
            if (!Files.exists(diff)) {
                long started = System.nanoTime();
                Path tmp = Files.createDirectories(dir.getParent()).resolve(key + ".tmp-" + ProcessHandle.current().pid());
                ImagePuller.deleteTree(tmp);
                Path rootfs = Files.createDirectories(tmp.resolve("rootfs"));
                jlink(rootfs);
                copyLibraries(rootfs);
                etc(rootfs);
                run(List.of("tar", "--numeric-owner", "--sort=name", "--mtime=@0", "-cf", tmp.resolve("layer.tar").toString(),
                        "-C", rootfs.toString(), "."));
                String diffId = "sha256:" + sha256Hex(tmp.resolve("layer.tar"));
                run(List.of("gzip", "-n", "-6", tmp.resolve("layer.tar").toString()));
                Files.writeString(tmp.resolve("diff-id"), diffId);
                ImagePuller.deleteTree(rootfs);
                if (Files.exists(diff)) { // another test JVM built it meanwhile: keep theirs
                    ImagePuller.deleteTree(tmp);
                } else {
                    ImagePuller.deleteTree(dir);
                    Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
                }
                LOG.info("built the JRE base image layer for Java {} ({} MB) in {} ms under {}", version,
                        Files.size(layer) / 1_000_000, (System.nanoTime() - started) / 1_000_000, dir);
            }
            String diffId = Files.readString(diff).strip();
            return new Built(layer, "sha256:" + sha256Hex(layer), diffId, config(diffId));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot build the JRE image under " + dir, e);
        }
    }

    private static void jlink(Path rootfs) throws IOException {
        Path jlink = Path.of(System.getProperty("java.home"), "bin", "jlink");
        if (!Files.isExecutable(jlink)) {
            throw new IllegalStateException("the JRE image needs jlink, which " + System.getProperty("java.home")
                    + " lacks; run the tests with a full JDK (apt-get install openjdk-17-jdk-headless)");
        }
        Files.createDirectories(rootfs.resolve("opt"));
        List<String> command = new java.util.ArrayList<>(List.of(jlink.toString(), "--add-modules", String.join(",", MODULES),
                "--output", rootfs.resolve(JAVA_HOME.substring(1)).toString()));
        command.addAll(JLINK_OPTIONS);
        run(command);
    }

    /** The shared libraries the JRE's binaries link, at the same paths as on this machine. */
    private static void copyLibraries(Path rootfs) throws IOException {
        Path jre = rootfs.resolve(JAVA_HOME.substring(1));
        List<String> binaries = new ArrayList<>(List.of(jre.resolve("bin/java").toString(),
                jre.resolve("lib/server/libjvm.so").toString()));
        try (var libs = Files.list(jre.resolve("lib"))) {
            libs.filter(p -> p.getFileName().toString().endsWith(".so")).forEach(p -> binaries.add(p.toString()));
        }
        Set<String> needed = new TreeSet<>();
        for (String binary : binaries) {
            for (String line : run(List.of("ldd", binary)).lines().toList()) {
                String t = line.strip();
                String path = t.contains("=>") ? t.substring(t.indexOf("=>") + 2).strip() : t;
                int paren = path.indexOf(" (");
                path = paren >= 0 ? path.substring(0, paren) : path;
                if (path.startsWith("/") && !path.startsWith(rootfs.toString())) {
                    needed.add(path);
                }
            }
        }
        for (String lib : needed) {
            Path target = rootfs.resolve(lib.substring(1));
            Files.createDirectories(target.getParent());
            Files.copy(Path.of(lib), target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static void etc(Path rootfs) throws IOException {
        Path etc = Files.createDirectories(rootfs.resolve("etc"));
        Files.writeString(etc.resolve("passwd"), "root:x:0:0:root:/root:/sbin/nologin\n"
                + "nonroot:x:" + UID + ":" + GID + ":nonroot:/home/nonroot:/sbin/nologin\n");
        Files.writeString(etc.resolve("group"), "root:x:0:\nnonroot:x:" + GID + ":\n");
        Files.createDirectories(rootfs.resolve("root"));
        Path home = Files.createDirectories(rootfs.resolve("home/nonroot"));
        Files.setAttribute(home, "unix:uid", UID);
        Files.setAttribute(home, "unix:gid", GID);
        Path tmp = Files.createDirectories(rootfs.resolve("tmp"));
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxrwxrwx"));
        run(List.of("chmod", "1777", tmp.toString()));
    }

    private static byte[] config(String diffId) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.put("architecture", "amd64");
        root.put("os", "linux");
        ObjectNode config = root.putObject("config");
        config.put("User", UID + ":" + GID);
        ArrayNode env = config.putArray("Env");
        env.add("PATH=" + JAVA_HOME + "/bin:/usr/local/bin:/usr/bin:/bin");
        env.add("JAVA_HOME=" + JAVA_HOME);
        env.add("LANG=C.UTF-8");
        config.putArray("Cmd").add("java").add("-version");
        config.put("WorkingDir", "/");
        ObjectNode rootfs = root.putObject("rootfs");
        rootfs.put("type", "layers");
        rootfs.putArray("diff_ids").add(diffId);
        return JSON.writeValueAsBytes(root);
    }

    private static String push(RegistryBed registry, Built built) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        String base = "http://" + registry.host() + "/v2/" + REPOSITORY;
        try {
            String configDigest = "sha256:" + sha256Hex(built.config());
            upload(http, registry, base, configDigest, HttpRequest.BodyPublishers.ofByteArray(built.config()));
            upload(http, registry, base, built.layerDigest(), HttpRequest.BodyPublishers.ofFile(built.layer()));
            ObjectNode manifest = JSON.createObjectNode();
            manifest.put("schemaVersion", 2);
            manifest.put("mediaType", "application/vnd.oci.image.manifest.v1+json");
            manifest.putObject("config").put("mediaType", "application/vnd.oci.image.config.v1+json")
                    .put("digest", configDigest).put("size", built.config().length);
            manifest.putArray("layers").addObject().put("mediaType", "application/vnd.oci.image.layer.v1.tar+gzip")
                    .put("digest", built.layerDigest()).put("size", Files.size(built.layer()));
            byte[] body = JSON.writeValueAsBytes(manifest);
            String tag = System.getProperty("java.vm.version").replaceAll("[^A-Za-z0-9._-]", "_");
            HttpResponse<String> r = http.send(auth(HttpRequest.newBuilder(URI.create(base + "/manifests/" + tag)), registry)
                    .header("Content-Type", "application/vnd.oci.image.manifest.v1+json")
                    .PUT(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 201) {
                throw new IllegalStateException("pushing the JRE manifest to " + registry + " answered " + r.statusCode()
                        + ": " + r.body());
            }
            String reference = registry.host() + "/" + REPOSITORY + "@sha256:" + sha256Hex(body);
            LOG.debug("JRE image pushed as {}", reference);
            return reference;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot push the JRE image to " + registry, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while pushing the JRE image", e);
        }
    }

    private static void upload(HttpClient http, RegistryBed registry, String base, String digest,
                               HttpRequest.BodyPublisher body) throws IOException, InterruptedException {
        HttpResponse<String> head = http.send(auth(HttpRequest.newBuilder(URI.create(base + "/blobs/" + digest)), registry)
                .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        if (head.statusCode() == 200) {
            return;
        }
        HttpResponse<String> start = http.send(auth(HttpRequest.newBuilder(URI.create(base + "/blobs/uploads/")), registry)
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        String location = start.headers().firstValue("Location").orElseThrow(() -> new IllegalStateException(
                "the registry did not start an upload: " + start.statusCode() + " " + start.body()));
        URI uri = URI.create("http://" + registry.host()).resolve(location);
        String sep = uri.getQuery() == null ? "?" : "&";
        HttpResponse<String> put = http.send(auth(HttpRequest.newBuilder(URI.create(uri + sep + "digest=" + digest)), registry)
                .header("Content-Type", "application/octet-stream").PUT(body).build(), HttpResponse.BodyHandlers.ofString());
        if (put.statusCode() != 201) {
            throw new IllegalStateException("uploading blob " + digest + " answered " + put.statusCode() + ": " + put.body());
        }
    }

    private static HttpRequest.Builder auth(HttpRequest.Builder b, RegistryBed registry) {
        b.timeout(Duration.ofMinutes(2));
        registry.credentials().ifPresent(c -> b.header("Authorization", "Basic " + Base64.getEncoder().encodeToString(
                (c.username() + ":" + c.password()).getBytes(StandardCharsets.UTF_8))));
        return b;
    }

    private static String run(List<String> command) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!p.waitFor(5, TimeUnit.MINUTES) || p.exitValue() != 0) {
                throw new IOException(String.join(" ", command) + " failed: " + out);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        return out;
    }

    static String sha256Hex(byte[] bytes) {
        return HexFormat.of().formatHex(sha256().digest(bytes));
    }

    private static String sha256Hex(Path file) throws IOException {
        MessageDigest md = sha256();
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = in.read(buf)) > 0) {
                md.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
