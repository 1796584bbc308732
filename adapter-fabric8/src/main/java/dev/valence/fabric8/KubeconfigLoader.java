package dev.valence.fabric8;

import dev.valence.api.ErrorKind;
import dev.valence.api.Settings;
import dev.valence.api.ValenceException;
import io.fabric8.kubernetes.api.model.AuthInfo;
import io.fabric8.kubernetes.api.model.Cluster;
import io.fabric8.kubernetes.api.model.ExecConfig;
import io.fabric8.kubernetes.api.model.NamedAuthInfo;
import io.fabric8.kubernetes.api.model.NamedCluster;
import io.fabric8.kubernetes.api.model.NamedContext;
import io.fabric8.kubernetes.client.OAuthTokenProvider;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Base64;
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
        Config config = base.config();
        config.setRequestRetryBackoffLimit(RETRIES);
        config.setRequestRetryBackoffInterval(RETRY_INTERVAL_MS);
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
        Path dir = file.toAbsolutePath().getParent();
        OAuthTokenProvider tokens = prepareUser(kubeconfig, named, dir, file.toString());
        prepareCluster(kubeconfig, named, dir, file.toString());
        kubeconfig.setCurrentContext(chosen);
        Config config;
        try {
            // the kubeconfig as read and checked above, with paths made absolute and the exec
            // plugin / tokenFile taken out (TokenSources serves them), for the chosen context
            config = Config.fromKubeconfig(Serialization.asYaml(kubeconfig));
        } catch (RuntimeException e) {
            throw new ValenceException(ErrorKind.CONFIG, "context '" + chosen + "' of " + file + " cannot be used: "
                    + e.getMessage() + "; check it with 'kubectl --kubeconfig " + file + " --context " + chosen
                    + " cluster-info'", e);
        }
        if (tokens != null) {
            config.setOauthTokenProvider(tokens);
        }
        if (config.getMasterUrl() == null || config.getMasterUrl().isBlank()) {
            throw new ValenceException(ErrorKind.CONFIG, "context '" + chosen + "' of " + file
                    + " names no cluster server; check its 'cluster' entry");
        }
        String namespace = named.getContext() == null || named.getContext().getNamespace() == null
                || named.getContext().getNamespace().isBlank() ? "default" : named.getContext().getNamespace();
        return new Connection(config, namespace, chosen, file.toString());
    }

    /** Checks the context's user: exec plugin present, certificate not expired; returns where its token comes from. */
    private static OAuthTokenProvider prepareUser(io.fabric8.kubernetes.api.model.Config kubeconfig, NamedContext named,
                                                  Path dir, String origin) {
        String userName = named.getContext() == null ? null : named.getContext().getUser();
        AuthInfo user = kubeconfig.getUsers() == null || userName == null ? null : kubeconfig.getUsers().stream()
                .filter(u -> userName.equals(u.getName())).map(NamedAuthInfo::getUser).filter(Objects::nonNull)
                .findFirst().orElse(null);
        if (user == null) {
            return null;
        }
        OAuthTokenProvider tokens = null;
        ExecConfig exec = user.getExec();
        if (exec != null && (user.getToken() == null || user.getToken().isBlank())) {
            String command = Objects.requireNonNullElse(exec.getCommand(), "");
            Path resolved = TokenSources.resolveCommand(command, dir, System.getenv("PATH")).orElseThrow(() ->
                    new ValenceException(ErrorKind.CONFIG, "exec credential plugin '" + command + "' of user '" + userName
                            + "' in " + origin + " was not found" + (command.contains("/") ? "" : " on PATH")
                            + (exec.getInstallHint() == null || exec.getInstallHint().isBlank()
                                    ? "; install it or fix users[].user.exec.command"
                                    : "; " + exec.getInstallHint().trim())));
            tokens = new TokenSources.Exec(exec, resolved, userName, origin);
        }
        user.setExec(null);
        if (tokens == null && (user.getToken() == null || user.getToken().isBlank())
                && user.getTokenFile() != null && !user.getTokenFile().isBlank()) {
            tokens = TokenSources.tokenFile(absolute(dir, user.getTokenFile()), userName, origin);
        }
        user.setTokenFile(null);
        user.setClientCertificate(absoluteString(dir, user.getClientCertificate()));
        user.setClientKey(absoluteString(dir, user.getClientKey()));
        checkClientCertificate(user, userName, origin);
        return tokens;
    }

    private static void prepareCluster(io.fabric8.kubernetes.api.model.Config kubeconfig, NamedContext named, Path dir,
                                       String origin) {
        String clusterName = named.getContext() == null ? null : named.getContext().getCluster();
        Cluster cluster = kubeconfig.getClusters() == null || clusterName == null ? null : kubeconfig.getClusters().stream()
                .filter(c -> clusterName.equals(c.getName())).map(NamedCluster::getCluster).filter(Objects::nonNull)
                .findFirst().orElse(null);
        if (cluster == null) {
            throw new ValenceException(ErrorKind.CONFIG, "context '" + named.getName() + "' of " + origin
                    + " names cluster '" + clusterName + "', which is not in the file; check its clusters");
        }
        String ca = absoluteString(dir, cluster.getCertificateAuthority());
        if (ca != null && !Files.isReadable(Path.of(ca))) {
            throw new ValenceException(ErrorKind.CONFIG, "certificate-authority '" + ca + "' of cluster '" + clusterName
                    + "' in " + origin + " cannot be read; check the file exists");
        }
        cluster.setCertificateAuthority(ca);
    }

    private static void checkClientCertificate(AuthInfo user, String userName, String origin) {
        String pem = null;
        String where = null;
        try {
            if (user.getClientCertificateData() != null && !user.getClientCertificateData().isBlank()) {
                pem = new String(Base64.getMimeDecoder().decode(user.getClientCertificateData()), StandardCharsets.US_ASCII);
                where = "client-certificate-data";
            } else if (user.getClientCertificate() != null) {
                where = "client-certificate '" + user.getClientCertificate() + "'";
                pem = Files.readString(Path.of(user.getClientCertificate()));
            }
        } catch (IOException | IllegalArgumentException e) {
            throw new ValenceException(ErrorKind.CONFIG, where + " of user '" + userName + "' in " + origin
                    + " cannot be read (" + e.getMessage() + "); check the kubeconfig", e);
        }
        if (pem == null) {
            return;
        }
        X509Certificate cert;
        try {
            cert = (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
        } catch (CertificateException e) {
            throw new ValenceException(ErrorKind.CONFIG, where + " of user '" + userName + "' in " + origin
                    + " is not a PEM certificate (" + e.getMessage() + "); check the kubeconfig", e);
        }
        if (cert.getNotAfter().toInstant().isBefore(Instant.now())) {
            throw new ValenceException(ErrorKind.CONFIG, "the client certificate (" + where + ") of user '" + userName
                    + "' in " + origin + " expired at " + cert.getNotAfter().toInstant() + "; get a new one (minikube: "
                    + "'minikube update-context' or restart it, kind: 'kind export kubeconfig', or ask your cluster admin)");
        }
    }

    private static Path absolute(Path dir, String p) {
        Path path = Path.of(p);
        return path.isAbsolute() || dir == null ? path : dir.resolve(path).normalize();
    }

    private static String absoluteString(Path dir, String p) {
        return p == null || p.isBlank() ? null : absolute(dir, p).toString();
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
