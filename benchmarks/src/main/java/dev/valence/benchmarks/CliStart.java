package dev.valence.benchmarks;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Issue 26: the whole {@code bin/valence} command, start to exit, as a user runs it: {@code --help},
 * {@code config}, and {@code jobs list} against an API server that refuses connections, with each
 * cluster client. The class-data archive is made first by one run of {@code --help} in a fresh cache
 * folder (the worst first run for a cluster command: it touches no cluster). Baseline, same loop:
 * {@code java -version} with the script's JVM flags. Runs are interleaved, so all see the same machine.
 *
 * <p>Options: {@code --runs=10}, {@code --valence-bin=<bin/valence>} (default: the assembled distribution).
 */
public final class CliStart {
    private CliStart() {
    }

    /** Runs the harness; prints the report on stdout. */
    public static void main(String[] args) throws Exception {
        run(Options.parse(args), System.out);
    }

    static void run(Options o, PrintStream out) throws Exception {
        o.only("runs", "valence-bin");
        int runs = o.integer("runs", 10);
        Path bin = RealClusterRoundTrip.valenceBin(o).orElseThrow(() -> new IllegalStateException(
                "no assembled distribution: build it with 'mvn -pl distribution -am package -DskipTests' or pass "
                        + "--valence-bin=<bin/valence>"));
        Path work = Files.createTempDirectory("valence-cli-start");
        try {
            Path kubeconfig = work.resolve("refused.yaml");
            Files.writeString(kubeconfig, String.join("\n", "apiVersion: v1", "kind: Config",
                    "clusters: [{name: refused, cluster: {server: 'https://127.0.0.1:1'}}]",
                    "contexts: [{name: refused, context: {cluster: refused, user: u, namespace: default}}]",
                    "current-context: refused", "users: [{name: u, user: {token: t}}]", ""));
            Path settings = work.resolve("valence.toml");
            Files.writeString(settings, "[executors.k8s]\n");
            Map<String, String> env = Map.of("VALENCE_CDS_DIR", work.resolve("cds").toString(),
                    "VALENCE_CONFIG", settings.toString(), "KUBECONFIG", kubeconfig.toString(),
                    "HOME", work.toString());
            Map<String, List<String>> commands = new LinkedHashMap<>();
            commands.put("java -version (baseline)", List.of(java(), "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                    "-version"));
            commands.put("valence --help", List.of(bin.toString(), "--help"));
            commands.put("valence config", List.of(bin.toString(), "config"));
            commands.put("valence jobs list, refused, fabric8", List.of(bin.toString(), "jobs", "list",
                    "--set", "cluster_client=fabric8"));
            commands.put("valence jobs list, refused, official", List.of(bin.toString(), "jobs", "list",
                    "--set", "cluster_client=official"));

            long first = time(List.of(bin.toString(), "--help"), env, work);
            Map<String, Samples> samples = new LinkedHashMap<>();
            commands.keySet().forEach(k -> samples.put(k, new Samples()));
            for (int i = 0; i < runs; i++) {
                for (Map.Entry<String, List<String>> c : commands.entrySet()) {
                    samples.get(c.getKey()).add(time(c.getValue(), env, work));
                }
            }
            out.printf("CLI start, whole command (%d runs each, interleaved; archive made by a first '--help': %.0f ms)%n",
                    runs, Samples.ms(first));
            Table t = new Table("command", "median ms", "min ms", "max ms", "× java -version");
            long base = samples.get("java -version (baseline)").median();
            samples.forEach((k, s) -> t.row(k, Samples.ms(s.median()), Samples.ms(s.min()), Samples.ms(s.max()),
                    (double) s.median() / Math.max(1, base)));
            t.print(out);
            out.printf("refused connection, whole command: fabric8 %.0f ms, official %.0f ms (goal <= 500 ms)%n",
                    Samples.ms(samples.get("valence jobs list, refused, fabric8").median()),
                    Samples.ms(samples.get("valence jobs list, refused, official").median()));
            out.printf("valence --help: %.0f ms (goal <= 300 ms)%n", Samples.ms(samples.get("valence --help").median()));
        } finally {
            try (Stream<Path> files = Files.walk(work)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** Start to exit of one process; its output is discarded (kept in the work folder when it fails oddly). */
    private static long time(List<String> command, Map<String, String> env, Path work)
            throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(new ArrayList<>(command)).redirectErrorStream(true)
                .redirectOutput(work.resolve("last-output.txt").toFile());
        pb.environment().putAll(env);
        pb.environment().remove("VALENCE_CDS");
        long start = System.nanoTime();
        Process p = pb.start();
        int code = p.waitFor();
        long took = System.nanoTime() - start;
        if (code > 1) {
            throw new IllegalStateException(String.join(" ", command) + " exited " + code + ": "
                    + Files.readString(work.resolve("last-output.txt"), StandardCharsets.UTF_8));
        }
        return took;
    }
}
