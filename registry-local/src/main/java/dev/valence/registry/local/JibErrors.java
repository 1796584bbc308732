package dev.valence.registry.local;

import com.google.cloud.tools.jib.api.ImageReference;
import com.google.cloud.tools.jib.api.InsecureRegistryException;
import com.google.cloud.tools.jib.api.InvalidImageReferenceException;
import com.google.cloud.tools.jib.api.RegistryException;
import com.google.cloud.tools.jib.api.RegistryUnauthorizedException;
import com.google.cloud.tools.jib.http.ResponseException;
import com.google.cloud.tools.jib.registry.RegistryCredentialsNotSentException;
import dev.valence.api.ErrorKind;
import dev.valence.api.ValenceException;
import dev.valence.spi.Credentials;
import dev.valence.spi.ImageSpec;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.util.Locale;
import java.util.Optional;

/** Turns what Jib throws into {@link ValenceException}s that name the registry, the image and what to do. */
final class JibErrors {

    private JibErrors() {
    }

    static ValenceException translate(Throwable e, ImageSpec spec, ImageTarget target) {
        Optional<String> baseRegistry = baseRegistry(spec);
        String targetHost = target instanceof RegistryTarget r ? r.host() : null;

        if (e instanceof RegistryUnauthorizedException denied) {
            return unauthorized(denied, spec, target);
        }
        if (e instanceof RegistryCredentialsNotSentException) {
            // Jib says so both when it held credentials back over plain HTTP and when it had none.
            boolean forTarget = target instanceof RegistryTarget r
                    && e.getMessage().contains(" " + r.host() + "/" + r.repositoryPath() + " ");
            Optional<Credentials> creds = forTarget ? spec.targetCredentials() : spec.baseCredentials();
            if (creds.isEmpty()) {
                String denied = forTarget ? ((RegistryTarget) target).host() + "/"
                        + ((RegistryTarget) target).repositoryPath() : baseRegistry.orElse("?") + "/" + baseRepository(spec);
                return credentialsRejected(denied, "HTTP 401", forTarget, creds, spec, e);
            }
            return new ValenceException(ErrorKind.IMAGE, e.getMessage() + "; Valence sends credentials over "
                    + "plain HTTP only to loopback registries (127.0.0.1, localhost): serve the registry over HTTPS", e);
        }
        if (e instanceof InsecureRegistryException) {
            return new ValenceException(ErrorKind.IMAGE, e.getMessage() + "; plain HTTP or an untrusted "
                    + "certificate is accepted only for loopback registries or when insecure registries are allowed", e);
        }
        Throwable network = networkCause(e);
        if (network != null) {
            String host = mentioned(e, baseRegistry.orElse(null)) ? baseRegistry.get()
                    : targetHost != null ? targetHost : baseRegistry.orElse(spec.target());
            String role = baseRegistry.isPresent() && host.equals(baseRegistry.get())
                    && !host.equals(targetHost) ? " (base image " + spec.baseImage() + ")" : "";
            return new ValenceException(ErrorKind.IMAGE, "registry " + host + role + " is not reachable ("
                    + network.getClass().getSimpleName() + ": " + network.getMessage()
                    + "); check that it is running and that the registry (or base_image) setting names it", e);
        }
        if (e instanceof RegistryException && baseRegistry.isPresent() && isNotFound(e)
                && e.getMessage().contains(baseRepository(spec))) {
            return new ValenceException(ErrorKind.IMAGE, "base image " + spec.baseImage() + " was not found in registry "
                    + baseRegistry.get() + " (" + firstLine(e.getMessage()) + "); check base_image", e);
        }
        if (target instanceof TarTarget tar && fileProblem(e) != null) {
            FileSystemException fs = fileProblem(e);
            return new ValenceException(ErrorKind.IMAGE, "cannot write the image tar " + tar.path() + " ("
                    + fs.getFile() + (fs.getReason() == null ? "" : ": " + fs.getReason())
                    + "); set cache_dir to a writable directory", e);
        }
        if (target instanceof DockerTarget) {
            return new ValenceException(ErrorKind.IMAGE, "registry 'docker': loading " + target.repository() + ":"
                    + target.tag() + " into the local Docker daemon failed: " + e.getMessage()
                    + "; check that 'docker info' works", e);
        }
        return new ValenceException(ErrorKind.IMAGE, "building the image " + spec.target() + " on "
                + spec.baseImage() + " failed: " + e.getClass().getSimpleName() + ": " + e.getMessage(), e);
    }

    private static ValenceException unauthorized(RegistryUnauthorizedException e, ImageSpec spec, ImageTarget target) {
        String denied = e.getImageReference();
        boolean forTarget = target instanceof RegistryTarget r
                && denied.equals(r.host() + "/" + r.repositoryPath());
        Optional<Credentials> creds = forTarget ? spec.targetCredentials() : spec.baseCredentials();
        String status = e.getCause() instanceof ResponseException re ? "HTTP " + re.getStatusCode() : "unauthorized";
        return credentialsRejected(denied, status, forTarget, creds, spec, e);
    }

    /** {@code denied} is {@code host/repository}; the password is never part of the message. */
    private static ValenceException credentialsRejected(String denied, String status, boolean forTarget,
            Optional<Credentials> creds, ImageSpec spec, Throwable e) {
        String host = denied.substring(0, denied.indexOf('/'));
        String repository = denied.substring(denied.indexOf('/') + 1);
        String what = forTarget ? "pushing to" : "pulling the base image " + spec.baseImage() + " from";
        String message;
        if (creds.isPresent()) {
            message = "registry " + host + " rejected the credentials of user '" + creds.get().username() + "' (from "
                    + creds.get().source() + ") for repository " + repository + " (" + status + ", " + what + " it)"
                    + "; check the username and password, and that the user may "
                    + (forTarget ? "push to" : "pull from") + " " + repository;
        } else {
            message = "registry " + host + " requires credentials for repository " + repository + " (" + status
                    + ", " + what + " it) and no credentials were found for " + host
                    + "; set registry_credentials_file, or run 'docker login " + host + "'";
        }
        return new ValenceException(ErrorKind.PERMISSION, message, e);
    }

    private static Throwable networkCause(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String name = t.getClass().getSimpleName();
            if (t instanceof ConnectException || t instanceof UnknownHostException || t instanceof NoRouteToHostException
                    || t instanceof SocketTimeoutException || name.contains("ConnectTimeout")
                    || name.equals("HttpHostConnectException")) {
                return t;
            }
        }
        return null;
    }

    private static FileSystemException fileProblem(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof AccessDeniedException || t instanceof FileSystemException) {
                return (FileSystemException) t;
            }
        }
        return null;
    }

    private static boolean mentioned(Throwable e, String host) {
        if (host == null) {
            return false;
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() != null && t.getMessage().contains(host)) {
                return true;
            }
        }
        return false;
    }

    private static boolean isNotFound(Throwable e) {
        String m = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT);
        return m.contains("manifest unknown") || m.contains("manifest_unknown") || m.contains("not found")
                || m.contains("name unknown") || m.contains("name_unknown");
    }

    private static Optional<String> baseRegistry(ImageSpec spec) {
        if (spec.baseImage().equals("scratch")) {
            return Optional.empty();
        }
        try {
            return Optional.of(ImageReference.parse(spec.baseImage()).getRegistry());
        } catch (InvalidImageReferenceException e) {
            return Optional.empty();
        }
    }

    private static String baseRepository(ImageSpec spec) {
        try {
            return ImageReference.parse(spec.baseImage()).getRepository();
        } catch (InvalidImageReferenceException e) {
            return spec.baseImage();
        }
    }

    private static String firstLine(String s) {
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
