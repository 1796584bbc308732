package dev.valence.store.s3;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.Optional;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import software.amazon.awssdk.http.SdkHttpConfigurationOption;
import software.amazon.awssdk.http.urlconnection.UrlConnectionFactory;

/**
 * The connections of the SDK's url-connection client, opened so that TLS starts with the first https
 * connection and not with the client: the SDK's own builder makes an {@code SSLContext} up front
 * (JSSE's start, 0.1–0.25 s of CPU on every pod's start) even for a plain-http endpoint. https uses the
 * JRE's default TLS, or with {@code ca_bundle_file} a context trusting its CAs too (made once, on first
 * use). Timeouts are the SDK's defaults; the JDK's proxy settings apply as for any {@code URLConnection}.
 */
final class Connections implements UrlConnectionFactory {
    private static final int CONNECT_TIMEOUT_MS = (int) SdkHttpConfigurationOption.GLOBAL_HTTP_DEFAULTS
            .get(SdkHttpConfigurationOption.CONNECTION_TIMEOUT).toMillis();
    private static final int READ_TIMEOUT_MS = (int) SdkHttpConfigurationOption.GLOBAL_HTTP_DEFAULTS
            .get(SdkHttpConfigurationOption.READ_TIMEOUT).toMillis();

    private final Optional<X509TrustManager> trust;
    private volatile SSLSocketFactory tls;

    /** Reads {@code caBundle} now, so a bad file is an error at open; TLS itself starts on the first https connection. */
    Connections(Optional<Path> caBundle) {
        this.trust = caBundle.map(CaBundleTrust::trustManager);
    }

    @Override
    public HttpURLConnection createConnection(URI uri) {
        HttpURLConnection c;
        try {
            c = (HttpURLConnection) uri.toURL().openConnection();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (c instanceof HttpsURLConnection https && trust.isPresent()) {
            https.setSSLSocketFactory(tls());
        }
        c.setConnectTimeout(CONNECT_TIMEOUT_MS);
        c.setReadTimeout(READ_TIMEOUT_MS);
        return c;
    }

    private SSLSocketFactory tls() {
        SSLSocketFactory f = tls;
        if (f == null) {
            synchronized (this) {
                if (tls == null) {
                    try {
                        SSLContext context = SSLContext.getInstance("TLS");
                        context.init(null, new TrustManager[] {trust.orElseThrow()}, null);
                        tls = context.getSocketFactory();
                    } catch (GeneralSecurityException e) {
                        throw new IllegalStateException("cannot set up TLS with ca_bundle_file: " + e.getMessage(), e);
                    }
                }
                f = tls;
            }
        }
        return f;
    }
}
