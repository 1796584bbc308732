package dev.valence.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.valence.core.JobNames;
import dev.valence.tck.cluster.StoredManifests;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code valence render}: the Job the executor would submit, secrets masked, image cached or marked placeholder. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RenderCommandTest {
    static ClusterBed cluster;

    @TempDir
    Path home;

    CliFixture cli;
    String ns;

    @BeforeAll
    static void startBed() {
        cluster = new ClusterBed();
    }

    @AfterAll
    static void stopBed() {
        cluster.close();
    }

    @BeforeEach
    void setUp() {
        cli = new CliFixture(home);
        ns = cluster.newNamespace();
        cluster.use(cli, ns);
        cli.write(".config/valence/valence.toml", """
                [executors.k8s]
                env = { API_TOKEN = "tok-s3cr3t", DB_PASSWORD = "pw-s3cr3t", GREETING = "hello there" }
                vcpu = "250m"
                """);
    }

    @Test
    void rendersTheDemosJoinWordsJobWithAPlaceholderImageAndMaskedSecrets() {
        CliFixture.Result r = cli.run("render");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().startsWith("# Job for task 'join_words' (node join_words) of workflow 'simple_workflow'"),
                r.out());
        assertTrue(r.out().contains("# image: PLACEHOLDER - this class path has no image yet"), r.out());
        Map<String, Object> job = StoredManifests.fromYaml(r.out());
        assertEquals("Job", job.get("kind"));
        assertEquals(JobNames.jobName(RenderCommand.DRY_RUN_DISPATCH, "join_words"), at(job, "metadata", "name"));
        assertEquals(ns, at(job, "metadata", "namespace"));
        assertEquals("valence", at(job, "metadata", "labels", "app.kubernetes.io/managed-by"));
        Map<String, Object> container = container(job);
        assertEquals("localhost:5000/valence-task:placeholder-not-built-yet", container.get("image"));
        assertEquals("250m", at(container, "resources", "requests", "cpu"));
        Map<String, String> env = env(container);
        assertEquals("****", env.get("API_TOKEN"));
        assertEquals("****", env.get("DB_PASSWORD"));
        assertEquals("hello there", env.get("GREETING"));
        assertFalse(r.out().contains("s3cr3t"), r.out());
    }

    @Test
    void anImageRecordedForAnotherClassPathIsNotUsed() {
        // what an earlier run of other classes left in the cache: render must not name that image
        cli.write(".cache/valence/images/0123abcd.properties", """
                target=localhost\\:5000/valence-task\\:0123abcd
                repository=localhost\\:5000/valence-task
                tag=0123abcd
                digest=sha256:%s
                """.formatted("b".repeat(64)));
        CliFixture.Result r = cli.run("render", "excitement");
        assertEquals(0, r.code(), r.toString());
        assertEquals("localhost:5000/valence-task:placeholder-not-built-yet",
                container(StoredManifests.fromYaml(r.out())).get("image"));
        assertTrue(r.out().contains("# image: PLACEHOLDER - this class path has no image yet"), r.out());
    }

    @Test
    void rendersATaskOfAWorkflowClass() {
        CliFixture.Result r = cli.run("render", "shout", "--workflow", DemoWorkflows.Repeat.class.getName(),
                "--dispatch", "abcdef012345");
        assertEquals(0, r.code(), r.toString());
        Map<String, Object> job = StoredManifests.fromYaml(r.out());
        assertEquals(JobNames.jobName("abcdef012345", "shout"), at(job, "metadata", "name"));
        assertEquals("shout", at(job, "metadata", "labels", "valence.dev/task"));
    }

    @Test
    void rendersAMapAsAnIndexedJob() {
        CliFixture.Result r = cli.run("render", "length", "--workflow", DemoWorkflows.WordLengths.class.getName());
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("# map: one Indexed Job, a pod per element (JOB_COMPLETION_INDEX); completions and "
                + "parallelism are shown for 1 element"), r.out());
        Map<String, Object> job = StoredManifests.fromYaml(r.out());
        assertEquals("Indexed", at(job, "spec", "completionMode"));
        assertEquals(1, ((Number) at(job, "spec", "completions")).intValue());
        assertEquals("1", env(container(job)).get("VALENCE_MAP_SIZE"));
    }

    @Test
    void anUnknownTaskIsAUsageErrorListingTheTasks() {
        CliFixture.Result r = cli.run("render", "nope");
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("workflow 'simple_workflow' has no task 'nope' (its tasks: join_words, excitement)"),
                r.err());
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> container(Map<String, Object> job) {
        List<Object> containers = (List<Object>) at(job, "spec", "template", "spec", "containers");
        return (Map<String, Object>) containers.get(0);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, String> env(Map<String, Object> container) {
        Map<String, String> out = new java.util.HashMap<>();
        for (Object e : (List<Object>) container.get("env")) {
            Map<String, Object> m = (Map<String, Object>) e;
            out.put(String.valueOf(m.get("name")), String.valueOf(m.get("value")));
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private static Object at(Map<String, Object> map, String... path) {
        Object cur = map;
        for (String p : path) {
            cur = ((Map<String, Object>) cur).get(p);
        }
        return cur;
    }
}
