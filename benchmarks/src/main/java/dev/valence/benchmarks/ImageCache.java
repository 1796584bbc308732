package dev.valence.benchmarks;

import dev.valence.api.Settings;
import dev.valence.core.BenchmarkAccess;
import dev.valence.core.KubernetesExecutor;
import dev.valence.spi.CredentialProvider;
import dev.valence.spi.ImageBuilder;
import dev.valence.spi.ImageRef;
import dev.valence.spi.ImageSpec;
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
import java.util.function.Supplier;

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
     * {@code --classes=40} (user classes), {@code --cold=2} (first builds, each to fresh repositories and
     * caches), {@code --unchanged=10}, {@code --edits=5}.
     */
    public static void main(String[] args) throws Exception {
        Logging.quiet();
        run(Options.parse(args), System.out);
    }

    static void run(Options o, PrintStream out) throws Exception {
        o.only("dep-jars", "classes", "cold", "unchanged", "edits");
        String depJars = o.string("dep-jars", "all");
        int classCount = o.integer("classes", 40);
        int coldRuns = o.integer("cold", 2);
        int unchangedRuns = o.integer("unchanged", 10);
        int edits = o.integer("edits", 5);
        if (coldRuns < 1) {
            throw new IllegalArgumentException("--cold=" + coldRuns + ": at least one first build is needed");
        }
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

            String repo = "valence-task";
            ImageBuilder[] builderOut = new ImageBuilder[1];
            // a new executor (a new process) builds its own TaskImages: each ensure measured below gets a fresh one,
            // as a user's next run would, so nothing hashed in memory by an earlier call is reused
            Supplier<BenchmarkAccess.Images> newExecutor = images(registry, work.resolve("cache"), repo, classpath,
                    builderOut);
            BenchmarkAccess.Images images = newExecutor.get();
            ImageBuilder builder = builderOut[0];
            JibBaseline jib = new JibBaseline(registry.host() + "/" + JIB_REPO, work.resolve("jib-cache"));

            out.printf("Task image cache (issue 7): registry docker-registry on %s, base scratch; image = %d dependency "
                    + "jars (%.1f MB) + Valence runtime + %d user classes; %d first builds, %d unchanged rebuilds, "
                    + "%d one-class edits, Valence and Jib alternating; %d cores, Java %s%n", registry.host(), jars,
                    depBytes / 1e6, classCount, coldRuns, unchangedRuns, edits,
                    Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"));

            Step cold = new Step("first build + push");
            Step unchanged = new Step("unchanged class path");
            Step edited = new Step("one class edited");

            // warm the JIT and the page cache for both sides alike: read every file once, build a tiny image
            images.hash(images.spec());
            new JibBaseline(registry.host() + "/warm-up", work.resolve("warm-up")).build(ImageSpec.builder()
                    .baseImage("scratch").target("unused").entrypoint(List.of("true"))
                    .layer(new ImageSpec.Layer("tiny", List.of(new ImageSpec.Entry(project.classes().resolve("bench")
                            .resolve("user").resolve("C0.class"), "/C0.class"))))
                    .build(), "warm");

            // first builds: each to fresh repositories with fresh caches, so each pushes everything
            ImageRef ref = null;
            for (int i = 0; i < coldRuns; i++) {
                boolean valenceFirst = i % 2 == 0;
                for (int side = 0; side < 2; side++) {
                    int mark = registry.mark();
                    long t0 = System.nanoTime();
                    if ((side == 0) == valenceFirst) {
                        String r = i == 0 ? repo : "valence-cold-" + i;
                        BenchmarkAccess.Images fresh = i == 0 ? newExecutor.get()
                                : images(registry, work.resolve("cold-" + i).resolve("cache"), r, classpath,
                                        new ImageBuilder[1]).get();
                        ImageRef built = fresh.ensure();
                        cold.valence.add(System.nanoTime() - t0);
                        cold.valenceUploads(registry, mark, r, built.digest());
                        ref = i == 0 ? built : ref;
                    } else {
                        String r = i == 0 ? JIB_REPO : "jib-cold-" + i;
                        String d = (i == 0 ? jib : new JibBaseline(registry.host() + "/" + r,
                                work.resolve("cold-" + i).resolve("jib-cache"))).build(images.spec(), "cold");
                        cold.jib.add(System.nanoTime() - t0);
                        cold.uploads(registry, mark, r, d, false);
                    }
                }
            }
            int mark;
            long t0;

            Samples specTimes = new Samples();
            Samples hash = new Samples();
            Samples exists = new Samples();
            Samples sameExecutor = new Samples();
            for (int i = 0; i < unchangedRuns; i++) {
                boolean valenceFirst = i % 2 == 0;
                for (int side = 0; side < 2; side++) {
                    if ((side == 0) == valenceFirst) {
                        mark = registry.mark();
                        t0 = System.nanoTime();
                        ImageRef again = newExecutor.get().ensure();
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
                ImageSpec spec = images.spec();
                long t1 = System.nanoTime();
                String h = images.hash(spec);
                long t2 = System.nanoTime();
                ImageSpec tagged = spec.toBuilder().target(registry.host() + "/" + repo + ":" + h).allowInsecure(true)
                        .build();
                if (!builder.exists(ref, tagged)) {
                    throw new IllegalStateException("image " + ref.pinned() + " not found in the registry");
                }
                specTimes.add(t1 - t0);
                hash.add(t2 - t1);
                exists.add(System.nanoTime() - t2);
                BenchmarkAccess.Images same = newExecutor.get();
                same.ensure();
                t0 = System.nanoTime();
                same.ensure();
                sameExecutor.add(System.nanoTime() - t0);
            }

            // one class edited: Valence's ensure, Jib's own build, and Valence's ImageBuilder.build alone (no
            // content hash, no cache file: what ensure adds shows), each to its own repository, order rotating
            Samples buildOnly = new Samples();
            for (int i = 1; i <= edits; i++) {
                project.editOneClass(i);
                for (int k = 0; k < 3; k++) {
                    int way = (i + k) % 3;
                    mark = registry.mark();
                    t0 = System.nanoTime();
                    if (way == 0) {
                        ImageRef changed = newExecutor.get().ensure();
                        edited.valence.add(System.nanoTime() - t0);
                        edited.valenceUploads(registry, mark, repo, changed.digest());
                    } else if (way == 1) {
                        String d = jib.build(images.spec(), "edit-" + i);
                        edited.jib.add(System.nanoTime() - t0);
                        edited.jibUploads(registry, mark, d);
                    } else {
                        builder.build(images.spec().toBuilder().target(registry.host() + "/valence-build-only:edit-" + i)
                                .allowInsecure(true).build());
                        buildOnly.add(System.nanoTime() - t0);
                    }
                }
            }

            Table table = new Table("step", "way", "runs", "median ms", "min ms", "max ms", "blobs up / run",
                    "layers up / run", "MB up / run", "× Jib");
            for (Step s : List.of(cold, unchanged, edited)) {
                s.rows(table);
            }
            table.print(out);
            out.printf(Locale.ROOT, "unchanged, Valence ensure in parts (medians, measured apart): the layers' file "
                    + "lists %.1f ms (class path walk, each jar opened to tell Valence's own), the content hash %.1f ms "
                    + "(reads every file of every layer), the registry check %.1f ms (ImageBuilder.exists: client "
                    + "set-up, auth probe, manifest HEAD)%n",
                    Samples.ms(specTimes.median()), Samples.ms(hash.median()), Samples.ms(exists.median()));
            out.printf(Locale.ROOT, "unchanged, the same executor asked again (its next task): %.1f ms (median)%n",
                    Samples.ms(sameExecutor.median()));
            out.printf(Locale.ROOT, "one class edited: Valence's ImageBuilder.build alone (file lists given, no hash, no "
                    + "cache file) took %.1f ms (median of %d; %.2f× Jib's own build); ensure adds the file lists and "
                    + "the content hash to it%n", Samples.ms(buildOnly.median()), buildOnly.count(),
                    (double) buildOnly.median() / Math.max(1, edited.jib.median()));
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

    /** New executors' image steps for a class path, to {@code repo} in the registry, with its cache in {@code cacheDir}. */
    private static Supplier<BenchmarkAccess.Images> images(RegistryBed registry, Path cacheDir, String repo,
                                                           List<Path> classpath, ImageBuilder[] builderOut) {
        Settings settings = KubernetesExecutor.builder()
                .environment(Map.of())
                .userHome(cacheDir.getParent())
                .registry(registry.host())
                .imageRepo(repo)
                .baseImage("scratch")
                .cacheDir(cacheDir)
                .dataStore(cacheDir.resolveSibling("store").toString())
                .clusterClient("fabric8")
                .buildSettings();
        Plugins plugins = Plugins.load(ImageCache.class.getClassLoader());
        ImageBuilder builder = plugins.imageBuilder(settings.registry()).create(settings);
        builderOut[0] = builder;
        List<CredentialProvider> credentials = plugins.credentialProviders().stream().map(f -> f.create(settings))
                .toList();
        return () -> BenchmarkAccess.images(settings, builder, credentials, classpath);
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
            uploads(registry, mark, repo, digest, true);
        }

        void jibUploads(RegistryBed registry, int mark, String digest) {
            uploads(registry, mark, JIB_REPO, digest, false);
        }

        void uploads(RegistryBed registry, int mark, String repo, String digest, boolean valenceSide) {
            long[] u = uploads(registry, mark, repo, digest);
            if (valenceSide) {
                valenceBlobs += u[0];
                valenceLayers += u[1];
                valenceBytes += u[2];
            } else {
                jibBlobs += u[0];
                jibLayers += u[1];
                jibBytes += u[2];
            }
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
