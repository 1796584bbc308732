package dev.valence.tck.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.cert.CertificateExpiredException;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class TestPkiTest {
    static final TestPki PKI = TestPki.create("test-ca");

    @Test
    void issuedCertificatesAreSignedByTheCa() throws Exception {
        TestPki.Issued server = PKI.server();
        server.certificate().verify(PKI.ca().keys().getPublic());
        server.certificate().checkValidity();
        assertTrue(server.certificate().getSubjectAlternativeNames().stream().anyMatch(n -> n.get(1).equals("127.0.0.1")));
        assertTrue(server.certificate().getExtendedKeyUsage().contains("1.3.6.1.5.5.7.3.1"));
        assertEquals(-1, server.certificate().getBasicConstraints());
        assertTrue(PKI.ca().certificate().getBasicConstraints() >= 0, "the CA is a CA");
        TestPki.Issued user = PKI.client("alice", "devs");
        user.certificate().verify(PKI.ca().keys().getPublic());
        assertEquals("CN=alice,O=devs", user.subject());
        assertTrue(user.certificatePem().startsWith("-----BEGIN CERTIFICATE-----\n"));
        assertTrue(user.keyPem().startsWith("-----BEGIN PRIVATE KEY-----\n"));
        assertTrue(user.rsaKeyPem().startsWith("-----BEGIN RSA PRIVATE KEY-----\n"));
    }

    @Test
    void anExpiredCertificateIsExpired() {
        Instant now = Instant.now();
        TestPki.Issued old = PKI.client("bob", "devs", now.minus(Duration.ofDays(2)), now.minus(Duration.ofDays(1)));
        assertThrows(CertificateExpiredException.class, () -> old.certificate().checkValidity());
    }
}
