package dev.valence.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.valence.tck.cluster.ApiServerBed;
import dev.valence.tck.cluster.JobControllerStandIn;
import dev.valence.tck.image.RegistryBed;
import dev.valence.tck.pods.HostDirs;
import dev.valence.tck.pods.RuncPodRunner;
import dev.valence.tck.pods.SharedBeds;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The assembled distribution ({@code target/valence}, made by {@code mvn package}) run as a user runs
 * it: {@code bin/valence} in a process of its own, with an environment and a home of its own.
 * Run by failsafe after {@code package}.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class AssembledDistributionIT {
    @TempDir
    Path home;
    @TempDir
    Path work;

    Path dist;

    @BeforeEach
    void locate() {
        String where = System.getProperty("valence.distribution");
        assertTrue(where != null, "run by failsafe, which names the assembled distribution (valence.distribution)");
        dist = Path.of(where);
        assertTrue(Files.isExecutable(dist.resolve("bin/valence")), dist + "/bin/valence: run 'mvn package' first");
    }

    @Test
    void theLayoutHasTheLauncherEveryJarAnEmptyPluginsFolderAndTheSettingsTemplate() throws IOException {
        assertTrue(Files.getPosixFilePermissions(dist.resolve("bin/valence")).contains(PosixFilePermission.OTHERS_EXECUTE));
        List<String> lib;
        try (var files = Files.list(dist.resolve("lib"))) {
            lib = files.map(p -> p.getFileName().toString()).toList();
        }
        for (String jar : List.of("distribution-", "executor-api-", "executor-core-", "examples-", "adapter-fabric8-",
                "store-local-", "registry-local-", "picocli-", "guice-", "slf4j-simple-")) {
            assertTrue(lib.stream().anyMatch(n -> n.startsWith(jar) && n.endsWith(".jar")), jar + " in lib/: " + lib);
        }
        try (var files = Files.list(dist.resolve("plugins"))) {
            assertEquals(List.of("README.txt"), files.map(p -> p.getFileName().toString()).toList());
        }
        assertTrue(Files.readString(dist.resolve("conf/valence.toml")).contains("[executors.k8s]"));
        Path tar = dist.getParent().resolve("valence-" + VersionFromPom.VERSION + ".tar.gz");
        assertTrue(Files.isRegularFile(tar), tar + " exists");
    }

    @Test
    void versionComesFromTheJarManifest() throws Exception {
        Run r = valence(dist, Map.of(), "--version");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().startsWith("valence " + VersionFromPom.VERSION + "\n"), r.toString());
    }

    @Test
    void theDemoRunsLocallyWhenTheClusterDoesNotAnswer() throws Exception {
        // the default kubeconfig: with nothing cluster-related set explicitly, auto may fall back to local
        new CliFixture(home).kubeconfig(".kube/config", ApiServerBed.closedPortUrl(), "dead", "ns1");
        Run r = valence(dist, Map.of(), "run");
        assertEquals(0, r.code(), r.toString());
        assertEquals("Hello, World!\n", r.out());
        assertTrue(r.err().startsWith("executor: local, because the cluster"), r.err());
        // off a terminal, one line per event, in order: a local node's progress lines, not also the local
        // executor's and the dispatcher's INFO lines of the same events
        List<String> joinWords = r.err().lines().filter(l -> l.contains("join_words") && !l.startsWith("workflow:"))
                .toList();
        assertEquals(2, joinWords.size(), "RUNNING, then COMPLETED: " + r.err());
        assertTrue(joinWords.get(0).matches("  join_words\\s+RUNNING\\s+on local"), r.err());
        assertTrue(joinWords.get(1).matches("  join_words\\s+COMPLETED on local \\(\\d+\\.\\d s\\)"), r.err());
        assertEquals(1, r.err().lines().filter(l -> l.contains("COMPLETED") && l.contains("dispatch")).count(),
                "the dispatch's end once: " + r.err());
        Run listed = valence(dist, Map.of(), "dispatches");
        assertTrue(listed.out().contains("simple_workflow  COMPLETED  2/2"), listed.toString());
    }

    /**
     * What a user sees at INFO while the demo runs on a cluster (the mock API server, the real
     * registry, the stand-in running each pod as a real container): for each task, its
     * image, its Job submitted, its pod started and its end, in that order.
     */
    @Test
    void onAClusterTheLogTellsEachStepOfEachTask() throws Exception {
        Path store = HostDirs.writableByAnyUid(work.resolve("store"));
        RegistryBed registry = SharedBeds.registry();
        try (ApiServerBed api = ApiServerBed.start();
             RuncPodRunner runner = RuncPodRunner.builder().client(api.client()).hostPath("/data", store).build();
             JobControllerStandIn controller = new JobControllerStandIn(api)) {
            controller.runJobsWith(runner); // each pod a real container of the image the CLI built
            new CliFixture(home).write(".config/valence/valence.toml", """
                    [executors.k8s]
                    registry = "%s"
                    base_image = "%s"
                    data_store = "%s"
                    data_store_mount = "/data"
                    poll_freq = 1
                    """.formatted(registry.host(), SharedBeds.jreImage(), store));

            Run r = valence(dist, Map.of("KUBECONFIG", api.kubeconfig().toString()), "run");

            assertEquals(0, r.code(), r.toString());
            assertEquals("Hello, World!\n", r.out());
            List<String> steps = r.err().lines().filter(l -> l.matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} INFO .*") && l.contains("task 'join_words'")).toList();
            String[] expected = {
                "task 'join_words': Job valence-[0-9a-f]{12}-join-words-[0-9a-f]{8} submitted in namespace "
                        + ApiServerBed.NAMESPACE,
                "task 'join_words': pod valence-[0-9a-f]{12}-join-words-[0-9a-f]{8}-[a-z0-9]+ started \\(valence-.*\\)",
                "task 'join_words' finished in \\d+\\.\\d+ s \\(valence-.*\\)",
            };
            assertEquals(expected.length, steps.size(), "one line per step: " + r.err());
            assertEquals(expected.length, r.err().lines()
                    .filter(l -> l.contains("join_words") && !l.startsWith("workflow:") && !l.contains("JobTracker")).count(),
                    "no progress line besides the executor's lines of the same steps: " + r.err());
            for (int i = 0; i < expected.length; i++) {
                String line = steps.get(i);
                assertTrue(Pattern.compile(expected[i] + "$").matcher(line).find(), "step " + i + ": " + line);
            }
            assertTrue(r.err().lines().anyMatch(l -> l.matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} INFO .*")
                    && l.matches(".*image " + Pattern.quote(registry.host()) + "/valence-task:\\S+ pushed \\(digest sha256:[0-9a-f]{64}\\)")),
                    "the image pushed, with its digest: " + r.err());
            assertEquals(List.of(), api.client().batch().v1().jobs().inNamespace(ApiServerBed.NAMESPACE).list().getItems()
                    .stream().map(j -> j.getMetadata().getName()).toList(), "no Job left once the run is over: " + r.err());
        }
    }

    @Test
    void aJarDroppedIntoThePluginsFolderOfTheDistributionIsFound() throws Exception {
        // a distribution of our own (its lib/ linked to the built one) to drop a jar into its plugins/
        Path mine = work.resolve("valence");
        Files.createDirectories(mine.resolve("bin"));
        Files.copy(dist.resolve("bin/valence"), mine.resolve("bin/valence"));
        Files.createSymbolicLink(mine.resolve("lib"), dist.resolve("lib").toAbsolutePath());
        Files.createDirectories(mine.resolve("plugins"));
        Path jar = Files.copy(PluginJars.memoryStore(work, "mem-store", "mem"), mine.resolve("plugins/mem-store.jar"));
        // through a symbolic link to the launcher, as a package manager would install it
        Path link = Files.createSymbolicLink(work.resolve("valence-link"), mine.resolve("bin/valence"));
        String origin = jar.toRealPath().toString();
        Run r = valence(link, Map.of(), "plugins");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().lines().anyMatch(l -> l.contains(" mem-store ") && l.contains(" plugins ")
                && l.endsWith(origin)), r.toString());
        assertTrue(r.out().contains("plugins folder: " + mine.toRealPath().resolve("plugins") + " (1 jar loaded)"),
                r.toString());
    }

    @Test
    void aRunWithTheUsersClassDirectoryStartsFromTheClassDataArchiveTheFirstRunMade() throws Exception {
        Path classes = Files.createDirectories(work.resolve("classes"));
        Files.writeString(classes.resolve("marker.txt"), "a class directory the JVM cannot archive"); // non-empty
        Map<String, String> env = Map.of("VALENCE_CLASSPATH", classes.toString());
        Run first = valence(dist, env, "--help");
        assertEquals(0, first.code(), first.toString());
        Path cds = home.resolve(".cache/valence/cds");
        List<String> archives;
        try (var files = Files.list(cds)) {
            archives = files.map(p -> p.getFileName().toString()).toList();
        }
        assertEquals(1, archives.size(), "one archive, no leftovers of making it: " + archives);
        assertTrue(archives.get(0).startsWith("cli-") && archives.get(0).endsWith(".jsa"), archives.toString());

        Path loaded = work.resolve("class-load.log");
        Run second = valence(dist, Map.of("VALENCE_CLASSPATH", classes.toString(),
                "JAVA_OPTS", "-Duser.home=" + home + " -Xlog:class+load:file=" + loaded), "--help");
        assertEquals(0, second.code(), second.toString());
        String log = Files.readString(loaded, StandardCharsets.UTF_8);
        assertTrue(log.contains("dev.valence.distribution.Main source: shared objects file"),
                "the CLI's classes come from the archive: " + log.lines().filter(l -> l.contains("dev.valence")).limit(5).toList());

        // the first run touched no cluster, yet the archive holds each cluster client (the lists in lib/cds/)
        Path kubeconfig = work.resolve("refused.yaml");
        Files.writeString(kubeconfig, String.join("\n", "apiVersion: v1", "kind: Config",
                "clusters: [{name: refused, cluster: {server: 'https://127.0.0.1:1'}}]",
                "contexts: [{name: refused, context: {cluster: refused, user: u, namespace: default}}]",
                "current-context: refused", "users: [{name: u, user: {token: t}}]", ""));
        for (Map.Entry<String, String> client : Map.of("fabric8", "io.fabric8.kubernetes.client.Config",
                "official", "io.kubernetes.client.util.KubeConfig").entrySet()) {
            Path clientLog = work.resolve("class-load-" + client.getKey() + ".log");
            Run jobs = valence(dist, Map.of("JAVA_OPTS", "-Duser.home=" + home + " -Xlog:class+load:file=" + clientLog),
                    "jobs", "list", "--kubeconfig", kubeconfig.toString(), "--set", "cluster_client=" + client.getKey());
            assertEquals(1, jobs.code(), jobs.toString());
            assertTrue(jobs.err().contains("connection refused"), jobs.toString());
            String clientClasses = Files.readString(clientLog, StandardCharsets.UTF_8);
            assertTrue(clientClasses.contains(client.getValue() + " source: shared objects file"), client.getKey()
                    + ": " + clientClasses.lines().filter(l -> l.contains(client.getValue())).toList());
        }
    }

    /** What one process printed and returned. */
    record Run(int code, String out, String err) {
        @Override
        public String toString() {
            return "exit " + code + "\n--- out\n" + out + "--- err\n" + err;
        }
    }

    private Run valence(Path launcher, Map<String, String> extraEnv, String... args) throws Exception {
        Path script = Files.isDirectory(launcher) ? launcher.resolve("bin/valence") : launcher;
        List<String> command = new ArrayList<>(List.of(script.toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command);
        Map<String, String> env = pb.environment();
        env.keySet().removeIf(k -> k.startsWith("VALENCE") || k.equals("KUBECONFIG") || k.equals("JAVA_OPTS"));
        env.put("HOME", home.toString());
        // Java takes user.home from the account, not from HOME
        env.put("JAVA_OPTS", "-Duser.home=" + home);
        env.put("JAVA_HOME", System.getProperty("java.home"));
        env.putAll(extraEnv);
        Path out = Files.createTempFile(work, "out", ".txt");
        Path err = Files.createTempFile(work, "err", ".txt");
        Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("bin/valence " + String.join(" ", args) + " did not end within 120 s");
        }
        return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    }

    /** The project version, as the build wrote it into the distribution jar's manifest. */
    static final class VersionFromPom {
        static final String VERSION = System.getProperty("valence.version", "0.1.0-SNAPSHOT");

        private VersionFromPom() {
        }
    }
}
