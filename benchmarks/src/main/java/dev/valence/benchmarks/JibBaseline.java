package dev.valence.benchmarks;

import com.google.cloud.tools.jib.api.Containerizer;
import com.google.cloud.tools.jib.api.Jib;
import com.google.cloud.tools.jib.api.JibContainer;
import com.google.cloud.tools.jib.api.JibContainerBuilder;
import com.google.cloud.tools.jib.api.RegistryImage;
import com.google.cloud.tools.jib.api.buildplan.AbsoluteUnixPath;
import com.google.cloud.tools.jib.api.buildplan.FileEntriesLayer;
import com.google.cloud.tools.jib.api.buildplan.FilePermissions;
import dev.valence.spi.ImageSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;

/**
 * Jib's own build of the same image, for comparison: the same layers, entries, permissions and
 * fixed modification time, entrypoint and user, pushed with jib-core directly (its application
 * layer cache in its own directory), without Valence's content hash or cache file.
 */
final class JibBaseline {
    private final String repository;
    private final Path cacheDir;

    /** {@code repository} is {@code host:port/name}; {@code cacheDir} holds Jib's caches. */
    JibBaseline(String repository, Path cacheDir) {
        this.repository = repository;
        this.cacheDir = cacheDir;
    }

    /** Builds the spec's layers on scratch and pushes them as {@code repository:tag}; returns the digest. */
    String build(ImageSpec spec, String tag) throws Exception {
        JibContainerBuilder container = Jib.fromScratch();
        for (ImageSpec.Layer layer : spec.layers()) {
            FileEntriesLayer.Builder b = FileEntriesLayer.builder().setName(layer.name());
            List<ImageSpec.Entry> entries = layer.entries().stream()
                    .sorted(Comparator.comparing(ImageSpec.Entry::pathInImage)).toList();
            for (ImageSpec.Entry e : entries) {
                FilePermissions permissions = Files.isExecutable(e.source()) ? FilePermissions.fromOctalString("755")
                        : FilePermissions.DEFAULT_FILE_PERMISSIONS;
                b.addEntry(e.source(), AbsoluteUnixPath.get(e.pathInImage()), permissions,
                        FileEntriesLayer.DEFAULT_MODIFICATION_TIME);
            }
            container.addFileEntriesLayer(b.build());
        }
        container.setEntrypoint(spec.entrypoint()).setUser(spec.user().orElse(null));
        JibContainer result = container.containerize(Containerizer.to(RegistryImage.named(repository + ":" + tag))
                .setAllowInsecureRegistries(true)
                .setBaseImageLayersCache(cacheDir.resolve("base"))
                .setApplicationLayersCache(cacheDir.resolve("layers"))
                .setToolName("jib-baseline"));
        return result.getDigest().toString();
    }
}
