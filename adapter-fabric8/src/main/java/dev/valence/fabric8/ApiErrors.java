package dev.valence.fabric8;

import dev.valence.api.ErrorKind;
import dev.valence.api.ValenceException;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;

/** Maps fabric8 failures to {@link ValenceException}s that say what was denied or unreachable and what to do. */
final class ApiErrors {
    private final KubeconfigLoader.Connection connection;

    ApiErrors(KubeconfigLoader.Connection connection) {
        this.connection = connection;
    }

    /**
     * The error for {@code verb} on {@code resource} (such as "create", "jobs") in the namespace;
     * {@code name} may be empty.
     */
    ValenceException map(RuntimeException e, String verb, String resource, String name) {
        Throwable t = unwrap(e);
        if (t instanceof ValenceException v) {
            return v;
        }
        boolean namespaced = !resource.startsWith("the ") && !resource.equals("namespaces");
        String target = resource + (name.isEmpty() ? "" : " '" + name + "'")
                + (namespaced ? " in namespace '" + connection.namespace() + "'" : "");
        String where = connection.server() + " (" + connection.describe() + ")";
        if (t instanceof KubernetesClientException k && k.getCode() > 0) {
            String serverSays = k.getStatus() != null && k.getStatus().getMessage() != null ? k.getStatus().getMessage() : k.getMessage();
            return switch (k.getCode()) {
                case 401 -> new ValenceException(ErrorKind.PERMISSION, "the Kubernetes API at " + where
                        + " rejected the credentials (401 Unauthorized) when trying to " + verb + " " + target
                        + "; refresh them (for EKS: 'aws eks update-kubeconfig', for a token: check it has not expired)", e);
                case 403 -> new ValenceException(ErrorKind.PERMISSION, "not allowed to " + verb + " " + target
                        + " (403 Forbidden from " + where + "): " + serverSays
                        + "; grant the user or service account a role that allows '" + verb + "' on '" + resource
                        + "' (see infra/rbac.yaml)", e);
                case 404 -> new ValenceException(ErrorKind.CONFIG, "not found when trying to " + verb + " " + target
                        + " on " + where + ": " + serverSays + "; check the namespace exists ('kubectl get namespace "
                        + connection.namespace() + "') or set namespace", e);
                default -> new ValenceException(ErrorKind.CLUSTER, "the Kubernetes API at " + where + " answered "
                        + k.getCode() + " when trying to " + verb + " " + target + ": " + serverSays
                        + (k.getCode() >= 500 ? " (after " + KubeconfigLoader.RETRIES + " retries); try again later" : ""), e);
            };
        }
        Throwable root = rootCause(t);
        if (root instanceof SSLHandshakeException || root instanceof SSLException
                || root instanceof java.security.cert.CertificateException) {
            return new ValenceException(ErrorKind.CLUSTER, "TLS with the Kubernetes API at " + where + " failed ("
                    + root.getMessage() + ") when trying to " + verb + " " + target
                    + "; check the kubeconfig's certificate-authority matches the server and the client certificate has not expired", e);
        }
        if (root instanceof ConnectException || root instanceof UnknownHostException || root instanceof IOException) {
            return new ValenceException(ErrorKind.CLUSTER, "cannot reach the Kubernetes API at " + where + " ("
                    + root.getClass().getSimpleName() + ": " + root.getMessage() + ") when trying to " + verb + " " + target
                    + "; check the cluster is running (e.g. 'minikube status') and k8s_config_file / k8s_context", e);
        }
        return new ValenceException(ErrorKind.CLUSTER, "failed to " + verb + " " + target + " on " + where + ": "
                + t.getMessage(), e);
    }

    static Throwable unwrap(Throwable t) {
        for (Throwable c = t; c != null && c.getCause() != c; c = c.getCause()) {
            if (c instanceof ValenceException) {
                return c; // e.g. from an exec credential plugin, thrown inside the request
            }
        }
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    private static Throwable rootCause(Throwable t) {
        Throwable r = t;
        while (r.getCause() != null && r.getCause() != r) {
            if (r instanceof SSLException || r instanceof ConnectException) {
                return r;
            }
            r = r.getCause();
        }
        return r;
    }
}
