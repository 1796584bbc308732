package dev.valence.spi;

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

/**
 * The CAs of {@code ca_bundle_file} for a store's TLS client, read one way for every store (same checks,
 * same errors). JDK {@code java.security} only, as this module's architecture rule asks: the store makes
 * its own {@code SSLContext} from {@link #trustStore}, giving the JRE's CAs as {@code alsoTrusted}.
 */
public final class CaBundles {
    private CaBundles() {
    }

    /** The certificates of a PEM file; an unreadable file or one without a certificate is a CONFIG error. */
    public static List<X509Certificate> read(Path pem) {
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

    /**
     * A trust store of the bundle's CAs and {@code alsoTrusted} (the JRE's, so one private CA does not stop
     * the client from trusting public endpoints), for a {@code TrustManagerFactory}.
     */
    public static KeyStore trustStore(Path pem, X509Certificate... alsoTrusted) {
        List<X509Certificate> cas = read(pem);
        try {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            for (int i = 0; i < cas.size(); i++) {
                store.setCertificateEntry("bundle-" + i, cas.get(i));
            }
            for (int i = 0; i < alsoTrusted.length; i++) {
                store.setCertificateEntry("also-" + i, alsoTrusted[i]);
            }
            return store;
        } catch (GeneralSecurityException | IOException e) {
            throw ValenceException.config("ca_bundle_file", pem.toString(), "a PEM file of CA certificates ("
                    + e.getMessage() + ")");
        }
    }
}
