package dev.valence.fabric8;

import dev.valence.api.ErrorKind;
import dev.valence.api.Settings;
import dev.valence.api.ValenceException;
import io.fabric8.kubernetes.api.model.NamedContext;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Turns {@code k8s_config_file}, {@code k8s_context} and {@code namespace} into a fabric8
 * {@link Config}: the given kubeconfig file and no other (no {@code KUBECONFIG} merging), the
 * context validated against the file's contexts, or in-cluster config when no file is set.
 */
final class KubeconfigLoader {
    /** Retries of a failed request (connection error, 5xx); the client backs off exponentially from the interval. */
    static final int RETRIES = 3;
    static final int RETRY_INTERVAL_MS = 250;

    private KubeconfigLoader() {
    }

    /** Where the cluster is and how to reach it. */
    record Connection(Config config, String namespace, String context, String origin) {
        String server() {
            return config.getMasterUrl();
        }

        /** "context 'x' in /path" or "in-cluster config", for messages. */
        String describe() {
            return context.isEmpty() ? origin : "context '" + context + "' of " + origin;
        }
    }

    static Connection load(Settings settings) {
        Optional<Path> file = settings.k8sConfigFile();
        Connection base = file.isPresent() ? fromFile(file.get(), settings.k8sContext().orElse("")) : inCluster();
        Config config = new ConfigBuilder(base.config())
                .withRequestRetryBackoffLimit(RETRIES)
                .withRequestRetryBackoffInterval(RETRY_INTERVAL_MS)
                .build();
        String namespace = settings.namespace().orElse(base.namespace());
        config.setNamespace(namespace);
        return new Connection(config, namespace, base.context(), base.origin());
    }

    private static Connection fromFile(Path file, String context) {
        String contents;
        try {
            contents = Files.readString(file);
        } catch (IOException e) {
            throw new ValenceException(ErrorKind.CONFIG, "k8s_config_file '" + file + "' cannot be read (" + e
                    + "); point k8s_config_file (or KUBECONFIG) at your kubeconfig, such as ~/.kube/config", e);
        }
        io.fabric8.kubernetes.api.model.Config kubeconfig;
        try {
            kubeconfig = Serialization.unmarshal(contents, io.fabric8.kubernetes.api.model.Config.class);
        } catch (RuntimeException e) {
            throw new ValenceException(ErrorKind.CONFIG, "k8s_config_file '" + file + "' is not a kubeconfig: "
                    + e.getMessage() + "; check it with 'kubectl config view --kubeconfig " + file + "'", e);
        }
        if (kubeconfig == null) {
            throw new ValenceException(ErrorKind.CONFIG, "k8s_config_file '" + file + "' is empty; "
                    + "point k8s_config_file at your kubeconfig");
        }
        List<String> known = kubeconfig.getContexts() == null ? List.of()
                : kubeconfig.getContexts().stream().map(NamedContext::getName).toList();
        String chosen = context.isEmpty() ? Objects.requireNonNullElse(kubeconfig.getCurrentContext(), "") : context;
        if (chosen.isEmpty()) {
            throw new ValenceException(ErrorKind.CONFIG, "k8s_context is not set and " + file
                    + " has no current-context (contexts: " + list(known) + "); set k8s_context or run "
                    + "'kubectl config use-context <name>'");
        }
        NamedContext named = kubeconfig.getContexts() == null ? null : kubeconfig.getContexts().stream()
                .filter(c -> c.getName().equals(chosen)).findFirst().orElse(null);
        if (named == null) {
            String what = context.isEmpty() ? "current-context '" + chosen + "'" : "k8s_context '" + chosen + "'";
            throw new ValenceException(ErrorKind.CONFIG, what + " not found in " + file + " (contexts: " + list(known)
                    + "); set k8s_context or run 'kubectl config get-contexts'");
        }
        Config config;
        try {
            config = Config.fromKubeconfig(chosen, file.toFile());
        } catch (RuntimeException e) {
            throw new ValenceException(ErrorKind.CONFIG, "context '" + chosen + "' of " + file + " cannot be used: "
                    + e.getMessage() + "; check it with 'kubectl --kubeconfig " + file + " --context " + chosen
                    + " cluster-info'", e);
        }
        if (config.getMasterUrl() == null || config.getMasterUrl().isBlank()) {
            throw new ValenceException(ErrorKind.CONFIG, "context '" + chosen + "' of " + file
                    + " names no cluster server; check its 'cluster' entry");
        }
        String namespace = named.getContext() == null || named.getContext().getNamespace() == null
                || named.getContext().getNamespace().isBlank() ? "default" : named.getContext().getNamespace();
        return new Connection(config, namespace, chosen, file.toString());
    }

    private static Connection inCluster() {
        if (System.getenv("KUBERNETES_SERVICE_HOST") == null && System.getProperty("KUBERNETES_SERVICE_HOST") == null) {
            throw new ValenceException(ErrorKind.CONFIG, "k8s_config_file is not set and this is not a pod "
                    + "(no KUBERNETES_SERVICE_HOST); set k8s_config_file (or KUBECONFIG) to your kubeconfig");
        }
        // reads the service account token, CA and namespace mounted into the pod; fabric8 re-reads
        // the token file when the server answers 401, so a rotated token is picked up
        Config config = Config.autoConfigure(null);
        String namespace = config.getNamespace() == null || config.getNamespace().isBlank() ? "default" : config.getNamespace();
        return new Connection(config, namespace, "", "in-cluster config (service account)");
    }

    private static String list(List<String> names) {
        return names.isEmpty() ? "none" : String.join(", ", names);
    }
}
