package dev.valence.store.s3;

import dev.valence.api.ValenceException;
import dev.valence.spi.CaBundles;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * The trust of the store's client with {@code ca_bundle_file}: the PEM file's CAs in addition to the
 * JRE's own, so one bundle of a private CA does not stop the client from trusting public endpoints
 * (AWS) behind the same client. The bundle is read by {@link CaBundles} (executor-api, shared with
 * store-azure-blob); these few lines of {@code javax.net.ssl}, which executor-api's architecture rule
 * keeps out of the API, are the same in both stores.
 */
final class CaBundleTrust {
    private CaBundleTrust() {
    }

    /** A trust manager for the CAs in {@code pem} plus the JRE's; a file that holds no certificate is a CONFIG error. */
    static X509TrustManager trustManager(Path pem) {
        try {
            X509TrustManager jre = x509(null);
            return x509(CaBundles.trustStore(pem, jre.getAcceptedIssuers()));
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
