package dev.valence.registry.local;

import com.google.cloud.tools.jib.api.ImageReference;

/** The local Docker daemon: {@code docker://repo:tag}. */
record DockerTarget(ImageReference reference, String repository, String tag) implements ImageTarget {
}
