package dev.valence.tck.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A kubeconfig with one context ({@value #CONTEXT}, current) and any of the ways real clusters
 * authenticate: CA file or data, {@code insecure-skip-tls-verify}, client certificate and key as
 * files or data, a bearer token or token file, an exec credential plugin. Build, then
 * {@link #write(Path)}.
 */
public final class KubeconfigFixture {
    /** The context name. */
    public static final String CONTEXT = "auth";

    private final Map<String, String> cluster = new LinkedHashMap<>();
    private final Map<String, String> user = new LinkedHashMap<>();
    private String namespace = ApiServerBed.NAMESPACE;
    private String exec;

    private KubeconfigFixture(String server) {
        cluster.put("server", server);
    }

    /** A kubeconfig for this server URL. */
    public static KubeconfigFixture forServer(String server) {
        return new KubeconfigFixture(server);
    }

    /** {@code certificate-authority: <path>}. */
    public KubeconfigFixture caFile(Path pem) {
        cluster.put("certificate-authority", pem.toString());
        return this;
    }

    /** {@code certificate-authority-data: <base64 PEM>}. */
    public KubeconfigFixture caData(String pem) {
        cluster.put("certificate-authority-data", TestPki.base64(pem));
        return this;
    }

    /** {@code insecure-skip-tls-verify: true}. */
    public KubeconfigFixture insecureSkipTlsVerify() {
        cluster.put("insecure-skip-tls-verify", "true");
        return this;
    }

    /** {@code client-certificate} and {@code client-key} as paths. */
    public KubeconfigFixture clientCertFiles(Path certPem, Path keyPem) {
        user.put("client-certificate", certPem.toString());
        user.put("client-key", keyPem.toString());
        return this;
    }

    /** {@code client-certificate-data} and {@code client-key-data} (base64 of the PEM text). */
    public KubeconfigFixture clientCertData(String certPem, String keyPem) {
        user.put("client-certificate-data", TestPki.base64(certPem));
        user.put("client-key-data", TestPki.base64(keyPem));
        return this;
    }

    /** {@code token: <token>}. */
    public KubeconfigFixture token(String token) {
        user.put("token", token);
        return this;
    }

    /** {@code tokenFile: <path>}. */
    public KubeconfigFixture tokenFile(Path file) {
        user.put("tokenFile", file.toString());
        return this;
    }

    /** The context's namespace; empty for none. */
    public KubeconfigFixture namespace(String ns) {
        this.namespace = ns;
        return this;
    }

    /**
     * An exec credential plugin: {@code apiVersion} ({@code client.authentication.k8s.io/v1} or
     * {@code v1beta1}), the command, its args and env, and the install hint (empty for none).
     */
    public KubeconfigFixture exec(String apiVersion, String command, List<String> args, Map<String, String> env,
                                  String installHint) {
        StringBuilder y = new StringBuilder();
        y.append("    exec:\n");
        y.append("      apiVersion: ").append(q(apiVersion)).append('\n');
        y.append("      command: ").append(q(command)).append('\n');
        if (!args.isEmpty()) {
            y.append("      args:\n");
            args.forEach(a -> y.append("      - ").append(q(a)).append('\n'));
        }
        if (!env.isEmpty()) {
            y.append("      env:\n");
            env.forEach((k, v) -> y.append("      - name: ").append(q(k)).append("\n        value: ").append(q(v)).append('\n'));
        }
        if (!installHint.isEmpty()) {
            y.append("      installHint: ").append(q(installHint)).append('\n');
        }
        y.append("      interactiveMode: Never\n");
        y.append("      provideClusterInfo: false\n");
        this.exec = y.toString();
        return this;
    }

    /** The kubeconfig as YAML. */
    public String yaml() {
        StringBuilder y = new StringBuilder("apiVersion: v1\nkind: Config\nclusters:\n- name: auth-cluster\n  cluster:\n");
        cluster.forEach((k, v) -> y.append("    ").append(k).append(": ").append(k.equals("insecure-skip-tls-verify") ? v : q(v))
                .append('\n'));
        y.append("users:\n- name: auth-user\n  user:");
        List<String> lines = new ArrayList<>();
        user.forEach((k, v) -> lines.add("    " + k + ": " + q(v)));
        if (lines.isEmpty() && exec == null) {
            y.append(" {}\n");
        } else {
            y.append('\n');
            lines.forEach(l -> y.append(l).append('\n'));
            if (exec != null) {
                y.append(exec);
            }
        }
        y.append("contexts:\n- name: ").append(CONTEXT).append("\n  context:\n    cluster: auth-cluster\n    user: auth-user\n");
        if (!namespace.isEmpty()) {
            y.append("    namespace: ").append(namespace).append('\n');
        }
        y.append("current-context: ").append(CONTEXT).append('\n');
        return y.toString();
    }

    /** Writes {@link #yaml()} to the file and returns it. */
    public Path write(Path file) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.writeString(file, yaml());
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String q(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
