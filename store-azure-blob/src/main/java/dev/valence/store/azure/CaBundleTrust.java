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
 * The TLS of the store's HTTP client with {@code ca_bundle_file}: the PEM file's CAs in
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
        return context(trustManager(pem), pem);
    }

    /** An OkHttp client whose TLS trusts the CAs in {@code pem} and the JRE's. */
    static okhttp3.OkHttpClient okHttp(Path pem) {
        X509TrustManager both = trustManager(pem);
        return new okhttp3.OkHttpClient.Builder().sslSocketFactory(context(both, pem).getSocketFactory(), both).build();
    }

    private static X509TrustManager trustManager(Path pem) {
        try {
            X509TrustManager jre = x509(null);
            return x509(CaBundles.trustStore(pem, jre.getAcceptedIssuers()));
        } catch (GeneralSecurityException e) {
            throw invalid(pem, e);
        }
    }

    private static SSLContext context(X509TrustManager trust, Path pem) {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new TrustManager[] {trust}, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw invalid(pem, e);
        }
    }

    private static ValenceException invalid(Path pem, GeneralSecurityException e) {
        return ValenceException.config("ca_bundle_file", pem.toString(), "a PEM file of CA certificates ("
                + e.getMessage() + ")");
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
