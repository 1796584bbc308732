package dev.valence.distribution;

import dev.valence.api.Settings;
import dev.valence.spi.ImageRef;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Comparator;
import java.util.Optional;
import java.util.Properties;
import java.util.stream.Stream;

/**
 * Reads the executor's image cache ({@code <cache_dir>/images/<hash>.properties}: target, repository,
 * tag, digest) to find the last image built for the settings' registry and repository.
 */
final class ImageCache {
    /** An image found in the cache, and the file that recorded it. */
    record Cached(ImageRef image, Path file, FileTime written) {
    }

    private ImageCache() {
    }

    /** The most recently written cache entry whose target is the settings' registry and repository. */
    static Optional<Cached> latest(Settings settings) {
        Path dir = settings.cacheDir().resolve("images");
        if (!Files.isDirectory(dir)) {
            return Optional.empty();
        }
        String prefix = targetPrefix(settings);
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".properties"))
                    .map(f -> read(f, prefix)).flatMap(Optional::stream)
                    .max(Comparator.comparing(Cached::written));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Where images of these settings go, without the tag: {@code localhost:5000/valence-task:}. */
    static String targetPrefix(Settings s) {
        String repo = s.imageRepo();
        return switch (s.registry()) {
            case "docker" -> "docker://" + repo + ":";
            case "tar" -> "tar://" + s.cacheDir().resolve("images").resolve(repo.replace('/', '-') + "-");
            default -> s.registry() + "/" + repo + ":";
        };
    }

    private static Optional<Cached> read(Path file, String prefix) {
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            p.load(in);
            String target = p.getProperty("target", "");
            String repository = p.getProperty("repository");
            String tag = p.getProperty("tag");
            String digest = p.getProperty("digest");
            if (!target.startsWith(prefix) || repository == null || tag == null || digest == null) {
                return Optional.empty();
            }
            ImageRef ref = new ImageRef(repository, tag, digest, Optional.ofNullable(p.getProperty("load")));
            return Optional.of(new Cached(ref, file, Files.getLastModifiedTime(file)));
        } catch (IOException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
