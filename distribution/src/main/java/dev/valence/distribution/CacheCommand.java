package dev.valence.distribution;

import dev.valence.api.ErrorKind;
import dev.valence.api.ValenceException;
import dev.valence.core.CacheEntries;
import dev.valence.spi.ArtifactStore;
import jakarta.inject.Inject;
import jakarta.inject.Provider;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Predicate;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code valence cache}: the memoized task outputs under {@code cache/} of the data store. */
@Command(name = "cache", mixinStandardHelpOptions = true,
        description = {"Memoized task outputs (tasks with cache = true), under cache/ of the data store.",
                "Each entry records its key's parts (task, code, call, image or class path), so 'show' explains "
                        + "why a call hit or missed."},
        subcommands = {CacheCommand.ListEntries.class, CacheCommand.Show.class, CacheCommand.Clear.class})
final class CacheCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "say what to do: list, show or clear");
    }

    static CacheEntries entries(Provider<ArtifactStore> store) {
        return new CacheEntries(Failures.unwrapped(store::get));
    }

    static Map<String, Object> row(CacheEntries.Entry e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("key", e.key());
        m.put("task", e.task());
        m.put("created", e.created().toString());
        m.put("output_bytes", e.outputBytes());
        m.put("executor", e.executor());
        m.put("dispatch", e.dispatchId());
        m.put("node", e.nodeId());
        m.put("parts", e.parts());
        return m;
    }

    /** {@code valence cache list}. */
    @Command(name = "list", mixinStandardHelpOptions = true, description = "Lists the cached outputs, newest first.")
    static final class ListEntries implements Callable<Integer> {
        @Mixin
        OutputFormat output = new OutputFormat();

        @Option(names = "--task", paramLabel = "NAME", description = "Only the entries of this task.")
        String task;

        private final Provider<ArtifactStore> store;
        private final CliEnvironment env;

        @Inject
        ListEntries(Provider<ArtifactStore> store, CliEnvironment env) {
            this.store = store;
            this.env = env;
        }

        @Override
        public Integer call() {
            CacheEntries cache = entries(store);
            List<CacheEntries.Entry> list = cache.list().stream().filter(e -> task == null || e.task().equals(task)).toList();
            PrintWriter out = env.out();
            if (output.json()) {
                out.println(Json.write(list.stream().map(CacheCommand::row).toList()));
            } else if (list.isEmpty()) {
                out.println("no cached outputs in " + cache.location() + (task == null ? "" : " for task " + task));
            } else {
                Table t = Table.of("KEY", "TASK", "AGE", "BYTES", "EXECUTOR", "FROM");
                list.forEach(e -> t.row(CacheEntries.shortForm(e.key()), e.task(), JobsCommand.age(e.created()),
                        e.outputBytes(), e.executor(), e.dispatchId().isEmpty() ? "-" : e.dispatchId() + "/" + e.nodeId()));
                t.print(out);
            }
            out.flush();
            return 0;
        }
    }

    /** {@code valence cache show KEY [--against KEY]}. */
    @Command(name = "show", mixinStandardHelpOptions = true,
            description = {"Shows an entry and its key's parts; with --against, the parts in which two entries differ.",
                    "Without --against, the other entries of the same task are compared with it: a call that missed "
                            + "this entry made one of them, and the parts that differ say why."})
    static final class Show implements Callable<Integer> {
        @Mixin
        OutputFormat output = new OutputFormat();

        @Parameters(index = "0", paramLabel = "KEY", description = "The key, or its first digits (at least 6).")
        String key;

        @Option(names = "--against", paramLabel = "KEY", description = "Another entry's key, to compare with.")
        String against;

        private final Provider<ArtifactStore> store;
        private final CliEnvironment env;

        @Inject
        Show(Provider<ArtifactStore> store, CliEnvironment env) {
            this.store = store;
            this.env = env;
        }

        @Override
        public Integer call() {
            CacheEntries cache = entries(store);
            CacheEntries.Entry e = cache.find(key);
            List<CacheEntries.Entry> others = new ArrayList<>();
            if (against != null) {
                others.add(cache.find(against));
            } else {
                cache.list().stream().filter(o -> o.task().equals(e.task()) && !o.key().equals(e.key())).forEach(others::add);
            }
            PrintWriter out = env.out();
            if (output.json()) {
                Map<String, Object> m = row(e);
                List<Map<String, Object>> diffs = new ArrayList<>();
                for (CacheEntries.Entry o : others) {
                    Map<String, Object> d = new LinkedHashMap<>();
                    d.put("key", o.key());
                    Map<String, Object> parts = new LinkedHashMap<>();
                    CacheEntries.differences(e, o).forEach((n, v) -> parts.put(n, List.of(v[0], v[1])));
                    d.put("differing_parts", parts);
                    diffs.add(d);
                }
                m.put("compared", diffs);
                out.println(Json.write(m));
                out.flush();
                return 0;
            }
            out.println("key       " + e.key());
            out.println("task      " + e.task());
            out.println("created   " + e.created() + " (" + JobsCommand.age(e.created()) + " ago)");
            out.println("output    " + e.outputBytes() + " bytes, sha256 " + CacheEntries.shortForm(e.outputSha256()));
            out.println("made by   " + e.executor() + (e.dispatchId().isEmpty() ? "" : ", dispatch " + e.dispatchId()
                    + " node " + e.nodeId()));
            out.println("parts:");
            Table parts = Table.of("  PART", "VALUE");
            e.parts().forEach((n, v) -> parts.row("  " + n, CacheEntries.shortForm(v)));
            parts.print(out);
            for (CacheEntries.Entry o : others) {
                Map<String, String[]> diff = CacheEntries.differences(e, o);
                out.println();
                out.println("against " + CacheEntries.shortForm(o.key()) + " (" + JobsCommand.age(o.created())
                        + " old): " + (diff.isEmpty() ? "no part differs" : "differs in " + String.join(", ", diff.keySet())));
                if (!diff.isEmpty()) {
                    Table t = Table.of("  PART", CacheEntries.shortForm(e.key()), CacheEntries.shortForm(o.key()));
                    diff.forEach((n, v) -> t.row("  " + n, CacheEntries.shortForm(v[0]), CacheEntries.shortForm(v[1])));
                    t.print(out);
                }
            }
            if (against == null && others.isEmpty()) {
                out.println();
                out.println("no other entry of task " + e.task() + " to compare with");
            }
            out.flush();
            return 0;
        }
    }

    /** {@code valence cache clear}. */
    @Command(name = "clear", mixinStandardHelpOptions = true,
            description = "Deletes cached outputs: one entry, a task's, the ones older than a duration, or all.")
    static final class Clear implements Callable<Integer> {
        @Option(names = "--key", paramLabel = "KEY", description = "The entry with this key (or its first digits).")
        String key;

        @Option(names = "--task", paramLabel = "NAME", description = "Every entry of this task.")
        String task;

        @Option(names = "--older-than", paramLabel = "DURATION",
                description = "Entries older than this (ISO-8601 such as PT12H or P7D, or 90s, 30m, 12h, 7d).")
        String olderThan;

        @Option(names = "--all", description = "Every entry (unreadable ones too).")
        boolean all;

        @Spec
        CommandSpec spec;

        private final Provider<ArtifactStore> store;
        private final CliEnvironment env;

        @Inject
        Clear(Provider<ArtifactStore> store, CliEnvironment env) {
            this.store = store;
            this.env = env;
        }

        @Override
        public Integer call() {
            if (!all && key == null && task == null && olderThan == null) {
                throw new ParameterException(spec.commandLine(),
                        "say what to clear: --key KEY, --task NAME, --older-than DURATION or --all");
            }
            CacheEntries cache = entries(store);
            PrintWriter out = env.out();
            if (all) {
                int n = cache.list().size();
                cache.clearAll();
                out.println("cleared " + n + " cached output(s) from " + cache.location());
                out.flush();
                return 0;
            }
            Predicate<CacheEntries.Entry> which = e -> true;
            if (key != null) {
                String full = cache.find(key).key();
                which = which.and(e -> e.key().equals(full));
            }
            if (task != null) {
                which = which.and(e -> e.task().equals(task));
            }
            if (olderThan != null) {
                Instant before = Instant.now().minus(duration(olderThan));
                which = which.and(e -> e.created().isBefore(before));
            }
            int n = cache.clear(which);
            out.println("cleared " + n + " cached output(s) from " + cache.location());
            out.flush();
            return 0;
        }

        private static Duration duration(String s) {
            String v = s.trim().toLowerCase(java.util.Locale.ROOT);
            try {
                if (v.startsWith("p")) {
                    return Duration.parse(v.toUpperCase(java.util.Locale.ROOT));
                }
                long n = Long.parseLong(v.substring(0, v.length() - 1));
                return switch (v.charAt(v.length() - 1)) {
                    case 's' -> Duration.ofSeconds(n);
                    case 'm' -> Duration.ofMinutes(n);
                    case 'h' -> Duration.ofHours(n);
                    case 'd' -> Duration.ofDays(n);
                    default -> throw new NumberFormatException();
                };
            } catch (RuntimeException e) {
                throw new ValenceException(ErrorKind.CONFIG, "--older-than '" + s + "' is not valid: expected a "
                        + "duration such as 90s, 30m, 12h, 7d or ISO-8601 (PT12H, P7D)");
            }
        }
    }
}
