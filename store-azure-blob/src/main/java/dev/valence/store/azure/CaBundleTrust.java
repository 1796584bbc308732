package dev.valence.store.azure;

import dev.valence.api.ValenceException;
import dev.valence.spi.CaBundles;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * The TLS context of the store's JDK HTTP client with {@code ca_bundle_file}: the PEM file's CAs in
 * addition to the JRE's, so a private CA's bundle does not stop the client from trusting Azure's public
 * endpoints. The bundle is read by {@link CaBundles} (executor-api, shared with store-s3); these few
 * lines of {@code javax.net.ssl}, which executor-api's architecture rule keeps out of the API, are the
 * same in both stores.
 */
final class CaBundleTrust {
    private CaBundleTrust() {
    }

    /** A TLS context trusting the CAs in {@code pem} and the JRE's; a file without a certificate is a CONFIG error. */
    static SSLContext context(Path pem) {
        try {
            X509TrustManager jre = x509(null);
            X509TrustManager both = x509(CaBundles.trustStore(pem, jre.getAcceptedIssuers()));
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new TrustManager[] {both}, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw ValenceException.config("ca_bundle_file", pem.toString(), "a PEM file of CA certificates ("
                    + e.getMessage() + ")");
        }
    }

    private static X509TrustManager x509(KeyStore store) throws GeneralSecurityException {
        TrustManagerFactory f = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        f.init(store);
        for (TrustManager tm : f.getTrustManagers()) {
            if (tm instanceof X509TrustManager x) {
                return x;
            }
        }
        throw new GeneralSecurityException("no X509TrustManager from " + f.getAlgorithm());
    }
}
