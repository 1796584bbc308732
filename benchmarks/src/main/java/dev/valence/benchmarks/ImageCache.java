package dev.valence.benchmarks;

import dev.valence.api.Settings;
import dev.valence.core.BenchmarkAccess;
import dev.valence.core.KubernetesExecutor;
import dev.valence.spi.CredentialProvider;
import dev.valence.spi.ImageBuilder;
import dev.valence.spi.ImageRef;
import dev.valence.spi.Plugins;
import dev.valence.tck.image.RegistryBed;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Issue 7: the task image cache, against Jib's own builds of the same image, in the same run, on
 * the real CNCF registry ({@code docker-registry}) on loopback. Three steps, each measured for
 * Valence ({@code ensure}: content hash, cache file, exists check, then build and push only when
 * needed) and for jib-core directly: the first build and push; a rebuild of an unchanged class
 * path; a rebuild after one user class was edited and recompiled. Blob uploads are counted from the
 * registry's access log, and their bytes summed from the manifests.
 */
public final class ImageCache {
    private static final String JIB_REPO = "jib-baseline";

    private ImageCache() {
    }

    /**
     * Options: {@code --dep-jars=all} (or how many of this JVM's class-path jars go in the image),
     * {@code --classes=40} (user classes), {@code --unchanged=10}, {@code --edits=5}.
     */
    public static void main(String[] args) throws Exception {
        Logging.quiet();
        run(Options.parse(args), System.out);
    }

    static void run(Options o, PrintStream out) throws Exception {
        o.only("dep-jars", "classes", "unchanged", "edits");
        String depJars = o.string("dep-jars", "all");
        int classCount = o.integer("classes", 40);
        int unchangedRuns = o.integer("unchanged", 10);
        int edits = o.integer("edits", 5);
        Path work = Files.createTempDirectory("valence-bench-image");
        try (RegistryBed registry = RegistryBed.start()) {
            UserProject project = new UserProject(work.resolve("user"), classCount);
            List<Path> classpath = new ArrayList<>(dependencyJars(depJars));
            long depBytes = 0;
            for (Path p : classpath) {
                depBytes += Files.size(p);
            }
            int jars = classpath.size();
            classpath.add(project.compileAll());

            Settings settings = KubernetesExecutor.builder()
                    .environment(Map.of())
                    .userHome(work)
                    .registry(registry.host())
                    .baseImage("scratch")
                    .cacheDir(work.resolve("cache"))
                    .dataStore(work.resolve("store").toString())
                    .clusterClient("fabric8")
                    .buildSettings();
            Plugins plugins = Plugins.load(ImageCache.class.getClassLoader());
            ImageBuilder builder = plugins.imageBuilder(settings.registry()).create(settings);
            List<CredentialProvider> credentials = plugins.credentialProviders().stream().map(f -> f.create(settings))
                    .toList();
            BenchmarkAccess.Images images = BenchmarkAccess.images(settings, builder, credentials, classpath);
            JibBaseline jib = new JibBaseline(registry.host() + "/" + JIB_REPO, work.resolve("jib-cache"));
            String repo = settings.imageRepo();

            out.printf("Task image cache (issue 7): registry docker-registry on %s, base scratch; image = %d dependency "
                    + "jars (%.1f MB) + Valence runtime + %d user classes; %d unchanged rebuilds, %d one-class edits; "
                    + "%d cores, Java %s%n", registry.host(), jars, depBytes / 1e6, classCount, unchangedRuns, edits,
                    Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"));

            Step cold = new Step("first build + push");
            Step unchanged = new Step("unchanged class path");
            Step edited = new Step("one class edited");

            // first build and push: Valence, then Jib (each to its own repository, so each pushes everything)
            int mark = registry.mark();
            long t0 = System.nanoTime();
            ImageRef ref = images.ensure();
            cold.valence.add(System.nanoTime() - t0);
            cold.valenceUploads(registry, mark, repo, ref.digest());
            mark = registry.mark();
            t0 = System.nanoTime();
            String jibDigest = jib.build(images.spec(), "cold");
            cold.jib.add(System.nanoTime() - t0);
            cold.jibUploads(registry, mark, jibDigest);

            Samples hash = new Samples();
            for (int i = 0; i < unchangedRuns; i++) {
                boolean valenceFirst = i % 2 == 0;
                for (int side = 0; side < 2; side++) {
                    if ((side == 0) == valenceFirst) {
                        mark = registry.mark();
                        t0 = System.nanoTime();
                        ImageRef again = images.ensure();
                        unchanged.valence.add(System.nanoTime() - t0);
                        if (!again.digest().equals(ref.digest())) {
                            throw new IllegalStateException("unchanged class path gave digest " + again.digest()
                                    + ", first build " + ref.digest());
                        }
                        unchanged.valenceUploads(registry, mark, repo, again.digest());
                    } else {
                        mark = registry.mark();
                        t0 = System.nanoTime();
                        String d = jib.build(images.spec(), "unchanged");
                        unchanged.jib.add(System.nanoTime() - t0);
                        unchanged.jibUploads(registry, mark, d);
                    }
                }
                t0 = System.nanoTime();
                images.hash();
                hash.add(System.nanoTime() - t0);
            }

            for (int i = 1; i <= edits; i++) {
                project.editOneClass(i);
                boolean valenceFirst = i % 2 == 1;
                for (int side = 0; side < 2; side++) {
                    if ((side == 0) == valenceFirst) {
                        mark = registry.mark();
                        t0 = System.nanoTime();
                        ImageRef changed = images.ensure();
                        edited.valence.add(System.nanoTime() - t0);
                        edited.valenceUploads(registry, mark, repo, changed.digest());
                    } else {
                        mark = registry.mark();
                        t0 = System.nanoTime();
                        String d = jib.build(images.spec(), "edit-" + i);
                        edited.jib.add(System.nanoTime() - t0);
                        edited.jibUploads(registry, mark, d);
                    }
                }
            }

            Table table = new Table("step", "way", "runs", "median ms", "min ms", "max ms", "blobs up / run",
                    "layers up / run", "MB up / run", "× Jib");
            for (Step s : List.of(cold, unchanged, edited)) {
                s.rows(table);
            }
            table.print(out);
            out.printf(Locale.ROOT, "unchanged: the content hash alone (reads every file of every layer) took %.1f ms "
                    + "(median), the rest of ensure (cache file + one manifest HEAD) %.1f ms%n",
                    Samples.ms(hash.median()), Samples.ms(unchanged.valence.median() - hash.median()));
            out.printf(Locale.ROOT, "goal, unchanged: 0 layers pushed and <= 100 ms: %s (%.0f layers/run, %.1f ms)%n",
                    unchanged.valenceLayers == 0 && unchanged.valence.median() <= 100_000_000L ? "met" : "MISSED",
                    (double) unchanged.valenceLayers / unchanged.valence.count(), Samples.ms(unchanged.valence.median()));
            double editRatio = (double) edited.valence.median() / edited.jib.median();
            out.printf(Locale.ROOT, "goal, one class edited: <= 1.5× Jib's own incremental build: %s (%.2f×, %.0f "
                    + "layer(s)/run pushed)%n", editRatio <= 1.5 ? "met" : "MISSED", editRatio,
                    (double) edited.valenceLayers / Math.max(1, edited.valence.count()));
        } finally {
            Files2.deleteTree(work);
        }
    }

    /** This JVM's class-path jars (the first {@code n}, or all). */
    static List<Path> dependencyJars(String n) {
        List<Path> jars = new ArrayList<>();
        for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path p = Path.of(e).toAbsolutePath().normalize();
            if (e.endsWith(".jar") && Files.isRegularFile(p) && !jars.contains(p)) {
                jars.add(p);
            }
        }
        if (n.equals("all")) {
            return jars;
        }
        int limit;
        try {
            limit = Integer.parseInt(n);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--dep-jars=" + n + ": give 'all' or a whole number");
        }
        return jars.subList(0, Math.min(limit, jars.size()));
    }

    /** One step, measured both ways, with the uploads each made. */
    private static final class Step {
        final String name;
        final Samples valence = new Samples();
        final Samples jib = new Samples();
        long valenceBlobs;
        long valenceLayers;
        long valenceBytes;
        long jibBlobs;
        long jibLayers;
        long jibBytes;

        Step(String name) {
            this.name = name;
        }

        void valenceUploads(RegistryBed registry, int mark, String repo, String digest) {
            long[] u = uploads(registry, mark, repo, digest);
            valenceBlobs += u[0];
            valenceLayers += u[1];
            valenceBytes += u[2];
        }

        void jibUploads(RegistryBed registry, int mark, String digest) {
            long[] u = uploads(registry, mark, JIB_REPO, digest);
            jibBlobs += u[0];
            jibLayers += u[1];
            jibBytes += u[2];
        }

        /** Blobs, layers and bytes uploaded since {@code mark}, sized from the image's manifest. */
        private static long[] uploads(RegistryBed registry, int mark, String repo, String digest) {
            List<String> up = registry.blobUploadsSince(mark);
            RegistryBed.Manifest m = registry.manifest(repo, digest).orElseThrow(() ->
                    new IllegalStateException("no manifest " + repo + "@" + digest + " in the registry"));
            Map<String, Long> sizes = sizes(m);
            long layers = up.stream().filter(m.layerDigests()::contains).count();
            long bytes = 0;
            for (String d : up) {
                bytes += sizes.getOrDefault(d, 0L);
            }
            return new long[] {up.size(), layers, bytes};
        }

        @SuppressWarnings("unchecked")
        private static Map<String, Long> sizes(RegistryBed.Manifest m) {
            Map<String, Long> out = new HashMap<>();
            List<Object> blobs = new ArrayList<>((List<Object>) m.json().getOrDefault("layers", List.of()));
            blobs.add(m.json().get("config"));
            for (Object o : blobs) {
                Map<String, Object> b = (Map<String, Object>) o;
                out.put((String) b.get("digest"), ((BigDecimal) b.get("size")).longValue());
            }
            return out;
        }

        void rows(Table t) {
            row(t, "Valence ensure", valence, valenceBlobs, valenceLayers, valenceBytes);
            row(t, "Jib containerize", jib, jibBlobs, jibLayers, jibBytes);
        }

        private void row(Table t, String way, Samples s, long blobs, long layers, long bytes) {
            int n = Math.max(1, s.count());
            t.row(name, way, s.count(), Samples.ms(s.median()), Samples.ms(s.min()), Samples.ms(s.max()),
                    (double) blobs / n, (double) layers / n, bytes / 1e6 / n, (double) s.median() / jib.median());
        }
    }
}
