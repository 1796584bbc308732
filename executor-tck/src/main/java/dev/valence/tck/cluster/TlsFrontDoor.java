package dev.valence.tck.cluster;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import java.security.cert.X509Certificate;

/**
 * HTTPS in front of an {@link ApiServerBed}: a TLS listener on loopback with a server certificate
 * from a {@link TestPki}, asking for (or requiring) a client certificate signed by the same CA,
 * that passes the decrypted bytes on to the bed. It records the subject of the client certificate
 * each connection presented, so tests can assert that the certificate reached the server; HTTP
 * headers (such as {@code Authorization}) are in {@link ApiServerBed#takeRequests()}.
 */
public final class TlsFrontDoor implements AutoCloseable {
    private final SSLServerSocket listener;
    private final URI backend;
    private final List<String> clientSubjects = Collections.synchronizedList(new ArrayList<>());
    private final List<String> handshakeFailures = Collections.synchronizedList(new ArrayList<>());
    private final List<Socket> open = Collections.synchronizedList(new ArrayList<>());
    private final AtomicBoolean closed = new AtomicBoolean();

    private TlsFrontDoor(SSLServerSocket listener, URI backend) {
        this.listener = listener;
        this.backend = backend;
    }

    /**
     * Opens a TLS front for the bed on a free loopback port. With {@code requireClientCertificate}
     * a connection without a client certificate of the CA fails the handshake.
     */
    public static TlsFrontDoor open(ApiServerBed bed, TestPki pki, boolean requireClientCertificate) {
        try {
            SSLServerSocket s = (SSLServerSocket) pki.serverContext(pki.server()).getServerSocketFactory()
                    .createServerSocket(0, 50, InetAddress.getLoopbackAddress());
            if (requireClientCertificate) {
                s.setNeedClientAuth(true);
            } else {
                s.setWantClientAuth(true);
            }
            TlsFrontDoor front = new TlsFrontDoor(s, URI.create(bed.url()));
            Thread t = new Thread(front::acceptLoop, "tls-front-door-" + s.getLocalPort());
            t.setDaemon(true);
            t.start();
            return front;
        } catch (IOException e) {
            throw new IllegalStateException("cannot open the TLS front door", e);
        }
    }

    /** {@code https://127.0.0.1:<port>}. */
    public String url() {
        return "https://127.0.0.1:" + listener.getLocalPort();
    }

    /** The subject of the client certificate of each connection so far ("" for none), oldest first. */
    public List<String> clientSubjects() {
        synchronized (clientSubjects) {
            return List.copyOf(clientSubjects);
        }
    }

    /** Why handshakes failed so far (server side), oldest first. */
    public List<String> handshakeFailures() {
        synchronized (handshakeFailures) {
            return List.copyOf(handshakeFailures);
        }
    }

    private void acceptLoop() {
        while (!closed.get()) {
            try {
                SSLSocket client = (SSLSocket) listener.accept();
                open.add(client);
                Thread t = new Thread(() -> serve(client), "tls-front-door-conn");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                if (!closed.get()) {
                    handshakeFailures.add("accept: " + e);
                }
            }
        }
    }

    private void serve(SSLSocket client) {
        try {
            client.startHandshake();
        } catch (IOException e) {
            handshakeFailures.add(String.valueOf(e.getMessage()));
            closeQuietly(client);
            return;
        }
        try {
            X509Certificate peer = (X509Certificate) client.getSession().getPeerCertificates()[0];
            clientSubjects.add(peer.getSubjectX500Principal().getName());
        } catch (SSLPeerUnverifiedException e) {
            clientSubjects.add("");
        }
        try {
            Socket upstream = new Socket(backend.getHost(), backend.getPort());
            open.add(upstream);
            Thread back = new Thread(() -> pipe(upstream, client), "tls-front-door-back");
            back.setDaemon(true);
            back.start();
            pipe(client, upstream);
        } catch (IOException e) {
            closeQuietly(client);
        }
    }

    private static void pipe(Socket from, Socket to) {
        byte[] buf = new byte[16384];
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            int n;
            while ((n = in.read(buf)) >= 0) {
                out.write(buf, 0, n);
                out.flush();
            }
        } catch (IOException e) {
            // one side closed
        } finally {
            closeQuietly(from);
            closeQuietly(to);
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // closing
        }
    }

    @Override
    public void close() {
        closed.set(true);
        try {
            listener.close();
        } catch (IOException e) {
            // closing
        }
        synchronized (open) {
            open.forEach(TlsFrontDoor::closeQuietly);
        }
    }
}
