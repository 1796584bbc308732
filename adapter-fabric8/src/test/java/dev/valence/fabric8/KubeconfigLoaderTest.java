package dev.valence.fabric8;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.valence.api.ErrorKind;
import dev.valence.api.Settings;
import dev.valence.api.ValenceException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KubeconfigLoaderTest {
    @TempDir
    Path dir;

    Settings settings(Path kubeconfig, String context) {
        return Settings.builder().environment(Map.of()).userHome(dir).k8sConfigFile(kubeconfig).k8sContext(context).build();
    }

    ValenceException configError(Path kubeconfig, String context) {
        ValenceException e = assertThrows(ValenceException.class, () -> KubeconfigLoader.load(settings(kubeconfig, context)));
        assertEquals(ErrorKind.CONFIG, e.kind(), e.getMessage());
        return e;
    }

    static String kubeconfig(String currentContext, String clusterExtra) {
        return "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: https://127.0.0.1:6443\n"
                + clusterExtra
                + "users:\n- name: u\n  user:\n    token: abc\ncontexts:\n- name: one\n  context: {cluster: c, user: u}\n"
                + "- name: two\n  context: {cluster: c, user: u, namespace: team}\n"
                + (currentContext.isEmpty() ? "" : "current-context: " + currentContext + "\n");
    }

    @Test
    void aMissingFileIsNamed() {
        Path missing = dir.resolve("nope/config");
        assertTrue(configError(missing, "").getMessage().contains(missing.toString()));
    }

    @Test
    void somethingThatIsNotAKubeconfigIsNamed() throws Exception {
        Path f = Files.writeString(dir.resolve("config"), "clusters: [unclosed\n");
        assertTrue(configError(f, "").getMessage().contains("is not a kubeconfig"));
    }

    @Test
    void noCurrentContextAndNoneGivenListsTheContexts() throws Exception {
        Path f = Files.writeString(dir.resolve("config"), kubeconfig("", ""));
        String m = configError(f, "").getMessage();
        assertTrue(m.contains("one, two") && m.contains("k8s_context"), m);
    }

    @Test
    void relativeCaPathIsResolvedAgainstTheKubeconfigsDirectory() throws Exception {
        Files.createDirectories(dir.resolve("kube"));
        Files.writeString(dir.resolve("kube/ca.pem"), "-----BEGIN CERTIFICATE-----\n");
        Path f = Files.writeString(dir.resolve("kube/config"), kubeconfig("two", "    certificate-authority: ca.pem\n"));
        KubeconfigLoader.Connection c = KubeconfigLoader.load(settings(f, ""));
        assertEquals(dir.resolve("kube/ca.pem").toString(), c.config().getCaCertFile());
        assertEquals("team", c.namespace());
        assertEquals("two", c.context());
        assertEquals(KubeconfigLoader.RETRIES, c.config().getRequestRetryBackoffLimit());
    }

    @Test
    void anUnreadableCaFileIsNamed() throws Exception {
        Path f = Files.writeString(dir.resolve("config"), kubeconfig("one", "    certificate-authority: /no/such/ca.pem\n"));
        assertTrue(configError(f, "").getMessage().contains("/no/such/ca.pem"));
    }
}
