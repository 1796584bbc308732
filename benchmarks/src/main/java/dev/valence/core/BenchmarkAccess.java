package dev.valence.core;

import dev.valence.api.Settings;
import dev.valence.api.TaskBody;
import dev.valence.spi.CredentialProvider;
import dev.valence.spi.ImageBuilder;
import dev.valence.spi.ImageRef;
import dev.valence.spi.ImageSpec;
import java.nio.file.Path;
import java.util.List;

/**
 * For the benchmarks only: a door into executor-core's package-private parts that a harness must
 * call on their own (the task image cache, the payload codec). It lives in the benchmarks module,
 * in executor-core's package, so executor-core's public surface stays as it is.
 */
public final class BenchmarkAccess {
    private BenchmarkAccess() {
    }

    /** The bytes the executor puts at {@code <dispatch>/<node>/input} for this call. */
    public static byte[] encodeInput(String taskName, TaskBody body, List<Object> args) {
        return PayloadCodec.encodeInput(taskName, body, args);
    }

    /** The Job name the executor gives a node of a dispatch. */
    public static String jobName(String dispatchId, String nodeId) {
        return JobNames.jobName(dispatchId, nodeId);
    }

    /** The class-path entries a task image takes from {@code classpath}, with {@code storeJar} the store in use. */
    public static List<Path> taskClassPath(List<Path> classpath, java.util.Optional<Path> storeJar) {
        return TaskClassPath.keep(classpath, storeJar);
    }

    /** The task-image cache of a Kubernetes executor, for a given class path. */
    public static Images images(Settings settings, ImageBuilder builder, List<CredentialProvider> credentials,
                                List<Path> classpath) {
        return new Images(new TaskImages(settings, builder, credentials, classpath));
    }

    /** What the executor does to get its image, step by step. */
    public static final class Images {
        private final TaskImages images;

        private Images(TaskImages images) {
            this.images = images;
        }

        /** The whole step as the executor runs it: hash, cache look-up, exists check, build and push if needed. */
        public ImageRef ensure() {
            return images.ensure();
        }

        /** The image spec (layers, base, entrypoint, user) without a target. */
        public ImageSpec spec() {
            return images.spec();
        }

        /** The content hash of a spec (reads every file of every layer). */
        public String hash(ImageSpec spec) {
            return TaskImages.hash(spec);
        }
    }
}
