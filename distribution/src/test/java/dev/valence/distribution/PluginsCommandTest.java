package dev.valence.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.valence.spi.PluginFactory;
import dev.valence.spi.Plugins;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code valence plugins} and the plugins folder: installed adapters, a third-party jar dropped in,
 * a broken jar (named, the others still load), two adapters claiming the same scheme.
 */
class PluginsCommandTest {
    @TempDir
    Path home;
    @TempDir
    Path work;

    CliFixture cli;
    Path pluginsDir;

    @BeforeEach
    void setUp() throws Exception {
        cli = new CliFixture(home);
        pluginsDir = Files.createDirectories(work.resolve("plugins"));
        cli.env.put(CliEnvironment.PLUGINS_DIR_ENV, pluginsDir.toString());
    }

    @Test
    void listsEveryAdapterOnTheClassPathWithItsJar() {
        CliFixture.Result r = cli.run("plugins");
        assertEquals(0, r.code(), r.toString());
        List<PluginFactory> installed = Plugins.load(getClass().getClassLoader()).all();
        assertTrue(installed.stream().anyMatch(f -> f.name().equals("fabric8")), "fabric8 is in every distribution");
        assertTrue(installed.stream().anyMatch(f -> f.name().equals("file")), "store-local is in every distribution");
        for (PluginFactory f : installed) {
            String line = r.out().lines().filter(l -> l.startsWith(LoadedPlugins.kind(f) + " ")
                    && l.contains(" " + f.name() + " ")).findFirst().orElse("");
            assertTrue(line.contains("class path") && line.contains(LoadedPlugins.where(f)), f.name() + " in\n" + r.out());
        }
        assertTrue(r.out().contains("data_store schemes: file"), r.out());
        assertTrue(r.out().contains("cluster_client = fabric8"), r.out());
        assertTrue(r.out().contains("plugins folder: " + pluginsDir + " (0 jars loaded)"), r.out());
    }

    @Test
    void aJarDroppedIntoThePluginsFolderIsListedWithItsOrigin() throws Exception {
        Path jar = Files.copy(PluginJars.memoryStore(work, "mem-store", "mem"), pluginsDir.resolve("mem-store.jar"));
        CliFixture.Result r = cli.run("plugins");
        assertEquals(0, r.code(), r.toString());
        String line = r.out().lines().filter(l -> l.contains(" mem-store ")).findFirst().orElse("");
        assertTrue(line.startsWith("ArtifactStore "), r.out());
        assertTrue(line.contains("data_store schemes: mem") && line.contains(" plugins ") && line.endsWith(jar.toString()),
                line);
        assertTrue(r.out().contains("(1 jar loaded)"), r.out());

        CliFixture.Result json = cli.run("plugins", "--output", "json");
        JsonNode doc = new ObjectMapper().readTree(json.out());
        assertEquals(pluginsDir.toString(), doc.get("plugins_dir").asText());
        List<String> fromFolder = new ArrayList<>();
        doc.get("plugins").forEach(p -> {
            if (p.get("from").asText().equals("plugins")) {
                fromFolder.add(p.get("name").asText() + "@" + p.get("origin").asText());
            }
        });
        assertEquals(List.of("mem-store@" + jar), fromFolder);
    }

    @Test
    void thePluginsStoreIsUsedThroughItsSchemeAndItsSecretKeyIsMasked() throws Exception {
        Files.copy(PluginJars.memoryStore(work, "mem-store", "mem"), pluginsDir.resolve("mem-store.jar"));
        cli.env.put("VALENCE_K8S_MEM_TOKEN", "plugin-secret-value");
        CliFixture.Result config = cli.run("config", "--set", "data_store=mem://bucket/valence");
        assertEquals(0, config.code(), config.toString());
        assertTrue(config.out().lines().anyMatch(l -> l.matches("mem_token\\s+= \\*\\*\\*\\*\\s+# env VALENCE_K8S_MEM_TOKEN")),
                config.out());
        assertFalse(config.all().contains("plugin-secret-value"), config.toString());

        // the doctor's store probe writes, reads and deletes through the plugin's store
        CliFixture.Result doctor = cli.run("doctor", "--set", "data_store=mem://bucket/valence", "--timeout", "5");
        assertTrue(doctor.out().lines().anyMatch(l -> l.matches("PASS\\s+store writable\\s+put, get and delete work at "
                + "mem://bucket/valence")), doctor.toString());

        // without the jar, the scheme is refused with what is installed
        Files.delete(pluginsDir.resolve("mem-store.jar"));
        CliFixture.Result without = cli.run("config", "--set", "data_store=mem://bucket/valence");
        assertEquals(2, without.code(), without.toString());
        assertTrue(without.err().contains("no installed store serves scheme 'mem'"), without.err());
    }

    @Test
    void anAdapterThatIsNotBuiltYetIsReportedByDoctorAndRunSaysWhy() throws Exception {
        Files.copy(PluginJars.stubGateways(work), pluginsDir.resolve("stub-gateways.jar"));
        cli.env.put("KUBECONFIG", cli.kubeconfig("kube/config", "http://127.0.0.1:9", "ctx", "ns1").toString());

        CliFixture.Result doctor = cli.run("doctor", "--prefer-plugin", "stub-gateways.jar", "--set",
                "cluster_client=official", "--set", "registry=tar");
        assertTrue(doctor.out().lines().anyMatch(l -> l.matches("SKIP\\s+context exists\\s+the official cluster "
                + "client is not built yet \\(the stub official adapter is not built yet\\); try --set "
                + "cluster_client=fabric8")), doctor.toString());
        assertTrue(doctor.out().lines().anyMatch(l -> l.matches("SKIP\\s+API reachable\\s+the cluster client cannot "
                + "start")), doctor.toString());

        // cluster_client was set: --executor auto says why the cluster cannot be used instead of running locally
        CliFixture.Result run = cli.run("run", "--prefer-plugin", "stub-gateways.jar", "--set", "cluster_client=official");
        assertEquals(1, run.code(), run.toString());
        assertTrue(run.err().startsWith("valence: --executor auto cannot use the cluster: the cluster client cannot "
                + "start: the stub official adapter is not built yet"), run.err());
        assertTrue(run.err().contains("cluster_client (flag --set)"), run.err());
        CliFixture.Result local = cli.run("run", "--executor", "local", "--prefer-plugin", "stub-gateways.jar", "--set",
                "cluster_client=official");
        assertEquals(0, local.code(), local.toString());
        assertEquals("Hello, World!\n", local.out());
    }

    @Test
    void aClusterClientWithoutAccessReviewsGetsASkipNamingIt() throws Exception {
        Path jar = Files.copy(PluginJars.stubGateways(work), pluginsDir.resolve("stub-gateways.jar"));
        cli.env.put("KUBECONFIG", cli.kubeconfig("kube/config", "http://127.0.0.1:9", "ctx", "ns1").toString());
        CliFixture.Result plugins = cli.run("plugins");
        assertTrue(plugins.out().contains("conflict: cluster_client 'fabric8' is served by 2 cluster clients: "), plugins.out());
        assertTrue(plugins.out().contains("pass --prefer-plugin '" + jar.getFileName() + "'"), plugins.out());

        CliFixture.Result doctor = cli.run("doctor", "--prefer-plugin", "stub-gateways.jar", "--set", "registry=tar");
        assertTrue(doctor.out().lines().anyMatch(l -> l.matches("PASS\\s+API reachable\\s+the API server answered")),
                doctor.toString());
        assertTrue(doctor.out().lines().anyMatch(l -> l.matches("SKIP\\s+permissions\\s+the fabric8 cluster client "
                + "cannot ask access reviews \\(SelfSubjectAccessReview\\): access review for this cluster client is "
                + "not built yet")), doctor.toString());
    }

    @Test
    void thePluginsStoreGoesIntoTheJobThroughItsScheme() throws Exception {
        Files.copy(PluginJars.memoryStore(work, "mem-store", "mem"), pluginsDir.resolve("mem-store.jar"));
        cli.env.put("KUBECONFIG", cli.kubeconfig("kube/config", "http://127.0.0.1:9", "ctx", "ns1").toString());
        CliFixture.Result r = cli.run("render", "--set", "data_store=mem://bucket/valence");
        assertEquals(0, r.code(), r.toString());
        // the Job gets the plugin store's pod access (its env), as the executor chose it by the scheme
        String yaml = r.out();
        int at = yaml.indexOf("VALENCE_K8S_DATA_STORE");
        assertTrue(at > 0 && yaml.substring(at, yaml.indexOf('\n', yaml.indexOf('\n', at) + 1))
                .contains("mem://bucket/valence"), yaml);
    }

    @Test
    void aBrokenJarIsNamedAndTheOthersStillLoad() throws Exception {
        Path broken = PluginJars.notAJar(pluginsDir);
        Path missing = Files.copy(PluginJars.missingProvider(work), pluginsDir.resolve("missing-provider.jar"));
        Files.copy(PluginJars.memoryStore(work, "mem-store", "mem"), pluginsDir.resolve("mem-store.jar"));
        CliFixture.Result r = cli.run("plugins");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().lines().anyMatch(l -> l.contains(" mem-store ")), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.contains(" fabric8 ")), r.out());
        assertTrue(r.out().contains("problem: " + broken + " is not a readable jar ("), r.out());
        assertTrue(r.out().contains("problem: " + missing + ": dev.valence.spi.ArtifactStoreFactory: Provider "
                + "example.missing.NoSuchFactory not found"), r.out());

        CliFixture.Result doctor = cli.run("doctor", "--timeout", "5");
        String plugins = doctor.out().lines().filter(l -> l.contains("plugins found")).findFirst().orElse("");
        assertTrue(plugins.startsWith("FAIL") && plugins.contains(broken.toString()), doctor.toString());
        assertEquals(1, doctor.code(), doctor.toString());
    }

    @Test
    void twoStoresForOneSchemeAreBothNamedAndTheChoiceIsExplained() throws Exception {
        Files.copy(PluginJars.memoryStore(work, "mem-a", "mem"), pluginsDir.resolve("a.jar"));
        Files.copy(PluginJars.memoryStore(work, "mem-b", "mem"), pluginsDir.resolve("b.jar"));
        CliFixture.Result r = cli.run("plugins");
        assertEquals(0, r.code(), r.toString());
        String conflict = r.out().lines().filter(l -> l.startsWith("conflict: ")).findFirst().orElse("");
        assertTrue(conflict.startsWith("conflict: scheme 'mem' is served by 2 stores: 'mem-a' (" + pluginsDir.resolve("a.jar")
                + "), 'mem-b' (" + pluginsDir.resolve("b.jar") + "); 'mem-a' is used"), conflict);
        assertTrue(conflict.contains("pass --prefer-plugin 'mem-b'"), conflict);

        CliFixture.Result preferred = cli.run("plugins", "--prefer-plugin", "mem-b");
        assertTrue(preferred.out().contains("'mem-b' is used"), preferred.out());
    }
}
