package dev.valence.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.valence.api.Settings;
import dev.valence.api.Task;
import dev.valence.api.Task1;
import dev.valence.core.CacheEntries;
import dev.valence.core.LocalExecutor;
import dev.valence.spi.ArtifactStore;
import dev.valence.spi.Plugins;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code valence cache list|show|clear} over entries a local executor wrote to a local data store. */
class CacheCommandTest {
    @TempDir
    Path home;

    CliFixture cli;
    ArtifactStore store;
    Path data;

    @BeforeEach
    void setUp() {
        data = home.resolve("data");
        Settings settings = Settings.builder().environment(Map.of()).userHome(home).dataStore(data.toString()).build();
        store = Plugins.load(getClass().getClassLoader()).artifactStore(settings.dataStore()).create(settings);
        try (LocalExecutor local = new LocalExecutor(store, settings)) {
            Task1<Integer, Integer> square = Task.of("square", (Integer x) -> x * x, local).with(o -> o.cache(true));
            square.submit(3).await();
            square.submit(4).await();
            Task.of("shout", (String s) -> s + "!", local).with(o -> o.cache(true)).submit("a").await();
        }
        cli = new CliFixture(home);
        cli.env.put("VALENCE_K8S_DATA_STORE", data.toString());
    }

    @AfterEach
    void tearDown() {
        store.close();
    }

    List<CacheEntries.Entry> entries() {
        return new CacheEntries(store).list();
    }

    CacheEntries.Entry entry(String task, int nth) {
        return entries().stream().filter(e -> e.task().equals(task)).toList().get(nth);
    }

    @Test
    void listShowsEveryEntryWithItsTask() throws Exception {
        CliFixture.Result r = cli.run("cache", "list");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().startsWith("KEY"), r.out());
        assertEquals(2, r.out().lines().filter(l -> l.contains(" square ")).count(), r.out());
        assertTrue(r.out().contains(" shout "), r.out());
        assertTrue(r.out().contains(CacheEntries.shortForm(entry("shout", 0).key())), r.out());

        JsonNode json = new ObjectMapper().readTree(cli.run("cache", "list", "--task", "square", "-o", "json").out());
        assertEquals(2, json.size());
        assertEquals("square", json.get(0).get("task").asText());
        assertTrue(json.get(0).get("parts").has("code"), json.toString());
    }

    @Test
    void showExplainsAMissByThePartsThatDiffer() throws Exception {
        CacheEntries.Entry a = entry("square", 0);
        CacheEntries.Entry b = entry("square", 1);
        CliFixture.Result r = cli.run("cache", "show", a.key().substring(0, 10));
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("key       " + a.key()), r.out());
        assertTrue(r.out().contains("class_path_jars"), r.out());
        assertTrue(r.out().contains("against " + CacheEntries.shortForm(b.key())), r.out());
        assertTrue(r.out().contains("differs in call"), "two squares differ in their argument only: " + r.out());

        CliFixture.Result vs = cli.run("cache", "show", a.key(), "--against", entry("shout", 0).key(), "-o", "json");
        JsonNode diff = new ObjectMapper().readTree(vs.out()).get("compared").get(0).get("differing_parts");
        assertTrue(diff.has("task") && diff.has("call"), diff.toString());
        assertTrue(!diff.has("code"), "two lambdas of one class: the code part is by class file, " + diff);
        assertTrue(!diff.has("class_path_jars"), "one JVM, one class path: " + diff);
    }

    @Test
    void dispatchesShowsACachedNodeAsCached() throws Exception {
        Settings settings = Settings.builder().environment(Map.of()).userHome(home).dataStore(data.toString()).build();
        try (LocalExecutor local = new LocalExecutor(store, settings);
             dev.valence.core.Dispatcher d = new dev.valence.core.Dispatcher(settings.cacheDir())) {
            Task1<Integer, Integer> square = Task.of("square", (Integer x) -> x * x, local).with(o -> o.cache(true));
            dev.valence.api.Workflow1<Integer, Integer> wf = dev.valence.api.Workflow.of("squared",
                    (dev.valence.api.Node<Integer> n) -> square.call(n));
            assertEquals(9, d.result(d.dispatch(wf, List.of(3)), true).valueOrThrow());
            String id = d.dispatch(wf, List.of(3));
            assertEquals(9, d.result(id, true).valueOrThrow());
            CliFixture.Result r = cli.run("dispatches", id);
            assertEquals(0, r.code(), r.toString());
            assertTrue(r.out().lines().anyMatch(l -> l.contains("square") && l.contains("CACHED")), r.out());
            JsonNode json = new ObjectMapper().readTree(cli.run("dispatches", id, "-o", "json").out());
            assertEquals("CACHED", json.get("nodes").get(0).get("status").asText(), json.toString());
            JsonNode listed = new ObjectMapper().readTree(cli.run("dispatches", "list", "-o", "json").out());
            assertEquals(1, listed.get(0).get("completed").asInt(), "a CACHED node counts as completed: " + listed);
        }
    }

    @Test
    void anUnknownKeyIsAnErrorThatSaysHowToListThem() {
        CliFixture.Result r = cli.run("cache", "show", "abcdef123456");
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("no cache entry with key 'abcdef123456'") && r.err().contains("valence cache list"),
                r.err());
    }

    @Test
    void clearDeletesWhatItIsAskedTo() {
        assertEquals(2, cli.run("cache", "clear").code(), "clear without a selector is a usage error");
        CliFixture.Result r = cli.run("cache", "clear", "--key", entry("shout", 0).key().substring(0, 8));
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("cleared 1 cached output(s)"), r.out());
        assertEquals(List.of("square", "square"), entries().stream().map(CacheEntries.Entry::task).toList());
        assertEquals(0, cli.run("cache", "clear", "--older-than", "1h").out().indexOf("cleared 0"));
        cli.run("cache", "clear", "--task", "square");
        assertEquals(List.of(), entries());
        assertTrue(cli.run("cache", "list").out().contains("no cached outputs"));
    }
}
