package dev.valence.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.valence.tck.cluster.ApiServerBed;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A third-party store names the Secrets its pod needs (as env, as files): {@code render} shows the
 * references and {@code doctor} checks that each Secret exists.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class StoreSecretsTest {
    static ApiServerBed api;

    @TempDir
    static Path work;

    @BeforeAll
    static void bed() {
        api = ApiServerBed.start();
        api.client().secrets().inNamespace(ApiServerBed.NAMESPACE).resource(new SecretBuilder()
                .withNewMetadata().withName("store-creds").endMetadata()
                .withStringData(Map.of("STORE_TOKEN", "not-a-real-token")).build()).create();
    }

    @AfterAll
    static void close() {
        api.close();
    }

    @Test
    void renderShowsTheStoresSecretsAndDoctorChecksTheyExist() throws Exception {
        Path plugins = Files.createDirectories(work.resolve("plugins"));
        Files.copy(PluginJars.memoryStore(work, "secret-store", "sec",
                ".envFromSecret(\"store-creds\").secretFiles(\"store-key\", \"store-key\", \"/etc/store-key\")"),
                plugins.resolve("secret-store.jar"));
        CliFixture cli = new CliFixture(work.resolve("home"));
        cli.env.put(CliEnvironment.PLUGINS_DIR_ENV, plugins.toString());
        cli.env.put("KUBECONFIG", api.kubeconfig().toString());

        CliFixture.Result render = cli.run("render", "--set", "data_store=sec://bucket/v");
        assertEquals(0, render.code(), render.toString());
        String yaml = render.out();
        assertTrue(yaml.contains("envFrom:") && yaml.contains("store-creds"), yaml);
        assertTrue(yaml.contains("store-key") && yaml.contains("/etc/store-key"), yaml);

        CliFixture.Result missing = cli.run("doctor", "--no-probe", "--set", "data_store=sec://bucket/v");
        assertEquals(1, missing.code(), missing.toString());
        assertEquals("FAIL  secrets found         secret \"store-key\" (the store's volume store-key) not found in namespace "
                + ApiServerBed.NAMESPACE + ": every task's pod would wait for it", line(missing, "secrets found"),
                missing.out());

        api.client().secrets().inNamespace(ApiServerBed.NAMESPACE).resource(new SecretBuilder()
                .withNewMetadata().withName("store-key").endMetadata()
                .withStringData(Map.of("key.json", "{}")).build()).create();
        CliFixture.Result found = cli.run("doctor", "--no-probe", "--set", "data_store=sec://bucket/v");
        assertEquals("PASS  secrets found         secret \"store-creds\" (the store's env), secret \"store-key\" (the "
                + "store's volume store-key) in namespace " + ApiServerBed.NAMESPACE, line(found, "secrets found"),
                found.out());
    }

    private static String line(CliFixture.Result r, String check) {
        return r.out().lines().filter(l -> l.length() > 6 && l.substring(6).startsWith(check)).findFirst().orElse("");
    }
}
