package dev.valence.spi;

import java.util.Objects;
import java.util.Optional;

/**
 * A delivered image: {@code repository} (host/path), {@code tag}, {@code digest}
 * ({@code sha256:...}) and, for a tar target, the file and the command that loads it.
 */
public record ImageRef(String repository, String tag, String digest, Optional<String> loadCommand) {
    public ImageRef {
        Objects.requireNonNull(repository, "repository");
        Objects.requireNonNull(tag, "tag");
        Objects.requireNonNull(digest, "digest");
        Objects.requireNonNull(loadCommand, "loadCommand");
    }

    /** The reference a Job uses: pinned by digest. */
    public String pinned() {
        return repository + "@" + digest;
    }

    /**
     * The reference a Job should name: pinned by digest when pulled from a registry, the tag when
     * the image was loaded into the node from a tar file (a loaded image keeps no registry digest).
     */
    public String jobReference() {
        return loadCommand.isPresent() ? tagged() : pinned();
    }

    /** The tagged reference. */
    public String tagged() {
        return repository + ":" + tag;
    }
}
