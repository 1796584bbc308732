package dev.valence.fabric8;

import dev.valence.api.ErrorKind;
import dev.valence.api.ValenceException;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.http.AsyncBody;
import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.HttpResponse;
import io.fabric8.kubernetes.client.http.Interceptor;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Until the API server has answered once (or accepted the probe's connection), opens a plain TCP
 * connection to it before a request: a refused connection or an unknown host then fails at once, as
 * kubectl does, instead of after the client's retries (which are for a server that was there and
 * went away, e.g. while it restarts).
 * A connection that is slow to open is left to the request and its timeout; with a proxy nothing
 * is probed.
 */
final class FirstContact implements Interceptor {
    /** How long the probe waits for the connection to open before leaving it to the request. */
    static final int PROBE_MILLIS = 300;
    private static final Logger LOG = LoggerFactory.getLogger(FirstContact.class);

    private final KubeconfigLoader.Connection connection;
    private final boolean proxied;
    private volatile boolean answered;

    FirstContact(KubeconfigLoader.Connection connection) {
        this.connection = connection;
        Config c = connection.config();
        this.proxied = c.getHttpsProxy() != null || c.getHttpProxy() != null;
    }

    @Override
    public void before(BasicBuilder builder, HttpRequest request, RequestTags tags) {
        probe(request.uri());
    }

    /**
     * Unless the server has answered already, opens a plain TCP connection to {@code uri}'s host and
     * port; throws the {@link ErrorKind#CLUSTER} error at once when it is refused or the host unknown.
     */
    void probe(URI uri) {
        if (answered || proxied) {
            return;
        }
        int port = uri.getPort() > 0 ? uri.getPort() : "http".equalsIgnoreCase(uri.getScheme()) ? 80 : 443;
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(uri.getHost(), port), PROBE_MILLIS);
            answered = true; // it listens: from now on a refusal is a server gone away, which the client retries
        } catch (ConnectException | UnknownHostException e) {
            String why = e instanceof UnknownHostException ? "unknown host " + uri.getHost() : "connection refused";
            throw new ValenceException(ErrorKind.CLUSTER, "cannot reach the Kubernetes API at " + connection.server()
                    + " (" + connection.describe() + "): " + why + "; check the cluster is running (e.g. 'minikube "
                    + "status', 'kubectl cluster-info') and that k8s_config_file / k8s_context point at it", e);
        } catch (SocketTimeoutException e) {
            LOG.debug("{} did not accept a connection within {} ms; leaving it to the request's timeout", uri,
                    PROBE_MILLIS);
        } catch (IOException e) {
            LOG.debug("probing {} failed ({}); leaving it to the request", uri, e.toString());
        }
    }

    @Override
    public void after(HttpRequest request, HttpResponse<?> response, AsyncBody.Consumer<List<ByteBuffer>> consumer) {
        answered = true;
    }
}
