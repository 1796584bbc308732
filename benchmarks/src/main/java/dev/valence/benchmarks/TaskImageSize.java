package dev.valence.benchmarks;

import dev.valence.core.BenchmarkAccess;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Issue 21: how much of a class path goes into the task image over the base. Default: the assembled
 * distribution's {@code lib/} (what {@code valence run} of the demo puts in its image) with store-local as
 * the store in use; the whole class path was the image's content before the client-only side was left out.
 */
public final class TaskImageSize {
    private TaskImageSize() {
    }

    /** Runs with {@code --lib=<dir>} (default {@code distribution/target/valence/lib}) and {@code --store=store-local}. */
    public static void main(String[] args) throws IOException {
        run(Options.parse(args), System.out);
    }

    static void run(Options o, PrintStream out) throws IOException {
        Path lib = Path.of(o.string("lib", "distribution/target/valence/lib"));
        String storeName = o.string("store", "store-local");
        List<Path> jars;
        try (Stream<Path> files = Files.list(lib)) {
            jars = files.filter(p -> p.toString().endsWith(".jar")).sorted().toList();
        }
        Optional<Path> store = jars.stream().filter(p -> p.getFileName().toString().startsWith(storeName + "-")).findFirst();
        List<Path> kept = BenchmarkAccess.taskClassPath(jars, store);
        long all = size(jars);
        long slim = size(kept);
        Table t = new Table("class path", "jars", "MB");
        t.row("whole lib/ (before)", jars.size(), String.format("%.1f", all / 1e6));
        t.row("task image (after)", kept.size(), String.format("%.1f", slim / 1e6));
        t.print(out);
        out.printf("task image over the base: %.1f MB of %.1f MB (%.0f%%); goal <= 15 MB%n", slim / 1e6, all / 1e6,
                100.0 * slim / Math.max(1, all));
        out.println("kept: " + kept.stream().map(p -> p.getFileName().toString()).toList());
    }

    private static long size(List<Path> files) throws IOException {
        long n = 0;
        for (Path p : files) {
            n += Files.size(p);
        }
        return n;
    }
}
