package dev.valence.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code valence config}: every key with its source (file, env, builder, default), secrets masked, JSON. */
class ConfigCommandTest {
    /** A store plugin declaring the secret key {@code vault_token} (any distribution has it: it is built here). */
    @TempDir
    static Path plugins;

    @TempDir
    Path home;

    CliFixture cli;
    Path file;

    @BeforeAll
    static void buildPlugin() throws Exception {
        Path jar = PluginJars.memoryStore(plugins.resolve("build"), "vault-store", "vault");
        Files.copy(jar, Files.createDirectories(plugins.resolve("dir")).resolve("vault-store.jar"));
    }

    @BeforeEach
    void setUp() {
        cli = new CliFixture(home);
        cli.env.put(CliEnvironment.PLUGINS_DIR_ENV, plugins.resolve("dir").toString());
        file = cli.write("conf/valence.toml", """
                [executors.k8s]
                memory = "2G"
                namespace = "from-file"
                vault_token = "file-secret-key"
                env = { API_TOKEN = "tok-123", PLAIN = "shown" }
                """);
        cli.env.put("VALENCE_K8S_VCPU", "750m");
        cli.env.put("VALENCE_K8S_ENV", "DB_PASSWORD=env-secret-pw,USER=app");
    }

    @Test
    void textShowsEachKeyWithItsSourceAndMasksSecrets() {
        CliFixture.Result r = cli.run("config", "--config", file.toString(), "--set", "namespace=from-cli");
        assertEquals(0, r.code(), r.toString());
        Map<String, String> lines = byKey(r.out());
        assertTrue(r.out().startsWith("# config file: " + file + "\n"), r.out());
        assertTrue(lines.get("memory").matches("2G\\s+# file " + java.util.regex.Pattern.quote(file.toString())),
                lines.get("memory"));
        assertTrue(lines.get("vcpu").matches("750m\\s+# env VALENCE_K8S_VCPU"), lines.get("vcpu"));
        assertTrue(lines.get("namespace").matches("from-cli\\s+# flag --set"), lines.get("namespace"));
        assertTrue(lines.get("poll_freq").matches("10s\\s+# default"), lines.get("poll_freq"));
        assertTrue(lines.get("vault_token").matches("\\*\\*\\*\\*\\s+# file .*"), lines.get("vault_token"));
        assertTrue(lines.get("env").contains("DB_PASSWORD=****") && lines.get("env").contains("USER=app")
                && lines.get("env").endsWith("# env VALENCE_K8S_ENV"), lines.get("env"));
        for (String secret : new String[] {"file-secret-key", "env-secret-pw"}) {
            assertFalse(r.all().contains(secret), secret + " leaked:\n" + r);
        }
    }

    @Test
    void jsonHasEverySettingWithSourceAndOriginAndParses() throws Exception {
        CliFixture.Result r = cli.run("config", "--config", file.toString(), "-o", "json", "-s", "gpus=1");
        assertEquals(0, r.code(), r.toString());
        JsonNode doc = new ObjectMapper().readTree(r.out());
        assertEquals(file.toString(), doc.get("config_file").asText());
        Map<String, JsonNode> byKey = new HashMap<>();
        doc.get("settings").forEach(e -> byKey.put(e.get("key").asText(), e));
        assertEquals("file", byKey.get("memory").get("source").asText());
        assertEquals(file.toString(), byKey.get("memory").get("origin").asText());
        assertEquals("env", byKey.get("vcpu").get("source").asText());
        assertEquals("VALENCE_K8S_VCPU", byKey.get("vcpu").get("origin").asText());
        assertEquals("flag", byKey.get("gpus").get("source").asText());
        assertEquals("1", byKey.get("gpus").get("value").asText());
        assertEquals("default", byKey.get("cluster_client").get("source").asText());
        assertEquals("****", byKey.get("vault_token").get("value").asText());
        assertTrue(byKey.get("vault_token").get("sensitive").asBoolean());
        assertTrue(byKey.get("env").get("value").asText().contains("DB_PASSWORD=****"), byKey.get("env").toString());
        for (String key : dev.valence.api.Settings.knownKeys()) {
            assertTrue(byKey.containsKey(key), key + " missing from the JSON");
        }
        assertFalse(r.out().contains("file-secret-key") || r.out().contains("env-secret-pw") || r.out().contains("tok-123"),
                r.out());
    }

    @Test
    void withoutAFileSaysSoAndUsesDefaults() {
        CliFixture.Result r = cli.run("config");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().startsWith("# config file: none"), r.out());
        assertTrue(byKey(r.out()).get("memory").matches("1G\\s+# default"), r.out());
    }

    @Test
    void theDefaultFileInTheHomeDirectoryIsRead() {
        cli.write(".config/valence/valence.toml", "[executors.k8s]\nmemory = \"3G\"\n");
        CliFixture.Result r = cli.run("config");
        assertEquals(0, r.code(), r.toString());
        assertTrue(byKey(r.out()).get("memory").startsWith("3G"), r.out());
    }

    private static Map<String, String> byKey(String describe) {
        Map<String, String> out = new HashMap<>();
        describe.lines().filter(l -> !l.startsWith("#") && l.contains(" = ")).forEach(l -> {
            int eq = l.indexOf(" = ");
            out.put(l.substring(0, eq).trim(), l.substring(eq + 3).trim());
        });
        return out;
    }
}
