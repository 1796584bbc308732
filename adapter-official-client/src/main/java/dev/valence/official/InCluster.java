package dev.valence.official;

import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.util.ClientBuilder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;

/**
 * In-cluster configuration from a service account directory: what {@code ClientBuilder.cluster()}
 * does, with the directory as a parameter. The token file is re-read every {@code tokenRefresh} and
 * after a 401 ({@link TokenFileAuth}), so a rotated (projected) token is picked up.
 */
final class InCluster {
    private InCluster() {
    }

    static ApiClient client(String server, Path serviceAccountDir, Duration readTimeout, Duration tokenRefresh)
            throws IOException {
        Path token = serviceAccountDir.resolve("token");
        Path ca = serviceAccountDir.resolve("ca.crt");
        if (!Files.isReadable(token)) {
            throw new NoSuchFileException(token.toString(), null, "no service account token");
        }
        ClientBuilder builder = new ClientBuilder()
                .setBasePath(server)
                .setAuthentication(new TokenFileAuth(token, tokenRefresh, Clock.systemUTC()))
                .setReadTimeout(readTimeout);
        if (Files.isReadable(ca)) {
            builder.setCertificateAuthority(Files.readAllBytes(ca));
        }
        return builder.build();
    }

    /** The pod's namespace, from the service account directory. */
    static Optional<String> namespace(Path serviceAccountDir) {
        try {
            String ns = Files.readString(serviceAccountDir.resolve("namespace"), StandardCharsets.UTF_8).trim();
            return ns.isEmpty() ? Optional.empty() : Optional.of(ns);
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
