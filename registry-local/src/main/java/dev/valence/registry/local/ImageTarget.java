package dev.valence.registry.local;

import com.google.cloud.tools.jib.api.ImageReference;
import com.google.cloud.tools.jib.api.InvalidImageReferenceException;
import dev.valence.api.ErrorKind;
import dev.valence.api.ValenceException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Where an image goes, parsed from {@code ImageSpec.target()}: a registry ({@code host[:port]/repo:tag}),
 * the local Docker daemon ({@code docker://repo:tag}) or a tar file
 * ({@code tar://<absolute path>.tar}, optionally {@code #repo:tag} to name the image inside).
 */
sealed interface ImageTarget permits RegistryTarget, DockerTarget, TarTarget {

    /** The image name a Job uses: for a registry {@code host/repo}, else {@code repo}. */
    String repository();

    /** The tag. */
    String tag();

    /** Parses a target; a malformed one is an {@link ErrorKind#IMAGE} error naming it. */
    static ImageTarget parse(String target) {
        if (target.startsWith("docker://")) {
            String name = target.substring("docker://".length());
            ImageReference ref = reference(target, name);
            return new DockerTarget(ref, withoutTag(name), ref.getTag().orElse("latest"));
        }
        if (target.startsWith("tar://")) {
            String rest = target.substring("tar://".length());
            int hash = rest.indexOf('#');
            String file = hash < 0 ? rest : rest.substring(0, hash);
            if (!file.startsWith("/") || !file.endsWith(".tar")) {
                throw new ValenceException(ErrorKind.IMAGE, "image target '" + target
                        + "' is not valid: expected tar://<absolute path>.tar, optionally followed by #<repo>:<tag>");
            }
            Path path = Path.of(file);
            String name = hash < 0 ? defaultTarName(path) : rest.substring(hash + 1);
            ImageReference ref = reference(target, name);
            return new TarTarget(path, ref, withoutTag(name), ref.getTag().orElse("latest"));
        }
        ImageReference ref = reference(target, target);
        if (ref.getDigest().isPresent() || ref.getTag().isEmpty() || withoutTag(target).equals(target)) {
            throw new ValenceException(ErrorKind.IMAGE, "image target '" + target
                    + "' is not valid: expected host[:port]/repository:tag");
        }
        return new RegistryTarget(ref, withoutTag(target), ref.getTag().get());
    }

    /**
     * The image name when a tar target names none: the file name without {@code .tar}, tagged
     * {@code local} (not {@code latest}, which Kubernetes would always try to pull).
     */
    private static String defaultTarName(Path path) {
        String stem = path.getFileName().toString();
        stem = stem.substring(0, stem.length() - ".tar".length()).toLowerCase(Locale.ROOT)
                .replaceAll("[^a-z0-9._-]", "-").replaceAll("^[^a-z0-9]+", "");
        return (stem.isEmpty() ? "valence-task" : stem) + ":local";
    }

    private static ImageReference reference(String target, String name) {
        try {
            return ImageReference.parse(name);
        } catch (InvalidImageReferenceException e) {
            throw new ValenceException(ErrorKind.IMAGE, "image target '" + target + "' is not valid: '" + name
                    + "' is not an image reference such as localhost:5000/valence-task:1a2b3c", e);
        }
    }

    private static String withoutTag(String name) {
        int slash = name.lastIndexOf('/');
        int colon = name.lastIndexOf(':');
        return colon > slash ? name.substring(0, colon) : name;
    }

    /** Whether a registry host ({@code host[:port]}) is this machine, where plain HTTP never leaves it. */
    static boolean isLoopback(String registryHost) {
        String host = registryHost;
        if (host.startsWith("[")) {
            host = host.substring(1, Math.max(1, host.indexOf(']')));
        } else if (host.indexOf(':') == host.lastIndexOf(':') && host.contains(":")) {
            host = host.substring(0, host.indexOf(':'));
        }
        host = host.toLowerCase(Locale.ROOT);
        return host.equals("localhost") || host.startsWith("127.") || host.equals("::1");
    }
}
