package dev.valence.core;

import dev.valence.api.ErrorKind;
import dev.valence.api.Settings;
import dev.valence.api.ValenceException;
import dev.valence.core.plugin.PluginClassLoader;
import dev.valence.core.plugin.PluginFolder;
import dev.valence.spi.ArtifactStore;
import dev.valence.spi.PluginFactory;
import dev.valence.spi.Plugins;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.NotSerializableException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The task image's entrypoint: reads the task's input from the store named by the pod's
 * environment, runs the function, and writes the output (value or exception) atomically.
 * The task's own stdout and stderr go to the container's, so {@code kubectl logs} shows them.
 * Exit code 0: the function returned; 1: it threw; 2: the launcher could not do its job.
 */
public final class Launcher {
    /** Env variable holding the dispatch id. */
    public static final String DISPATCH_ENV = "VALENCE_DISPATCH_ID";
    /** Env variable holding the node id. */
    public static final String NODE_ENV = "VALENCE_NODE_ID";

    static final int OK = 0;
    static final int TASK_FAILED = 1;
    static final int LAUNCHER_FAILED = 2;

    private Launcher() {
    }

    /**
     * Runs one task as the pod's environment describes it and exits with its code; {@code args[0]}, when
     * given, is the image's plugins folder (the store plugin, on a class loader of its own).
     */
    public static void main(String[] args) {
        Optional<Path> plugins = args.length > 0 ? Optional.of(Path.of(args[0])) : Optional.empty();
        System.exit(run(System.getenv(), Thread.currentThread().getContextClassLoader(), System.err, plugins));
    }

    /**
     * Runs one task as a pod with this environment would, writing the launcher's own lines to
     * {@code log}; returns the exit code. For embedding (and for test stand-ins of a pod).
     */
    public static int run(Map<String, String> env, ClassLoader loader, PrintStream log) {
        return run(env, loader, log, Optional.empty());
    }

    /**
     * As {@link #run(Map, ClassLoader, PrintStream)}, with the adapters of {@code pluginsDir} too: each
     * plugin on its own {@link PluginClassLoader}, as the CLI loads them.
     */
    public static int run(Map<String, String> env, ClassLoader loader, PrintStream log, Optional<Path> pluginsDir) {
        String dispatch = env.get(DISPATCH_ENV);
        String node = env.get(NODE_ENV);
        if (dispatch == null || node == null) {
            log.println("[valence] " + DISPATCH_ENV + " and " + NODE_ENV + " must be set; this image runs Valence tasks");
            return LAUNCHER_FAILED;
        }
        String prefix = dispatch + "/" + node + "/";
        Plugins plugins = plugins(loader, pluginsDir, log);
        Settings settings;
        ArtifactStore store;
        try {
            settings = plugins.declareKeys(Settings.builder().environmentValues(env).environment(env)).build();
            store = plugins.artifactStore(settings.dataStore()).openInPod(settings);
        } catch (ValenceException e) {
            log.println("[valence] cannot open the data store: " + e.getMessage());
            return LAUNCHER_FAILED;
        }
        if (env.containsKey(MapJobs.SIZE_ENV)) {
            try (store) {
                return runElement(env, store, prefix, settings, loader, log);
            } catch (IOException | RuntimeException e) {
                log.println("[valence] " + e.getMessage());
                return LAUNCHER_FAILED;
            }
        }
        try (store) {
            PayloadCodec.Input input;
            try (InputStream in = store.get(prefix + "input")) {
                input = PayloadCodec.decodeInput(in, store.describe(prefix + "input"), loader);
            }
            log.println("[valence] running task '" + input.taskName() + "' (" + dispatch + "/" + node + "), "
                    + sinceStart() + " after the JVM started");
            PayloadCodec.Output output;
            int code;
            try {
                Object value = input.body().invoke(input.args().toArray());
                output = PayloadCodec.Output.value(value);
                code = OK;
            } catch (Throwable t) {
                t.printStackTrace(log);
                output = PayloadCodec.Output.error(PayloadCodec.portable(t));
                code = TASK_FAILED;
            }
            System.out.flush();
            if (!write(store, prefix + "output", prefix + "output", output, settings.maxOutputBytes(), input.taskName(), log)) {
                code = TASK_FAILED;
            }
            log.println("[valence] task '" + input.taskName() + "' " + (code == OK ? "returned" : "threw")
                    + "; output written to " + store.describe(prefix + "output"));
            return code;
        } catch (ValenceException | IOException e) {
            log.println("[valence] " + e.getMessage());
            return LAUNCHER_FAILED;
        }
    }

    /**
     * One element of a map (an Indexed Job's pod): the element of {@code JOB_COMPLETION_INDEX} (through
     * {@code indexes} when only some run), run with its retries; its value goes to {@code out/<i>}, its
     * exception to {@code err/<i>}. Exit 0 either way: the element's failure is in the store, so Kubernetes
     * does not run the pod again for the task's own exception and the other elements go on; a pod that dies
     * (memory, eviction) or cannot reach the store is retried per index (or per Job before 1.33).
     */
    private static int runElement(Map<String, String> env, ArtifactStore store, String prefix, Settings settings,
            ClassLoader loader, PrintStream log) throws IOException {
        String completion = env.get(MapJobs.COMPLETION_INDEX_ENV);
        if (completion == null) {
            log.println("[valence] " + MapJobs.COMPLETION_INDEX_ENV + " is not set: a map's pod runs in an Indexed Job");
            return LAUNCHER_FAILED;
        }
        int index = Integer.parseInt(completion.trim());
        if (env.containsKey(MapJobs.INDEXES_ENV)) {
            List<String> lines = new String(store.getBytes(MapJobs.indexes(prefix)), StandardCharsets.UTF_8).lines().toList();
            index = Integer.parseInt(lines.get(index).trim());
        }
        int retries = Integer.parseInt(env.getOrDefault(MapJobs.RETRIES_ENV, "0"));
        PayloadCodec.Input input;
        try (InputStream in = store.get(prefix + "input")) {
            input = PayloadCodec.decodeInput(in, store.describe(prefix + "input"), loader);
        }
        Object element;
        try (InputStream in = store.get(MapJobs.item(prefix, index))) {
            element = PayloadCodec.decodeOutput(in, store.describe(MapJobs.item(prefix, index)), loader).value();
        }
        log.println("[valence] running element " + index + " of " + env.get(MapJobs.SIZE_ENV) + " of the map of task '"
                + input.taskName() + "' (" + prefix + ")");
        PayloadCodec.Output output = MapElements.run(input.body(), element, retries, index, log);
        if (!output.ok()) {
            output.error().printStackTrace(log);
        }
        System.out.flush();
        String ok = MapJobs.out(prefix, index);
        String failed = MapJobs.err(prefix, index);
        boolean asIs = write(store, output.ok() ? ok : failed, failed, output, settings.maxOutputBytes(), input.taskName(),
                log);
        log.println("[valence] element " + index + (output.ok() && asIs ? " returned" : " failed") + "; written to "
                + store.describe(output.ok() && asIs ? ok : failed));
        return OK;
    }

    /** The adapters of the class path, then those of the plugins folder (each on its own loader). */
    private static Plugins plugins(ClassLoader loader, Optional<Path> pluginsDir, PrintStream log) {
        List<PluginFactory> all = new ArrayList<>(Plugins.load(loader).all());
        if (pluginsDir.isPresent()) {
            List<String> problems = new ArrayList<>();
            for (PluginFolder.Plugin plugin : PluginFolder.scan(pluginsDir.get(), problems)) {
                all.addAll(Plugins.load(plugin.loader(loader)).all());
            }
            problems.forEach(p -> log.println("[valence] " + p));
        }
        return Plugins.of(all);
    }

    /** How long ago this process started (JVM start, class loading, store open, input read): "812 ms". */
    private static String sinceStart() {
        return ProcessHandle.current().info().startInstant()
                .map(t -> java.time.Duration.between(t, java.time.Instant.now()).toMillis() + " ms").orElse("?");
    }

    /**
     * Serializes to a temp file (bounded), then puts it whole under {@code key} (under {@code errorKey} when
     * the output cannot be written as is): the store never holds half an output.
     */
    private static boolean write(ArtifactStore store, String key, String errorKey, PayloadCodec.Output output, long limit,
            String task, PrintStream log) throws IOException {
        Path tmp = Files.createTempFile("valence-output", ".bin");
        boolean asIs = true;
        try {
            try (OutputStream out = new Limited(Files.newOutputStream(tmp), limit)) {
                PayloadCodec.write(out, output);
            } catch (NotSerializableException e) {
                ValenceException error = PayloadCodec.notSerializable(task, output, e);
                log.println("[valence] " + error.getMessage());
                asIs = false;
                try (OutputStream out = Files.newOutputStream(tmp)) {
                    PayloadCodec.write(out, PayloadCodec.Output.error(error));
                }
            } catch (TooLarge e) {
                String msg = "task '" + task + "' output is larger than max_output_bytes (" + limit + " bytes)";
                log.println("[valence] " + msg);
                asIs = false;
                try (OutputStream out = Files.newOutputStream(tmp)) {
                    PayloadCodec.write(out, PayloadCodec.Output.error(new ValenceException(ErrorKind.PAYLOAD, msg)));
                }
            }
            try (InputStream in = Files.newInputStream(tmp)) {
                store.put(asIs ? key : errorKey, in);
            }
            return asIs;
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static final class TooLarge extends IOException {
        private static final long serialVersionUID = 1L;
    }

    private static final class Limited extends FilterOutputStream {
        private final long limit;
        private long count;

        Limited(OutputStream out, long limit) {
            super(out);
            this.limit = limit;
        }

        @Override
        public void write(int b) throws IOException {
            count(1);
            out.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            count(len);
            out.write(b, off, len);
        }

        private void count(long n) throws TooLarge {
            count += n;
            if (count > limit) {
                throw new TooLarge();
            }
        }
    }
}
