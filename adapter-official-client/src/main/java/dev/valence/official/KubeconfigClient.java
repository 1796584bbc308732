package dev.valence.official;

import dev.valence.api.ErrorKind;
import dev.valence.api.ValenceException;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.util.ClientBuilder;
import io.kubernetes.client.util.KubeConfig;
import io.kubernetes.client.util.credentials.Authentication;
import io.kubernetes.client.util.credentials.KubeconfigAuthentication;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Builds the {@link ApiClient} for a kubeconfig context, as {@code ClientBuilder.kubeconfig} does
 * (server, CA file or data, {@code insecure-skip-tls-verify}, {@code tls-server-name}), choosing the
 * user's authentication the way kubectl does: a client certificate and key (file or data) first,
 * then an exec plugin ({@link ExecPlugin}: expiry, installHint, errors), then a token, then a token
 * file ({@link TokenFileAuth}, path relative to the kubeconfig), then what client-java
 * knows besides (basic auth, auth-provider).
 */
final class KubeconfigClient {
    private KubeconfigClient() {
    }

    static ApiClient build(KubeConfig config, Path file, String origin, Duration readTimeout, Duration tokenRefresh)
            throws IOException {
        String server = config.getServer();
        ClientBuilder builder = new ClientBuilder()
                .setBasePath(server.contains("://") ? server : "https://" + server)
                .setVerifyingSsl(config.verifySSL())
                .setReadTimeout(readTimeout)
                .setAuthentication(authentication(config, file, origin, tokenRefresh));
        byte[] ca = config.getDataOrFileRelative(config.getCertificateAuthorityData(), config.getCertificateAuthorityFile());
        if (ca != null) {
            builder.setCertificateAuthority(ca);
        }
        if (config.getTlsServerName() != null && !config.getTlsServerName().isEmpty()) {
            builder.setTlsServerName(config.getTlsServerName());
        }
        return builder.build();
    }

    @SuppressWarnings("unchecked")
    private static Authentication authentication(KubeConfig config, Path file, String origin, Duration tokenRefresh)
            throws IOException {
        Map<String, Object> user = entry(config.getUsers(), (String) context(config).get("user"), "user");
        boolean certificate = (config.getClientCertificateData() != null || config.getClientCertificateFile() != null)
                && (config.getClientKeyData() != null || config.getClientKeyFile() != null);
        if (certificate) {
            checkNotExpired(config.getDataOrFileRelative(config.getClientCertificateData(), config.getClientCertificateFile()),
                    origin);
        }
        if (!certificate && user.get("exec") instanceof Map<?, ?> exec) {
            Map<String, Object> cluster = entry(config.getClusters(), (String) context(config).get("cluster"), "cluster");
            return new ExecAuthentication(ExecPlugin.of((Map<String, Object>) exec, cluster, file, origin, Clock.systemUTC()));
        }
        if (!certificate && user.get("token") == null && user.get("tokenFile") instanceof String tokenFile) {
            Path token = file.toAbsolutePath().getParent().resolve(tokenFile).normalize();
            return new TokenFileAuth(token, tokenRefresh, Clock.systemUTC());
        }
        // client certificate (file or data), token, basic auth, auth-provider: client-java's own handling
        return new KubeconfigAuthentication(config, null);
    }

    /** An expired client certificate is said so now, rather than as a refused TLS handshake later. */
    private static void checkNotExpired(byte[] pem, String origin) {
        X509Certificate cert;
        try {
            cert = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(pem));
        } catch (CertificateException | RuntimeException e) {
            throw new ValenceException(ErrorKind.CONFIG, "the client certificate of " + origin + " is not a PEM "
                    + "certificate (" + e.getMessage() + "); check client-certificate (-data) of the user", e);
        }
        Instant now = Instant.now();
        if (cert.getNotAfter().toInstant().isBefore(now)) {
            throw new ValenceException(ErrorKind.CONFIG, "the client certificate of " + origin + " ("
                    + cert.getSubjectX500Principal().getName() + ") expired on " + cert.getNotAfter().toInstant()
                    + "; renew it (minikube: 'minikube update-context' or restart; kubeadm: 'kubeadm certs renew') "
                    + "and refresh the kubeconfig");
        }
        if (cert.getNotBefore().toInstant().isAfter(now)) {
            throw new ValenceException(ErrorKind.CONFIG, "the client certificate of " + origin + " is not valid "
                    + "before " + cert.getNotBefore().toInstant() + "; check this machine's clock");
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> context(KubeConfig config) {
        return entry(config.getContexts(), config.getCurrentContext(), "context");
    }

    /** The named entry's inner map ({@code users[].user}, {@code clusters[].cluster}...), empty when absent. */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> entry(List<Object> list, String name, String key) {
        if (list == null || name == null) {
            return Map.of();
        }
        for (Object o : list) {
            if (o instanceof Map<?, ?> m && name.equals(m.get("name")) && m.get(key) instanceof Map<?, ?> inner) {
                return (Map<String, Object>) inner;
            }
        }
        return Map.of();
    }
}
