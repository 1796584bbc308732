package dev.valence.store.s3;

import dev.valence.api.ValenceException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * The trust of the store's client with {@code ca_bundle_file}: the PEM file's CAs in addition to the
 * JRE's own, so one bundle of a private CA does not stop the client from trusting public endpoints
 * (AWS) behind the same client. (In store-s3, not executor-api: the API's architecture rule allows
 * {@code java..} only, and S3 is the one store using it so far.)
 */
final class CaBundleTrust {
    private CaBundleTrust() {
    }

    /** A trust manager for the CAs in {@code pem} plus the JRE's; a file that holds no certificate is a CONFIG error. */
    static X509TrustManager trustManager(Path pem) {
        List<X509Certificate> cas = read(pem);
        try {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            for (int i = 0; i < cas.size(); i++) {
                store.setCertificateEntry("ca-" + i, cas.get(i));
            }
            return new Either(x509(store), x509(null));
        } catch (GeneralSecurityException | IOException e) {
            throw ValenceException.config("ca_bundle_file", pem.toString(), "a PEM file of CA certificates ("
                    + e.getMessage() + ")");
        }
    }

    /** The certificates of a PEM file, for messages and tests. */
    static List<X509Certificate> read(Path pem) {
        Collection<? extends Certificate> found;
        try (InputStream in = Files.newInputStream(pem)) {
            found = CertificateFactory.getInstance("X.509").generateCertificates(in);
        } catch (IOException | CertificateException e) {
            throw ValenceException.config("ca_bundle_file", pem.toString(), "expected a PEM file of CA certificates"
                    + " (-----BEGIN CERTIFICATE----- blocks), which could not be read: " + e.getMessage());
        }
        List<X509Certificate> cas = new ArrayList<>();
        found.forEach(c -> cas.add((X509Certificate) c));
        if (cas.isEmpty()) {
            throw ValenceException.config("ca_bundle_file", pem.toString(), "expected a PEM file of CA certificates"
                    + " (-----BEGIN CERTIFICATE----- blocks); it holds none");
        }
        return cas;
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

    /** Trusts what the bundle or the JRE trusts; the bundle's refusal is the one reported. */
    private static final class Either implements X509TrustManager {
        private final X509TrustManager bundle;
        private final X509TrustManager jre;

        Either(X509TrustManager bundle, X509TrustManager jre) {
            this.bundle = bundle;
            this.jre = jre;
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            try {
                bundle.checkClientTrusted(chain, authType);
            } catch (CertificateException e) {
                try {
                    jre.checkClientTrusted(chain, authType);
                } catch (CertificateException ignored) {
                    throw e;
                }
            }
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            try {
                bundle.checkServerTrusted(chain, authType);
            } catch (CertificateException e) {
                try {
                    jre.checkServerTrusted(chain, authType);
                } catch (CertificateException ignored) {
                    throw e;
                }
            }
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            List<X509Certificate> all = new ArrayList<>(List.of(bundle.getAcceptedIssuers()));
            all.addAll(List.of(jre.getAcceptedIssuers()));
            return all.toArray(new X509Certificate[0]);
        }
    }
}
