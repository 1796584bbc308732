package dev.valence.tck.cluster;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.io.ByteArrayInputStream;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A throw-away certificate authority for TLS tests, made in process with the JDK alone (RSA keys
 * from {@link KeyPairGenerator}, X.509 v3 certificates from a small DER writer): a CA, a server
 * certificate for {@code 127.0.0.1}/{@code localhost}, and client certificates — including an
 * expired one — as PEM text, the way kubeconfig files carry them.
 */
public final class TestPki {
    private static final String SHA256_WITH_RSA = "1.2.840.113549.1.1.11";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Issued ca;

    /** A key pair with its certificate. */
    public record Issued(KeyPair keys, X509Certificate certificate) {
        /** The certificate as PEM ({@code BEGIN CERTIFICATE}). */
        public String certificatePem() {
            try {
                return pem("CERTIFICATE", certificate.getEncoded());
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }

        /** The private key as PKCS#8 PEM ({@code BEGIN PRIVATE KEY}). */
        public String keyPem() {
            return pem("PRIVATE KEY", keys.getPrivate().getEncoded());
        }

        /** The private key as PKCS#1 PEM ({@code BEGIN RSA PRIVATE KEY}), as minikube and kind write it. */
        public String rsaKeyPem() {
            return pem("RSA PRIVATE KEY", pkcs1(keys.getPrivate().getEncoded()));
        }

        /** The certificate's subject, such as {@code CN=valence-user, O=system:masters}. */
        public String subject() {
            return certificate.getSubjectX500Principal().getName();
        }
    }

    private TestPki(Issued ca) {
        this.ca = ca;
    }

    /** A new CA named {@code cn}, valid from an hour ago for two days. */
    public static TestPki create(String cn) {
        KeyPair keys = rsa();
        Instant now = Instant.now();
        byte[] name = name(cn, null);
        X509Certificate cert = sign(keys.getPrivate(), name, name, keys, now.minus(Duration.ofHours(1)),
                now.plus(Duration.ofDays(2)), List.of(
                        extension("2.5.29.19", true, seq(bool(true))),
                        extension("2.5.29.15", true, new byte[] {0x03, 0x02, 0x01, 0x06})));
        return new TestPki(new Issued(keys, cert));
    }

    /** The CA's certificate and key. */
    public Issued ca() {
        return ca;
    }

    /** A server certificate for 127.0.0.1, ::1 and localhost. */
    public Issued server() {
        KeyPair keys = rsa();
        Instant now = Instant.now();
        try {
            byte[] san = seq(tagged(0x82, "localhost".getBytes(StandardCharsets.US_ASCII)),
                    tagged(0x87, InetAddress.getByName("127.0.0.1").getAddress()),
                    tagged(0x87, InetAddress.getByName("::1").getAddress()));
            return issue(keys, name("localhost", null), now.minus(Duration.ofHours(1)), now.plus(Duration.ofDays(2)),
                    List.of(extension("2.5.29.19", true, seq()),
                            extension("2.5.29.37", false, seq(oid("1.3.6.1.5.5.7.3.1"))),
                            extension("2.5.29.17", false, san)));
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A client certificate {@code CN=<user>, O=<group>} valid between the given times. */
    public Issued client(String user, String group, Instant notBefore, Instant notAfter) {
        return issue(rsa(), name(user, group), notBefore, notAfter,
                List.of(extension("2.5.29.19", true, seq()),
                        extension("2.5.29.37", false, seq(oid("1.3.6.1.5.5.7.3.2")))));
    }

    /** A client certificate valid from an hour ago for two days. */
    public Issued client(String user, String group) {
        Instant now = Instant.now();
        return client(user, group, now.minus(Duration.ofHours(1)), now.plus(Duration.ofDays(2)));
    }

    /** A server-side TLS context presenting {@code server} and trusting this CA for client certificates. */
    public SSLContext serverContext(Issued server) {
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            char[] pw = "changeit".toCharArray();
            ks.setKeyEntry("server", server.keys().getPrivate(), pw,
                    new java.security.cert.Certificate[] {server.certificate(), ca.certificate()});
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, pw);
            KeyStore ts = KeyStore.getInstance("PKCS12");
            ts.load(null, null);
            ts.setCertificateEntry("ca", ca.certificate());
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ts);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), RANDOM);
            return ctx;
        } catch (Exception e) {
            throw new IllegalStateException("cannot build the test server's TLS context", e);
        }
    }

    /** Base64 of the text, as kubeconfig {@code *-data} fields hold PEM. */
    public static String base64(String pem) {
        return Base64.getEncoder().encodeToString(pem.getBytes(StandardCharsets.US_ASCII));
    }

    // ---- issuing ----

    private Issued issue(KeyPair keys, byte[] subject, Instant notBefore, Instant notAfter, List<byte[]> extensions) {
        byte[] issuer = ca.certificate().getSubjectX500Principal().getEncoded();
        return new Issued(keys, sign(ca.keys().getPrivate(), issuer, subject, keys, notBefore, notAfter, extensions));
    }

    private static X509Certificate sign(PrivateKey signer, byte[] issuer, byte[] subject, KeyPair keys,
                                        Instant notBefore, Instant notAfter, List<byte[]> extensions) {
        try {
            byte[] algorithm = seq(oid(SHA256_WITH_RSA), new byte[] {0x05, 0x00});
            byte[] tbs = seq(
                    tagged(0xA0, integer(BigInteger.valueOf(2))),
                    integer(new BigInteger(64, RANDOM).add(BigInteger.ONE)),
                    algorithm,
                    issuer,
                    seq(time(notBefore), time(notAfter)),
                    subject,
                    keys.getPublic().getEncoded(),
                    tagged(0xA3, seq(extensions.toArray(new byte[0][]))));
            Signature s = Signature.getInstance("SHA256withRSA");
            s.initSign(signer);
            s.update(tbs);
            byte[] sig = s.sign();
            byte[] bits = new byte[sig.length + 1];
            System.arraycopy(sig, 0, bits, 1, sig.length);
            byte[] der = seq(tbs, algorithm, tagged(0x03, bits));
            return (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(der));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot sign a test certificate", e);
        }
    }

    private static KeyPair rsa() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
            g.initialize(2048, RANDOM);
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    // ---- a small DER writer ----

    private static byte[] name(String cn, String org) {
        List<byte[]> rdns = new ArrayList<>();
        if (org != null) {
            rdns.add(set(seq(oid("2.5.4.10"), tagged(0x0C, org.getBytes(StandardCharsets.UTF_8)))));
        }
        rdns.add(set(seq(oid("2.5.4.3"), tagged(0x0C, cn.getBytes(StandardCharsets.UTF_8)))));
        return seq(rdns.toArray(new byte[0][]));
    }

    private static byte[] extension(String id, boolean critical, byte[] value) {
        return critical ? seq(oid(id), bool(true), tagged(0x04, value)) : seq(oid(id), tagged(0x04, value));
    }

    private static byte[] time(Instant t) {
        String s = DateTimeFormatter.ofPattern("yyMMddHHmmss'Z'").withZone(ZoneOffset.UTC).format(t);
        return tagged(0x17, s.getBytes(StandardCharsets.US_ASCII));
    }

    private static byte[] bool(boolean b) {
        return new byte[] {0x01, 0x01, (byte) (b ? 0xFF : 0x00)};
    }

    private static byte[] integer(BigInteger i) {
        return tagged(0x02, i.toByteArray());
    }

    private static byte[] oid(String dotted) {
        String[] parts = dotted.split("\\.");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(Integer.parseInt(parts[0]) * 40 + Integer.parseInt(parts[1]));
        for (int i = 2; i < parts.length; i++) {
            long v = Long.parseLong(parts[i]);
            byte[] tmp = new byte[10];
            int n = 0;
            do {
                tmp[n++] = (byte) (v & 0x7F);
                v >>>= 7;
            } while (v > 0);
            for (int j = n - 1; j >= 0; j--) {
                out.write(tmp[j] | (j > 0 ? 0x80 : 0));
            }
        }
        return tagged(0x06, out.toByteArray());
    }

    private static byte[] seq(byte[]... parts) {
        return tagged(0x30, concat(parts));
    }

    private static byte[] set(byte[]... parts) {
        return tagged(0x31, concat(parts));
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    private static byte[] tagged(int tag, byte[] content) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(tag);
        int len = content.length;
        if (len < 0x80) {
            out.write(len);
        } else {
            byte[] l = BigInteger.valueOf(len).toByteArray();
            int skip = l[0] == 0 ? 1 : 0;
            out.write(0x80 | (l.length - skip));
            out.write(l, skip, l.length - skip);
        }
        out.writeBytes(content);
        return out.toByteArray();
    }

    /** The RSAPrivateKey inside a PKCS#8 PrivateKeyInfo (its last element, an OCTET STRING). */
    private static byte[] pkcs1(byte[] pkcs8) {
        int[] pos = {0};
        readHeader(pkcs8, pos, 0x30);
        skipElement(pkcs8, pos); // version
        skipElement(pkcs8, pos); // algorithm
        int len = readHeader(pkcs8, pos, 0x04);
        return Arrays.copyOfRange(pkcs8, pos[0], pos[0] + len);
    }

    private static int readHeader(byte[] der, int[] pos, int expectedTag) {
        if ((der[pos[0]] & 0xFF) != expectedTag) {
            throw new IllegalStateException("unexpected DER tag " + der[pos[0]]);
        }
        pos[0]++;
        int len = der[pos[0]++] & 0xFF;
        if (len >= 0x80) {
            int n = len & 0x7F;
            len = 0;
            for (int i = 0; i < n; i++) {
                len = (len << 8) | (der[pos[0]++] & 0xFF);
            }
        }
        return len;
    }

    private static void skipElement(byte[] der, int[] pos) {
        int len = readHeader(der, pos, der[pos[0]] & 0xFF);
        pos[0] += len;
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }
}
