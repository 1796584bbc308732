package dev.valence.registry.local;

import com.google.cloud.tools.jib.api.CacheDirectoryCreationException;
import com.google.cloud.tools.jib.api.Containerizer;
import com.google.cloud.tools.jib.api.Credential;
import com.google.cloud.tools.jib.api.DockerDaemonImage;
import com.google.cloud.tools.jib.api.ImageReference;
import com.google.cloud.tools.jib.api.InvalidImageReferenceException;
import com.google.cloud.tools.jib.api.Jib;
import com.google.cloud.tools.jib.api.JibContainer;
import com.google.cloud.tools.jib.api.JibContainerBuilder;
import com.google.cloud.tools.jib.api.LogEvent;
import com.google.cloud.tools.jib.api.RegistryException;
import com.google.cloud.tools.jib.api.RegistryImage;
import com.google.cloud.tools.jib.api.TarImage;
import com.google.cloud.tools.jib.api.buildplan.AbsoluteUnixPath;
import com.google.cloud.tools.jib.api.buildplan.FileEntriesLayer;
import com.google.cloud.tools.jib.api.buildplan.FilePermissions;
import com.google.cloud.tools.jib.event.EventHandlers;
import com.google.cloud.tools.jib.global.JibSystemProperties;
import com.google.cloud.tools.jib.http.FailoverHttpClient;
import com.google.cloud.tools.jib.registry.RegistryClient;
import dev.valence.api.ErrorKind;
import dev.valence.api.ValenceException;
import dev.valence.spi.Credentials;
import dev.valence.spi.ImageBuilder;
import dev.valence.spi.ImageRef;
import dev.valence.spi.ImageSpec;
import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link ImageBuilder} on Jib: base image (a registry image or {@code scratch}) plus the spec's
 * file layers, built daemonless and reproducibly (entries sorted, Jib's fixed modification time
 * and creation time), delivered to a registry, the local Docker daemon or a tar file.
 */
final class JibImageBuilder implements ImageBuilder {
    private static final Logger LOG = LoggerFactory.getLogger(JibImageBuilder.class);
    private static final FilePermissions EXECUTABLE = FilePermissions.fromOctalString("755");

    private final Path cacheDir;
    private final DockerDaemon docker;

    /** {@code cacheDir} holds Jib's base-image and application-layer caches. */
    JibImageBuilder(Path cacheDir, DockerDaemon docker) {
        this.cacheDir = cacheDir;
        this.docker = docker;
    }

    @Override
    public ImageRef build(ImageSpec spec) {
        ImageTarget target = ImageTarget.parse(spec.target());
        JibContainerBuilder container = base(spec);
        for (ImageSpec.Layer layer : spec.layers()) {
            container.addFileEntriesLayer(layer(layer));
        }
        if (!spec.entrypoint().isEmpty()) {
            container.setEntrypoint(spec.entrypoint());
        }
        spec.user().ifPresent(container::setUser); // else the base image's user
        // Sorted, so that the config (and so the digest) does not depend on a map's iteration order.
        container.setEnvironment(new TreeMap<>(spec.environment()));

        // Jib's work runs on an executor owned here and drained before build() returns, so that no
        // step of a failed build keeps writing into the cache afterwards.
        ExecutorService jibThreads = Executors.newCachedThreadPool(JibImageBuilder::daemonThread);
        Containerizer containerizer = containerizer(target, spec)
                .setAllowInsecureRegistries(allowInsecure(spec, target))
                .setBaseImageLayersCache(cacheDir.resolve("base"))
                .setApplicationLayersCache(cacheDir.resolve("layers"))
                .setExecutorService(jibThreads)
                .setToolName("valence")
                .addEventHandler(LogEvent.class, JibImageBuilder::log);
        JibContainer result;
        try {
            result = container.containerize(containerizer);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ValenceException(ErrorKind.CANCELLED, "building the image for " + spec.target() + " was interrupted", e);
        } catch (ExecutionException e) {
            throw JibErrors.translate(e.getCause() == null ? e : e.getCause(), spec, target);
        } catch (RegistryException | IOException | CacheDirectoryCreationException e) {
            throw JibErrors.translate(e, spec, target);
        } finally {
            drain(jibThreads);
        }
        String digest = result.getDigest().toString();
        // the executor tells the user at INFO; the details stay at DEBUG
        if (target instanceof TarTarget tar) {
            LOG.debug("image {}:{} written to {}; load it into minikube with: {}", tar.repository(), tar.tag(),
                    tar.path(), tar.loadCommand());
            return new ImageRef(tar.repository(), tar.tag(), digest, Optional.of(tar.loadCommand()));
        }
        if (target instanceof DockerTarget) {
            LOG.debug("image {}:{} loaded into the local Docker daemon", target.repository(), target.tag());
        } else if (result.isImagePushed()) {
            LOG.debug("pushed {}:{} ({})", target.repository(), target.tag(), digest);
        } else {
            LOG.debug("{}:{} already in the registry ({})", target.repository(), target.tag(), digest);
        }
        return new ImageRef(target.repository(), target.tag(), digest, Optional.empty());
    }

    @Override
    public boolean exists(ImageRef image, ImageSpec spec) {
        ImageTarget target = ImageTarget.parse(spec.target());
        if (target instanceof TarTarget tar) {
            return Files.isRegularFile(tar.path());
        }
        if (target instanceof DockerTarget) {
            return existsInDaemon(image);
        }
        ImageReference ref = ((RegistryTarget) target).reference();
        boolean loopback = ImageTarget.isLoopback(ref.getRegistry());
        Optional<Credentials> creds = spec.targetCredentials();
        FailoverHttpClient http = new FailoverHttpClient(spec.allowInsecure() || loopback, loopback,
                JibImageBuilder::log);
        try {
            RegistryClient.Factory factory = RegistryClient.factory(EventHandlers.NONE, ref.getRegistry(),
                    ref.getRepository(), http);
            creds.ifPresent(c -> factory.setCredential(Credential.from(c.username(), c.password())));
            RegistryClient client = factory.newRegistryClient();
            // As Jib authenticates a push: bearer when the registry asks for it, else basic.
            if (!client.doPullBearerAuth() && creds.isPresent()) {
                client.configureBasicAuth();
            }
            boolean found = client.checkManifest(image.digest()).isPresent();
            LOG.debug("manifest {} {} in {}", image.digest(), found ? "found" : "not found", ref.getRegistry());
            return found;
        } catch (RegistryException | IOException e) {
            throw JibErrors.translate(e, spec, target);
        } finally {
            try {
                http.shutDown();
            } catch (IOException e) {
                LOG.debug("closing the registry HTTP client: {}", e.toString());
            }
        }
    }

    private JibContainerBuilder base(ImageSpec spec) {
        if (spec.baseImage().equals("scratch")) {
            return Jib.fromScratch();
        }
        ImageReference reference;
        try {
            reference = ImageReference.parse(spec.baseImage());
        } catch (InvalidImageReferenceException e) {
            throw new ValenceException(ErrorKind.CONFIG, "base_image '" + spec.baseImage()
                    + "' is not valid: expected an image reference such as eclipse-temurin:17-jre, or scratch", e);
        }
        RegistryImage base = RegistryImage.named(reference);
        spec.baseCredentials().ifPresent(c -> {
            base.addCredential(c.username(), c.password());
            allowCredentialsOverHttpFor(reference.getRegistry());
        });
        return Jib.from(base);
    }

    private Containerizer containerizer(ImageTarget target, ImageSpec spec) {
        if (target instanceof RegistryTarget registry) {
            RegistryImage image = RegistryImage.named(registry.reference());
            spec.targetCredentials().ifPresent(c -> {
                image.addCredential(c.username(), c.password());
                allowCredentialsOverHttpFor(registry.host());
            });
            return Containerizer.to(image);
        }
        if (target instanceof DockerTarget d) {
            Path command = docker.locate();
            return Containerizer.to(DockerDaemonImage.named(d.reference()).setDockerExecutable(command)
                    .setDockerEnvironment(docker.dockerEnvironment()));
        }
        TarTarget tar = (TarTarget) target;
        prepareTarDirectory(tar);
        return Containerizer.to(TarImage.at(tar.path()).named(tar.reference()));
    }

    private static void prepareTarDirectory(TarTarget tar) {
        Path dir = tar.path().getParent();
        try {
            Files.createDirectories(dir);
        } catch (FileSystemException e) {
            throw unwritable(tar, e.getFile() + (e.getReason() == null ? "" : ": " + e.getReason()), e);
        } catch (IOException e) {
            throw unwritable(tar, e.toString(), e);
        }
        if (!Files.isWritable(dir)) {
            throw unwritable(tar, dir + " is not writable", null);
        }
    }

    private static ValenceException unwritable(TarTarget tar, String why, Exception cause) {
        return new ValenceException(ErrorKind.IMAGE, "cannot write the image tar " + tar.path() + " (" + why
                + "); set cache_dir to a writable directory", cause);
    }

    /**
     * Jib refuses to send credentials over plain HTTP unless the process-wide system property
     * {@code sendCredentialsOverHttp} is true. We set it only when the registry that gets the
     * credentials is on loopback (127.0.0.1, localhost), where plain HTTP never leaves the machine.
     * Being process-wide, it stays set afterwards; a non-loopback registry over plain HTTP still
     * needs {@code allowInsecure}, which Valence sets only when the user asked for it.
     */
    private static void allowCredentialsOverHttpFor(String registryHost) {
        if (ImageTarget.isLoopback(registryHost)) {
            System.setProperty(JibSystemProperties.SEND_CREDENTIALS_OVER_HTTP, "true");
        }
    }

    private static boolean allowInsecure(ImageSpec spec, ImageTarget target) {
        if (spec.allowInsecure()) {
            return true;
        }
        if (target instanceof RegistryTarget r && ImageTarget.isLoopback(r.host())) {
            return true;
        }
        return !spec.baseImage().equals("scratch") && baseRegistry(spec).map(ImageTarget::isLoopback).orElse(false);
    }

    private static Optional<String> baseRegistry(ImageSpec spec) {
        try {
            return Optional.of(ImageReference.parse(spec.baseImage()).getRegistry());
        } catch (InvalidImageReferenceException e) {
            return Optional.empty();
        }
    }

    /** One Jib layer; entries sorted by their path in the image, Jib's fixed modification time. */
    private static FileEntriesLayer layer(ImageSpec.Layer layer) {
        FileEntriesLayer.Builder b = FileEntriesLayer.builder().setName(layer.name());
        List<ImageSpec.Entry> entries = layer.entries().stream()
                .sorted(Comparator.comparing(ImageSpec.Entry::pathInImage)).toList();
        for (ImageSpec.Entry e : entries) {
            AbsoluteUnixPath inImage;
            try {
                inImage = AbsoluteUnixPath.get(e.pathInImage());
            } catch (IllegalArgumentException bad) {
                throw new ValenceException(ErrorKind.IMAGE, "layer '" + layer.name() + "': path in image '"
                        + e.pathInImage() + "' for " + e.source() + " is not absolute", bad);
            }
            Path source = e.source();
            if (!Files.exists(source)) {
                throw new ValenceException(ErrorKind.IMAGE, "layer '" + layer.name() + "': " + source
                        + " does not exist (to be placed at " + e.pathInImage() + "); check the classpath");
            }
            if (Files.isDirectory(source)) {
                try {
                    b.addEntryRecursive(source, inImage);
                } catch (IOException io) {
                    throw new ValenceException(ErrorKind.IMAGE, "layer '" + layer.name() + "': cannot read "
                            + source + ": " + io.getMessage(), io);
                }
            } else {
                FilePermissions permissions = Files.isExecutable(source) ? EXECUTABLE
                        : FilePermissions.DEFAULT_FILE_PERMISSIONS;
                b.addEntry(source, inImage, permissions, FileEntriesLayer.DEFAULT_MODIFICATION_TIME);
            }
        }
        return b.build();
    }

    private boolean existsInDaemon(ImageRef image) {
        Path command;
        try {
            command = docker.locate();
        } catch (ValenceException noDaemon) {
            LOG.debug("no Docker daemon: {}", noDaemon.getMessage());
            return false;
        }
        try {
            ProcessBuilder pb = new ProcessBuilder(command.toString(), "image", "inspect", image.tagged())
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
            pb.environment().putAll(docker.dockerEnvironment());
            Process p = pb.start();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return false;
            }
            return p.exitValue() == 0;
        } catch (IOException e) {
            LOG.debug("docker image inspect {} failed: {}", image.tagged(), e.toString());
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static Thread daemonThread(Runnable r) {
        Thread t = new Thread(r, "valence-jib");
        t.setDaemon(true);
        return t;
    }

    private static void drain(ExecutorService threads) {
        threads.shutdown();
        try {
            if (!threads.awaitTermination(60, TimeUnit.SECONDS)) {
                threads.shutdownNow();
            }
        } catch (InterruptedException e) {
            threads.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    private static void log(LogEvent event) {
        switch (event.getLevel()) {
            case ERROR, WARN -> LOG.debug("jib {}: {}", event.getLevel(), event.getMessage());
            default -> LOG.trace("jib {}: {}", event.getLevel(), event.getMessage());
        }
    }
}
