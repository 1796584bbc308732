package dev.valence.official;

import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import dev.valence.api.ErrorKind;
import dev.valence.api.ValenceException;
import io.kubernetes.client.openapi.ApiException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs client-java calls against one API server: retries what the server says to retry (429, 5xx)
 * and connections refused, reset or cut before the answer, with exponential backoff, and turns
 * every other failure into a {@link ValenceException} that names the server, the operation and
 * what to check. client-java itself retries nothing (OkHttp only retries a stale pooled connection).
 */
final class ApiCalls {
    private static final Logger LOG = LoggerFactory.getLogger(ApiCalls.class);
    private static final Set<Integer> RETRIED = Set.of(429, 500, 502, 503, 504);
    /** How many times a call that keeps failing with a retried answer or a lost connection is sent. */
    static final int ATTEMPTS = 4;
    private static final Duration FIRST_BACKOFF = Duration.ofMillis(200);

    /** A call to the API. */
    @FunctionalInterface
    interface Call<T> {
        T run() throws ApiException;
    }

    /** What was attempted, for messages: {@code create jobs.batch 'x' in namespace 'ns'}. */
    record Op(String verb, String resource, String namespace, String name) {
        static Op of(String verb, String resource, String namespace, String name) {
            return new Op(verb, resource, namespace, name);
        }

        static Op of(String verb, String resource, String namespace) {
            return new Op(verb, resource, namespace, "");
        }

        @Override
        public String toString() {
            return verb + " " + resource + (name.isEmpty() ? "" : " '" + name + "'")
                    + (namespace.isEmpty() ? "" : " in namespace '" + namespace + "'");
        }
    }

    private final String server;
    private final String origin;
    /** Whether the server has answered a call (any HTTP status): until then a refused connection is not retried. */
    private volatile boolean answered;
    private volatile boolean refusedAtFirstContact;

    ApiCalls(String server, String origin) {
        this.server = server;
        this.origin = origin;
    }

    /** Runs the call; any failure is a {@link ValenceException}. */
    <T> T run(Op op, Call<T> call) {
        try {
            return attempt(op, call);
        } catch (ApiException e) {
            throw translate(op, e);
        }
    }

    /** Runs the call; empty when the server answers with one of {@code codes} (e.g. 404). */
    <T> Optional<T> runUnless(Op op, Call<T> call, int... codes) {
        try {
            return Optional.ofNullable(attempt(op, call));
        } catch (ApiException e) {
            for (int code : codes) {
                if (e.getCode() == code) {
                    LOG.debug("{} on {}: HTTP {}", op, server, code);
                    return Optional.empty();
                }
            }
            throw translate(op, e);
        }
    }

    private <T> T attempt(Op op, Call<T> call) throws ApiException {
        Duration backoff = FIRST_BACKOFF;
        for (int attempt = 1; ; attempt++) {
            try {
                T result = call.run();
                answered = true;
                return result;
            } catch (ApiException e) {
                if (e.getCode() > 0) {
                    answered = true;
                }
                if (!answered && refused(e)) {
                    // nothing has answered yet: a refused connection is reported at once, as kubectl does; the
                    // retries are for a server that answered and went away (e.g. while it restarts)
                    refusedAtFirstContact = true;
                    throw e;
                }
                if (!(RETRIED.contains(e.getCode()) || isTransientIo(e)) || attempt == ATTEMPTS) {
                    throw e;
                }
                LOG.debug("{} on {}: {}, retry {} in {} ms", op, server, e.getCode() == 0 ? String.valueOf(rootCause(e))
                        : "HTTP " + e.getCode(), attempt, backoff.toMillis());
                sleep(backoff);
                backoff = backoff.multipliedBy(2);
            } catch (ValenceException e) {
                throw e; // from our own authentication (an exec plugin that failed)
            } catch (RuntimeException e) {
                // client-java throws IllegalArgumentException / JsonParseException for a body it cannot read
                throw new ValenceException(ErrorKind.CLUSTER, "cannot read the answer of " + server + " to " + op
                        + " (" + e.getMessage() + "); is " + server + " a Kubernetes API server of a version client-java knows?", e);
            }
        }
    }

    /** A refused connection or an unknown host, with no HTTP answer. */
    private static boolean refused(ApiException e) {
        return e.getCode() == 0 && (find(e, ConnectException.class) || find(e, UnknownHostException.class));
    }

    /**
     * A connection refused, reset or cut before the answer came: worth another try. A create that
     * reached the server before its answer was lost then meets 409, which the gateway takes as
     * its own Job; TLS, certificate and unknown-host failures are not transient.
     */
    private static boolean isTransientIo(ApiException e) {
        if (e.getCode() != 0 || !find(e, java.io.IOException.class)) {
            return false;
        }
        return !find(e, SSLException.class) && !find(e, CertificateException.class)
                && !find(e, CertPathValidatorException.class) && !find(e, UnknownHostException.class);
    }

    /**
     * Whether a failed write may have been done all the same: the server answered 5xx (after the
     * retries), or the connection was lost or timed out before the answer.
     */
    static boolean unclear(ValenceException e) {
        return e.getCause() instanceof ApiException a && (a.getCode() >= 500 || isTransientIo(a));
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ValenceException(ErrorKind.CANCELLED, "interrupted while waiting to retry a Kubernetes API call", e);
        }
    }

    /** The {@link ValenceException} for a failed call. */
    ValenceException translate(Op op, ApiException e) {
        int code = e.getCode();
        String detail = serverMessage(e);
        if (code >= 200 && code < 300) {
            return new ValenceException(ErrorKind.CLUSTER, "cannot read the answer of " + server + " to " + op + " ("
                    + e.getMessage() + "); is " + server + " a Kubernetes API server?", e);
        }
        return switch (code) {
            case 0 -> unreachable(op, e);
            case 401 -> new ValenceException(ErrorKind.PERMISSION, "the Kubernetes API at " + server + " rejected the credentials of "
                    + origin + " (401 Unauthorized) when trying to " + op + "; the token or certificate is missing, expired or "
                    + "not trusted: refresh it (e.g. 'aws eks update-kubeconfig', 'minikube update-context') and check the user "
                    + "of the context", e);
            case 403 -> new ValenceException(ErrorKind.PERMISSION, "forbidden (403): " + origin + " may not " + op.verb() + " "
                    + op.resource() + (op.namespace().isEmpty() ? "" : " in namespace '" + op.namespace() + "'") + " on "
                    + server + (detail.isEmpty() ? "" : " (" + detail + ")") + "; grant it with a Role and RoleBinding "
                    + "(see infra/) or use another k8s_context", e);
            case 404 -> new ValenceException(ErrorKind.CLUSTER, "not found on " + server + " when trying to " + op
                    + (detail.isEmpty() ? "" : ": " + detail) + "; check that namespace '" + op.namespace()
                    + "' exists ('kubectl get namespace " + op.namespace() + "') or set namespace", e);
            case 409 -> new ValenceException(ErrorKind.CLUSTER, "conflict on " + server + " when trying to " + op
                    + (detail.isEmpty() ? "" : ": " + detail), e);
            case 422 -> new ValenceException(ErrorKind.CONFIG, "the Kubernetes API at " + server + " refused to " + op
                    + " as invalid" + (detail.isEmpty() ? "" : ": " + detail) + "; check the settings it came from "
                    + "(vcpu, memory, labels, tolerations, node_selector, env)", e);
            default -> new ValenceException(ErrorKind.CLUSTER, "the Kubernetes API at " + server + " answered HTTP " + code
                    + " when trying to " + op + (detail.isEmpty() ? "" : ": " + detail)
                    + (RETRIED.contains(code) ? " (after " + ATTEMPTS + " attempts)" : ""), e);
        };
    }

    private ValenceException unreachable(Op op, ApiException e) {
        Throwable cause = rootCause(e);
        if (find(e, CertPathValidatorException.class) || find(e, CertPathBuilderException.class)
                || find(e, CertificateException.class) || cause instanceof SSLPeerUnverifiedException) {
            String what = find(e, CertificateExpiredException.class) ? "has expired" : "is not trusted by " + origin;
            return new ValenceException(ErrorKind.CLUSTER, "the TLS certificate of " + server + " " + what + " ("
                    + cause.getMessage() + ") when trying to " + op + "; check certificate-authority (-data) of the "
                    + "cluster in the kubeconfig, and that the server URL is the right cluster", e);
        }
        if (cause instanceof SSLException && String.valueOf(cause.getMessage()).contains("fatal alert")) {
            return new ValenceException(ErrorKind.PERMISSION, server + " refused the TLS handshake (" + cause.getMessage()
                    + ") when trying to " + op + ": the client certificate of " + origin + " is missing, expired or "
                    + "signed by a CA the cluster does not trust; check client-certificate (-data) of the user, "
                    + "e.g. with 'openssl x509 -noout -enddate -issuer'", e);
        }
        if (cause instanceof SSLException) {
            return new ValenceException(ErrorKind.CLUSTER, "TLS with " + server + " failed (" + cause.getMessage()
                    + ") when trying to " + op + "; check the server URL (https for an API server) and the "
                    + "certificate-authority of " + origin, e);
        }
        String why = cause instanceof ConnectException ? "connection refused"
                : cause instanceof UnknownHostException ? "unknown host"
                : cause instanceof NoRouteToHostException ? "no route to host"
                : cause instanceof InterruptedIOException ? "timed out"
                : String.valueOf(cause.getMessage());
        return new ValenceException(ErrorKind.CLUSTER, "cannot reach the Kubernetes API at " + server + " (" + why
                + (isTransientIo(e) && !(refusedAtFirstContact && !answered) ? ", " + ATTEMPTS + " attempts" : "")
                + ") when trying to " + op
                + "; check the cluster is running ('kubectl cluster-info') and that "
                + "k8s_config_file and k8s_context point at it (using " + origin + ")", e);
    }

    private static boolean find(Throwable t, Class<? extends Throwable> type) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (type.isInstance(c)) {
                return true;
            }
        }
        return false;
    }

    private static Throwable rootCause(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null && c.getCause() != c) {
            c = c.getCause();
            if (c instanceof SSLException || c instanceof CertificateException || c instanceof ConnectException) {
                return c;
            }
        }
        return c;
    }

    /** The {@code message} of the server's Status, else the start of its body. */
    static String serverMessage(ApiException e) {
        String body = e.getResponseBody();
        if (body == null || body.isBlank()) {
            return "";
        }
        try {
            JsonElement json = JsonParser.parseString(body);
            if (json.isJsonObject() && json.getAsJsonObject().has("message")) {
                return json.getAsJsonObject().get("message").getAsString();
            }
        } catch (RuntimeException ignored) {
            // not JSON: use the text
        }
        String text = body.strip();
        return text.length() > 300 ? text.substring(0, 300) + "..." : text;
    }
}
