package dev.valence.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.valence.tck.cluster.ApiServerBed;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * kubectl's habits on {@code valence}: {@code --kubeconfig}, {@code --context}, {@code -n}, {@code -o
 * yaml|wide|json}, {@code completion zsh}, {@code --tail -1}, short dispatch ids. One row per habit;
 * {@code {dead}} in a row is a kubeconfig (contexts {@code dead}, namespace {@code ns1}) of a closed
 * port, {@code {other}} one with context {@code other}, {@code {bed}} the mock API server's.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class KubectlFlagsTest {
    static ClusterBed cluster;

    @TempDir
    Path home;

    CliFixture cli;
    Map<String, String> files;

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
        files = Map.of(
                "{dead}", cli.kubeconfig("kube/dead", ApiServerBed.closedPortUrl(), "dead", "ns1").toString(),
                "{other}", cli.kubeconfig("kube/other", ApiServerBed.closedPortUrl(), "other", "ns2").toString(),
                "{bed}", cluster.bed.kubeconfig().toString());
        cli.env.put("KUBECONFIG", files.get("{dead}"));
    }

    /** A habit: the command line, the exit code, and a pattern its output (out + err) must contain. */
    static Stream<Arguments> habits() {
        return Stream.of(
                row("--kubeconfig beats $KUBECONFIG, labelled with its flag",
                        List.of("--kubeconfig", "{other}", "config"), 0,
                        "k8s_config_file\\s+= \\Q{other}\\E\\s+# flag --kubeconfig"),
                row("--kubeconfig beats VALENCE_K8S_K8S_CONFIG_FILE (flag > env)",
                        List.of("config", "--kubeconfig", "{other}", "--set", "vcpu=2"), 0,
                        "k8s_config_file\\s+= \\Q{other}\\E\\s+# flag --kubeconfig"),
                row("$KUBECONFIG is env, not default",
                        List.of("config"), 0, "k8s_config_file\\s+= \\Q{dead}\\E\\s+# env KUBECONFIG"),
                row("--context names the context", List.of("config", "--context", "prod"), 0,
                        "k8s_context\\s+= prod\\s+# flag --context"),
                row("-n names the namespace", List.of("-n", "team-a", "config"), 0,
                        "namespace\\s+= team-a\\s+# flag --namespace"),
                row("--namespace too", List.of("config", "--namespace", "team-b"), 0,
                        "namespace\\s+= team-b\\s+# flag --namespace"),
                row("a bad -n value is an error naming the flag", List.of("-n", "Team_A", "config"), 2,
                        "namespace 'Team_A' \\(from --namespace\\) is not valid: expected a DNS-1123 label"),
                row("a bad --context is an error listing the contexts",
                        List.of("--context", "prod", "doctor", "--no-probe", "--timeout", "2"), 1,
                        "FAIL\\s+context exists\\s+.*'prod'.*dead"),
                row("completion zsh loads bashcompinit", List.of("completion", "zsh"), 0,
                        "(?s)autoload -U \\+X bashcompinit && bashcompinit.*complete -F _complete_valence"),
                row("completion bash is the default", List.of("completion"), 0, "(?s)^#!/usr/bin/env bash"),
                row("completion fish is refused naming the shells", List.of("completion", "fish"), 2,
                        "expected one of \\[bash, zsh\\]"),
                row("-o yaml", List.of("config", "-o", "yaml"), 0, "(?m)^settings:\\n- key: base_image"),
                row("doctor -o json", List.of("doctor", "--no-probe", "--timeout", "2", "-o", "json"), 1,
                        "(?s)^\\{\\s*\"checks\": \\["),
                row("doctor -o yaml", List.of("doctor", "--no-probe", "--timeout", "2", "-o", "yaml"), 1,
                        "(?s)^checks:\\n- name: "),
                row("an unknown -o is refused naming the formats", List.of("config", "-o", "table"), 2,
                        "expected one of \\[text, wide, json, yaml\\]"),
                row("--tail -2 is refused", List.of("jobs", "logs", "valence-x", "--tail", "-2"), 2,
                        "--tail must be 1 or more, or -1 for every line, was -2"));
    }

    private static Arguments row(String name, List<String> args, int code, String expected) {
        return Arguments.of(name, args, code, expected);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("habits")
    void kubectlHabit(String name, List<String> args, int code, String expected) {
        String[] line = args.stream().map(a -> files.getOrDefault(a, a)).toArray(String[]::new);
        String pattern = expected;
        for (Map.Entry<String, String> f : files.entrySet()) {
            pattern = pattern.replace(f.getKey(), f.getValue());
        }
        CliFixture.Result r = cli.run(line);
        assertEquals(code, r.code(), name + ": " + r);
        assertTrue(Pattern.compile(pattern).matcher(r.all()).find(), name + ": no /" + pattern + "/ in\n" + r);
    }

    @Test
    void yamlIsTheSameDocumentAsJson() throws Exception {
        CliFixture.Result json = cli.run("config", "-o", "json", "-n", "team-a");
        CliFixture.Result yaml = cli.run("config", "-o", "yaml", "-n", "team-a");
        assertEquals(0, yaml.code(), yaml.toString());
        Object fromYaml = new Load(LoadSettings.builder().build()).loadFromString(yaml.out());
        Object fromJson = new ObjectMapper().readValue(json.out(), Object.class);
        assertEquals(fromJson, fromYaml);
    }

    @Test
    void jobsWideAddsColumnsAndTailMinusOnePrintsEveryLine() throws Exception {
        String ns = cluster.newNamespace();
        cluster.use(cli, ns);
        String job = cluster.submit(home, ns, "d1aaaaaaaaaa", "join_words");
        cluster.controller.succeed(ns, job);
        StringBuilder log = new StringBuilder();
        for (int i = 1; i <= 150; i++) {
            log.append("line ").append(i).append('\n');
        }
        cluster.controller.writeLog(ns, job, log.toString());

        CliFixture.Result wide = cli.run("jobs", "list", "-o", "wide");
        assertEquals(0, wide.code(), wide.toString());
        assertTrue(wide.out().lines().findFirst().orElse("").matches(
                "NAME\\s+STATUS\\s+DISPATCH\\s+NODE\\s+AGE\\s+NAMESPACE\\s+CREATED\\s+PODS"), wide.out());
        assertTrue(wide.out().contains(ns), wide.out());

        CliFixture.Result all = cli.run("jobs", "logs", job, "--tail", "-1");
        assertEquals(0, all.code(), all.toString());
        assertEquals(log.toString(), all.out(), "--tail -1 prints every line (the default is the last 100)");
        assertEquals(100, cli.run("jobs", "logs", job).out().lines().count());

        CliFixture.Result yaml = cli.run("jobs", "list", "-o", "yaml");
        List<?> rows = (List<?>) new Load(LoadSettings.builder().build()).loadFromString(yaml.out());
        assertEquals(job, ((Map<?, ?>) rows.get(0)).get("name"));
    }

    @Test
    void aUniquePrefixOfADispatchIdIsEnoughAndAnAmbiguousOneListsTheCandidates() throws Exception {
        String first = dispatchId(cli.run("run", "--executor", "local"));
        String second = dispatchId(cli.run("run", "--executor", "local"));
        int common = 0;
        while (first.charAt(common) == second.charAt(common)) {
            common++;
        }
        CliFixture.Result shown = cli.run("dispatches", first.substring(0, common + 1));
        assertEquals(0, shown.code(), shown.toString());
        assertTrue(shown.out().startsWith("dispatch " + first + ": "), shown.out());
        CliFixture.Result viaShow = cli.run("dispatches", "show", second.substring(0, common + 1), "-o", "json");
        JsonNode doc = new ObjectMapper().readTree(viaShow.out());
        assertEquals(second, doc.get("id").asText(), viaShow.out());

        // a second record starting with the same three characters makes that prefix ambiguous
        Path dispatches = home.resolve(".cache/valence/dispatches");
        java.nio.file.Files.createDirectories(dispatches.resolve(first.substring(0, 3) + "zzzzzzzzz"));
        CliFixture.Result ambiguous = cli.run("dispatches", first.substring(0, 3));
        assertEquals(1, ambiguous.code(), ambiguous.toString());
        assertTrue(ambiguous.err().contains("dispatch id prefix '" + first.substring(0, 3) + "' is ambiguous: it "
                + "matches 2 dispatches (" + first + ", " + first.substring(0, 3) + "zzzzzzzzz)"), ambiguous.toString());
        CliFixture.Result none = cli.run("dispatches", "show", "ffffffffffff0");
        assertTrue(none.err().contains("no dispatch 'ffffffffffff0'"), none.toString());
    }

    @Test
    void jobsTakeAUniquePrefixOfARecordedDispatchAndAnUnrecordedIdAsGiven() throws Exception {
        String ns = cluster.newNamespace();
        cluster.use(cli, ns);
        String recorded = "d2bbbbbbbbbb";
        java.nio.file.Files.createDirectories(home.resolve(".cache/valence/dispatches").resolve(recorded));
        String job = cluster.submit(home, ns, recorded, "join_words");
        String elsewhere = cluster.submit(home, ns, "d3cccccccccc", "join_words"); // run from another machine

        CliFixture.Result byPrefix = cli.run("jobs", "list", "--dispatch", "d2bb");
        assertEquals(0, byPrefix.code(), byPrefix.toString());
        assertTrue(byPrefix.out().contains(job) && !byPrefix.out().contains(elsewhere), byPrefix.out());
        CliFixture.Result asGiven = cli.run("jobs", "list", "--dispatch", "d3cccccccccc");
        assertTrue(asGiven.out().contains(elsewhere), asGiven.out());
        CliFixture.Result cancelled = cli.run("jobs", "cancel", "--dispatch", "d2bb");
        assertEquals(0, cancelled.code(), cancelled.toString());
        CliFixture.Result after = cli.run("jobs", "list", "--dispatch", recorded);
        assertTrue(after.out().contains("no Valence Jobs") && !after.out().contains(job), "cancelled by prefix: " + after);
    }

    private static String dispatchId(CliFixture.Result run) {
        assertEquals(0, run.code(), run.toString());
        Matcher m = Pattern.compile("dispatch ([0-9a-f]{12})").matcher(run.all());
        assertTrue(m.find(), run.toString());
        return m.group(1);
    }
}
