package dev.valence.core;

import dev.valence.api.ErrorKind;
import dev.valence.api.Settings;
import dev.valence.api.ValenceException;
import dev.valence.core.plugin.PluginFolder;
import dev.valence.spi.CredentialProvider;
import dev.valence.spi.Credentials;
import dev.valence.spi.ImageBuilder;
import dev.valence.spi.ImageRef;
import dev.valence.spi.ImageSpec;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns this JVM's class path into the task image: layers for dependency jars, the user's
 * classes and the Valence runtime, the launcher as entrypoint. The tag is a hash of the layers'
 * contents, the base image and the entrypoint; hash → digest is cached under {@code cache_dir}
 * so an unchanged class path builds and pushes nothing.
 */
final class TaskImages {
    private static final Logger LOG = LoggerFactory.getLogger(TaskImages.class);
    static final String APP = "/app";
    static final String LAUNCHER = Launcher.class.getName();
    /** The image's plugins folder: the store plugin's jars in {@code <name>/}, named to the launcher. */
    static final String PLUGINS = APP + "/plugins";

    private final Settings settings;
    private final ImageBuilder builder;
    private final List<CredentialProvider> credentials;
    private final List<Path> classpath;
    private final Optional<PluginFolder.Plugin> storePlugin;
    /** How long a submit waits for the registry to say whether the cached image is still there. */
    static final Duration CHECK_WAIT = Duration.ofSeconds(10);
    /** After a check that failed or got no answer, how long the cached digest is used without asking. */
    static final Duration TRUST_AFTER_FAILED_CHECK = Duration.ofMinutes(5);

    /** One daemon thread for registry checks, gone when idle. */
    private final ExecutorService checker = new ThreadPoolExecutor(0, 1, 30, TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(), r -> {
                Thread t = new Thread(r, "valence-image-check");
                t.setDaemon(true);
                return t;
            });
    private ImageSpec tagged;
    private String hash;
    private volatile ImageRef lastConfirmed;
    private volatile Instant trustUntil = Instant.MIN;

    TaskImages(Settings settings, ImageBuilder builder, List<CredentialProvider> credentials, List<Path> classpath) {
        this(settings, builder, credentials, classpath, Optional.empty());
    }

    /**
     * With {@code storePlugin}, the store adapter from the plugins folder: its jars go to
     * {@value #PLUGINS}{@code /<name>/} and the launcher loads them on a class loader of their own.
     */
    TaskImages(Settings settings, ImageBuilder builder, List<CredentialProvider> credentials, List<Path> classpath,
            Optional<PluginFolder.Plugin> storePlugin) {
        this.settings = settings;
        this.builder = builder;
        this.credentials = List.copyOf(credentials);
        this.classpath = List.copyOf(classpath);
        this.storePlugin = storePlugin;
    }

    /**
     * The image for this class path: from the cache when it is still in the registry, else built.
     * The class path is hashed once; each later call reads the cache and asks the registry (one
     * cheap request) whether the image is still there. When the registry cannot say within
     * {@link #CHECK_WAIT}, the cached digest is used as it is and trusted for
     * {@link #TRUST_AFTER_FAILED_CHECK} (a Job whose image is gone then fails with the kubelet's
     * reason, {@code ImagePullBackOff}).
     */
    ImageRef ensure() {
        ImageSpec tagged = tagged();
        Path cacheFile = cacheFile(tagged);
        Optional<ImageRef> cached = readCache(cacheFile, tagged.target());
        if (cached.isPresent()) {
            if (stillThere(cached.get(), tagged)) {
                if (!cached.get().equals(lastConfirmed)) {
                    LOG.info("image {} is up to date (cached, digest {})", cached.get().tagged(), cached.get().digest());
                    lastConfirmed = cached.get();
                }
                return cached.get();
            }
            LOG.info("image {} (digest {}) is no longer in the registry; building it again", cached.get().tagged(),
                    cached.get().digest());
        }
        ImageSpec withCreds = withCredentials(tagged, true);
        LOG.info("building task image {} on {}", tagged.target(), tagged.baseImage());
        ImageRef ref;
        try {
            ref = builder.build(withCreds);
        } catch (ValenceException e) {
            if (e.kind() == ErrorKind.PERMISSION) {
                throw new ValenceException(ErrorKind.PERMISSION, e.getMessage() + " (credentials looked for in: "
                        + places() + ")", e);
            }
            throw e;
        }
        String where = switch (settings.registry()) {
            case "tar" -> "written to a tar";
            case "docker" -> "loaded into the local Docker daemon";
            default -> "pushed";
        };
        LOG.info("image {} {} (digest {}){}", ref.tagged(), where, ref.digest(),
                ref.loadCommand().map(cmd -> "; load it into the cluster with: " + cmd).orElse(""));
        writeCache(cacheFile, tagged.target(), ref);
        lastConfirmed = ref;
        return ref;
    }

    /**
     * The image of this class path when an earlier build recorded it under {@code cache_dir}; never
     * builds and never asks the registry (the image may have been deleted there since).
     */
    Optional<ImageRef> recorded() {
        ImageSpec target = tagged();
        return readCache(cacheFile(target), target.target());
    }

    /**
     * The cache entry of an image: named by the content hash and the target (registry and
     * repository), so executors that push the same class path to different places, sharing one
     * {@code cache_dir}, each keep their own entry instead of overwriting one another's.
     */
    private Path cacheFile(ImageSpec tagged) {
        MessageDigest md = sha256();
        update(md, tagged.target());
        String where = HexFormat.of().formatHex(md.digest()).substring(0, 12);
        return settings.cacheDir().resolve("images").resolve(hash + "-" + where + ".properties");
    }

    /**
     * Whether the registry still has the cached image; true (trust the cache) when it cannot say in
     * time or fails, and for a while after that, so that a registry outage does not hold up submits
     * (Jib's own retries make an unanswered check last a minute or more).
     */
    private boolean stillThere(ImageRef cached, ImageSpec tagged) {
        if (Instant.now().isBefore(trustUntil)) {
            return true;
        }
        Future<Boolean> check = checker.submit(() -> builder.exists(cached, withCredentials(tagged, false)));
        String why;
        try {
            return check.get(CHECK_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            why = "no answer within " + CHECK_WAIT.toSeconds() + " s";
        } catch (ExecutionException e) {
            why = String.valueOf(e.getCause() instanceof ValenceException v ? v.getMessage() : e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            check.cancel(true);
            throw new ValenceException(ErrorKind.CANCELLED, "interrupted while checking image " + cached.tagged(), e);
        }
        trustUntil = Instant.now().plus(TRUST_AFTER_FAILED_CHECK);
        LOG.warn("cannot check that image {} is still in the registry ({}); using the cached digest {} and not asking "
                + "again for {} minutes", cached.tagged(), why, cached.digest(), TRUST_AFTER_FAILED_CHECK.toMinutes());
        return true;
    }

    /** The spec with its content-hash target; the class path is read and hashed on the first call only. */
    private synchronized ImageSpec tagged() {
        if (tagged == null) {
            ImageSpec spec = spec();
            FileDigests digests = FileDigests.under(settings.cacheDir());
            hash = hash(spec, digests);
            digests.save();
            tagged = spec.toBuilder().target(target(hash)).build();
        }
        return tagged;
    }

    /**
     * The call cache's environment parts of this executor's calls: the base image reference, the
     * entrypoint, and the digests of the dependency and runtime layers (not the user's classes layer: a
     * call's code part keys the classes it reaches). Hashes the jars once (remembered under {@code cache_dir}).
     */
    java.util.Map<String, String> cacheParts() {
        ImageSpec spec = spec();
        FileDigests digests = FileDigests.under(settings.cacheDir());
        java.util.Map<String, String> parts = new java.util.LinkedHashMap<>();
        parts.put("base_image", spec.baseImage());
        MessageDigest entry = sha256();
        update(entry, String.join("\u0000", spec.entrypoint()));
        parts.put("entrypoint", HexFormat.of().formatHex(entry.digest()));
        for (ImageSpec.Layer layer : spec.layers()) {
            if (layer.name().equals("classes")) {
                continue;
            }
            MessageDigest md = sha256();
            for (ImageSpec.Entry e : layer.entries()) {
                update(md, e.pathInImage());
                md.update(digests.digest(e.source()));
            }
            parts.put("layer:" + layer.name(), HexFormat.of().formatHex(md.digest()));
        }
        digests.save();
        return parts;
    }

    /** Share of the container's memory limit the task JVM's heap may take. */
    static final int MAX_RAM_PERCENTAGE = 75;

    /** The image spec without a target: layers, base, entrypoint, user. */
    ImageSpec spec() {
        List<ImageSpec.Entry> libs = new ArrayList<>();
        List<ImageSpec.Entry> runtime = new ArrayList<>();
        List<ImageSpec.Entry> classes = new ArrayList<>();
        List<String> cp = new ArrayList<>();
        Set<String> names = new LinkedHashSet<>();
        int dirs = 0;
        for (Path entry : classpath) {
            if (Files.isDirectory(entry)) {
                String root = APP + "/classes/" + dirs++;
                cp.add(root);
                try (Stream<Path> files = Files.walk(entry)) {
                    files.filter(Files::isRegularFile).sorted().forEach(f ->
                            classes.add(new ImageSpec.Entry(f, root + "/" + slashes(entry.relativize(f)))));
                } catch (IOException e) {
                    throw new UncheckedIOException("reading class path entry " + entry, e);
                }
            } else if (Files.isRegularFile(entry)) {
                String name = entry.getFileName().toString();
                if (!names.add(name)) {
                    name = names.size() + "-" + name;
                    names.add(name);
                }
                boolean valence = isValenceJar(entry);
                (valence ? runtime : libs).add(new ImageSpec.Entry(entry, APP + (valence ? "/valence/" : "/libs/") + name));
            }
        }
        cp.add(APP + "/valence/*");
        cp.add(APP + "/libs/*");
        List<String> launcher = new ArrayList<>(List.of(LAUNCHER));
        ImageSpec.Builder spec = ImageSpec.builder()
                .baseImage(settings.baseImage())
                .layer(new ImageSpec.Layer("dependencies", libs))
                .layer(new ImageSpec.Layer("valence-runtime", runtime))
                .layer(new ImageSpec.Layer("classes", classes));
        storePlugin.ifPresent(plugin -> {
            String dir = PLUGINS + "/" + plugin.name() + "/";
            spec.layer(new ImageSpec.Layer("plugins", plugin.jars().stream()
                    .map(j -> new ImageSpec.Entry(j, dir + j.getFileName())).toList()));
            launcher.add(PLUGINS);
        });
        List<String> entrypoint = new ArrayList<>(List.of("java", "-XX:MaxRAMPercentage=" + MAX_RAM_PERCENTAGE,
                "-XX:TieredStopAtLevel=1", "-Xshare:auto", "-cp",
                String.join(":", cp)));
        entrypoint.addAll(launcher);
        return spec
                // the heap gets most of the container's memory limit (the JVM's default is a quarter)
                // a task is short: C1 only starts faster and costs less CPU under a small limit; the GC is the
                // JVM's own pick (SerialGC below 2 CPUs or 1792 MB, which covers the default 500m/1G pod)
                .entrypoint(entrypoint)
                // no user: the base image's own user stays; the pod's identity comes from run_as_user/run_as_group
                .target("unset")
                .build();
    }

    /** Content hash of everything that makes the image (not the target). */
    static String hash(ImageSpec spec) {
        return hash(spec, FileDigests.none());
    }

    /** Content hash, with file digests from {@code digests}. */
    static String hash(ImageSpec spec, FileDigests digests) {
        MessageDigest md = sha256();
        update(md, spec.baseImage());
        update(md, String.join("\u0000", spec.entrypoint()));
        update(md, spec.user().orElse(""));
        for (ImageSpec.Layer layer : spec.layers()) {
            update(md, "layer:" + layer.name());
            for (ImageSpec.Entry e : layer.entries()) {
                update(md, e.pathInImage());
                md.update(digests.digest(e.source()));
            }
        }
        return HexFormat.of().formatHex(md.digest()).substring(0, 32);
    }

    private String target(String hash) {
        String registry = settings.registry();
        String repo = settings.imageRepo();
        return switch (registry) {
            case "docker" -> "docker://" + repo + ":" + hash;
            case "tar" -> "tar://" + settings.cacheDir().resolve("images").resolve(repo.replace('/', '-') + "-" + hash + ".tar")
                    + "#" + repo + ":" + hash;
            default -> registry + "/" + repo + ":" + hash;
        };
    }

    /** The spec with the registries' credentials; {@code toPush}: also make sure the target repository exists. */
    private ImageSpec withCredentials(ImageSpec spec, boolean toPush) {
        ImageSpec.Builder b = spec.toBuilder();
        String targetHost = registryHost(spec.target());
        boolean registryTarget = !spec.target().startsWith("docker://") && !spec.target().startsWith("tar://");
        if (registryTarget) {
            b.allowInsecure(isLoopback(targetHost));
            find(targetHost).ifPresent(b::targetCredentials);
            if (toPush) {
                credentials.forEach(p -> p.ensureRepository(targetHost, settings.imageRepo()));
            }
        }
        if (!spec.baseImage().equals("scratch")) {
            String baseHost = registryHost(spec.baseImage());
            find(baseHost).ifPresent(b::baseCredentials);
            if (isLoopback(baseHost)) {
                b.allowInsecure(true);
            }
        }
        return b.build();
    }

    private Optional<Credentials> find(String host) {
        for (CredentialProvider p : credentials) {
            Optional<Credentials> c = p.credentialsFor(host);
            if (c.isPresent()) {
                LOG.debug("credentials for {} from {}", host, c.get().source());
                return c;
            }
        }
        LOG.debug("no credentials for {}; pushing anonymously", host);
        return Optional.empty();
    }

    private String places() {
        return credentials.isEmpty() ? "no credential provider installed"
                : String.join(", ", credentials.stream().map(CredentialProvider::description).toList());
    }

    /** The registry host of an image reference; Docker Hub for references without one. */
    static String registryHost(String reference) {
        String ref = reference.replaceFirst("^[a-z]+://", "");
        int slash = ref.indexOf('/');
        if (slash > 0) {
            String first = ref.substring(0, slash);
            if (first.contains(".") || first.contains(":") || first.equals("localhost")) {
                return first;
            }
        }
        return "registry-1.docker.io";
    }

    static boolean isLoopback(String host) {
        String h = host.replaceFirst(":\\d+$", "").toLowerCase(Locale.ROOT);
        return h.equals("localhost") || h.startsWith("127.") || h.equals("[::1]");
    }

    private static boolean isValenceJar(Path jar) {
        try (JarFile jf = new JarFile(jar.toFile())) {
            return jf.getEntry("META-INF/maven/dev.valence/") != null
                    || jf.stream().anyMatch(e -> e.getName().startsWith("META-INF/maven/dev.valence/"));
        } catch (IOException e) {
            return false;
        }
    }

    /** This JVM's class path, with launcher jars' manifest {@code Class-Path} entries expanded. */
    static List<Path> currentClasspath() {
        Set<Path> out = new LinkedHashSet<>();
        for (String e : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            if (!e.isBlank()) {
                expand(Path.of(e).toAbsolutePath().normalize(), out);
            }
        }
        return List.copyOf(out);
    }

    private static void expand(Path entry, Set<Path> out) {
        if (!out.add(entry) || !Files.isRegularFile(entry)) {
            return;
        }
        try (JarFile jf = new JarFile(entry.toFile())) {
            var mf = jf.getManifest();
            String cp = mf == null ? null : mf.getMainAttributes().getValue("Class-Path");
            if (cp == null) {
                return;
            }
            out.remove(entry); // a launcher jar (like surefire's) only points at the real entries
            for (String part : cp.trim().split("\\s+")) {
                URI uri = entry.toUri().resolve(part);
                expand(Path.of(uri).normalize(), out);
            }
        } catch (IOException | IllegalArgumentException e) {
            LOG.debug("not expanding {}: {}", entry, e.toString());
        }
    }

    private static Optional<ImageRef> readCache(Path file, String target) {
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            p.load(in);
        } catch (IOException e) {
            return Optional.empty();
        }
        if (!target.equals(p.getProperty("target"))) {
            return Optional.empty();
        }
        String load = p.getProperty("load");
        return Optional.of(new ImageRef(p.getProperty("repository"), p.getProperty("tag"), p.getProperty("digest"),
                Optional.ofNullable(load)));
    }

    private static void writeCache(Path file, String target, ImageRef ref) {
        Properties p = new Properties();
        p.setProperty("target", target);
        p.setProperty("repository", ref.repository());
        p.setProperty("tag", ref.tag());
        p.setProperty("digest", ref.digest());
        ref.loadCommand().ifPresent(c -> p.setProperty("load", c));
        try {
            Files.createDirectories(file.getParent());
            Path tmp = Files.createTempFile(file.getParent(), ".image", ".tmp");
            try (var out = Files.newOutputStream(tmp)) {
                p.store(out, "Valence image cache: content hash -> digest");
            }
            Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            LOG.warn("could not write image cache {}: {}", file, e.toString());
        }
    }

    private static String slashes(Path relative) {
        return relative.toString().replace(java.io.File.separatorChar, '/');
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void update(MessageDigest md, String s) {
        md.update(s.getBytes(StandardCharsets.UTF_8));
        md.update((byte) 0);
    }
}
