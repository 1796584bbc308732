package dev.valence.official;

import dev.valence.api.ErrorKind;
import dev.valence.api.Settings;
import dev.valence.api.ValenceException;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.util.KubeConfig;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A client-java {@link ApiClient} for the cluster the settings name: the kubeconfig file
 * {@code k8s_config_file} (never {@code $KUBECONFIG} or {@code ~/.kube/config} behind the user's back),
 * its context {@code k8s_context}, and the namespace; or the pod's service account when no
 * kubeconfig applies. Remembers where the connection came from, for error messages.
 */
final class ClusterConnection {
    /** Where a pod finds its service account token, CA and namespace. */
    static final Path SERVICE_ACCOUNT_DIR = Path.of("/var/run/secrets/kubernetes.io/serviceaccount");
    /** How often token files (service account, kubeconfig tokenFile) are re-read, for rotated tokens. */
    static final Duration TOKEN_REFRESH = Duration.ofMinutes(1);
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(60);

    private final ApiClient client;
    private final String server;
    private final String namespace;
    private final String origin;

    private ClusterConnection(ApiClient client, String server, String namespace, String origin) {
        this.client = client;
        this.server = server;
        this.namespace = namespace;
        this.origin = origin;
    }

    /** The client; its base path is {@link #server()}. */
    ApiClient client() {
        return client;
    }

    /** The API server URL. */
    String server() {
        return server;
    }

    /** Where Jobs go. */
    String namespace() {
        return namespace;
    }

    /** Where the connection came from: {@code context 'x' in /path/config}, or the in-cluster service account. */
    String origin() {
        return origin;
    }

    /** Connects as the settings say, in the environment the settings were built from. */
    static ClusterConnection open(Settings settings) {
        return open(settings, settings.environment(), SERVICE_ACCOUNT_DIR, TOKEN_REFRESH);
    }

    /**
     * Connects as the settings say; {@code env} and {@code serviceAccountDir} are the pod's, for
     * in-cluster config; token files are re-read every {@code tokenRefresh}.
     */
    static ClusterConnection open(Settings settings, Map<String, String> env, Path serviceAccountDir, Duration tokenRefresh) {
        Optional<Path> file = settings.k8sConfigFile();
        if (file.isPresent()) {
            return fromKubeconfig(file.get(), settings.k8sContext(), settings.namespace(), tokenRefresh);
        }
        return inCluster(env, serviceAccountDir, settings.namespace(), tokenRefresh);
    }

    private static ClusterConnection fromKubeconfig(Path file, Optional<String> wantedContext, Optional<String> namespace,
                                                    Duration tokenRefresh) {
        if (!Files.isRegularFile(file)) {
            throw new ValenceException(ErrorKind.CONFIG, "k8s_config_file '" + file + "' does not exist or is not a file; "
                    + "set k8s_config_file (or KUBECONFIG) to your kubeconfig, e.g. ~/.kube/config");
        }
        KubeConfig config;
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            config = KubeConfig.loadKubeConfig(reader);
        } catch (IOException | RuntimeException e) {
            throw new ValenceException(ErrorKind.CONFIG, "k8s_config_file '" + file + "' is not a readable kubeconfig ("
                    + e.getMessage() + "); check the file with 'kubectl config view --kubeconfig " + file + "'", e);
        }
        config.setFile(file.toFile());
        List<String> contexts = contextNames(config);
        String context = wantedContext.orElse(config.getCurrentContext());
        if (context == null || context.isEmpty()) {
            throw new ValenceException(ErrorKind.CONFIG, "k8s_config_file '" + file + "' has no current-context and "
                    + "k8s_context is not set (contexts: " + String.join(", ", contexts) + "); set k8s_context");
        }
        if (!contexts.contains(context) || !config.setContext(context)) {
            throw new ValenceException(ErrorKind.CONFIG, "k8s_context '" + context + "' not found in " + file
                    + " (contexts: " + (contexts.isEmpty() ? "none" : String.join(", ", contexts))
                    + "); set k8s_context or run 'kubectl config get-contexts'");
        }
        String origin = "context '" + context + "' in " + file;
        String server = config.getServer();
        if (server == null || server.isBlank()) {
            throw new ValenceException(ErrorKind.CONFIG, "the cluster of " + origin + " has no server URL; "
                    + "check 'clusters' in the kubeconfig");
        }
        ApiClient client;
        try {
            client = KubeconfigClient.build(config, file, origin, READ_TIMEOUT, tokenRefresh);
        } catch (ValenceException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new ValenceException(ErrorKind.CONFIG, "cannot use the credentials of " + origin + ": " + e.getMessage()
                    + "; check its user entry (certificates, token, exec plugin)", e);
        }
        String ns = namespace.orElseGet(() -> Optional.ofNullable(config.getNamespace()).filter(s -> !s.isBlank())
                .orElse("default"));
        return new ClusterConnection(client, client.getBasePath(), ns, origin);
    }

    private static ClusterConnection inCluster(Map<String, String> env, Path serviceAccountDir, Optional<String> namespace,
                                               Duration tokenRefresh) {
        String host = env.get("KUBERNETES_SERVICE_HOST");
        String port = env.get("KUBERNETES_SERVICE_PORT");
        if (host == null || host.isBlank() || port == null || port.isBlank()) {
            throw new ValenceException(ErrorKind.CONFIG, "k8s_config_file is not set and this is not a pod "
                    + "(KUBERNETES_SERVICE_HOST is unset); set k8s_config_file to a kubeconfig, e.g. ~/.kube/config");
        }
        String origin = "the in-cluster service account (" + serviceAccountDir + ")";
        String server = "https://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
        ApiClient client;
        try {
            client = InCluster.client(server, serviceAccountDir, READ_TIMEOUT, tokenRefresh);
        } catch (IOException e) {
            throw new ValenceException(ErrorKind.CONFIG, "cannot use " + origin + ": " + e.getMessage()
                    + "; check the pod mounts its service account token (automountServiceAccountToken)", e);
        }
        String ns = namespace.orElseGet(() -> InCluster.namespace(serviceAccountDir).orElse("default"));
        return new ClusterConnection(client, server, ns, origin);
    }

    @SuppressWarnings("unchecked")
    private static List<String> contextNames(KubeConfig config) {
        List<String> names = new ArrayList<>();
        if (config.getContexts() != null) {
            for (Object o : config.getContexts()) {
                if (o instanceof Map<?, ?> m && m.get("name") != null) {
                    names.add(String.valueOf(m.get("name")));
                }
            }
        }
        return names;
    }

    /** Releases the client's connections and threads. */
    void close() {
        var http = client.getHttpClient();
        http.dispatcher().executorService().shutdown();
        http.connectionPool().evictAll();
    }

    @Override
    public String toString() {
        return "ClusterConnection[" + server + ", namespace=" + namespace + ", " + origin + "]";
    }
}
