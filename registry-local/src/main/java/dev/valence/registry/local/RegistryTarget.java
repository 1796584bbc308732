package dev.valence.registry.local;

import com.google.cloud.tools.jib.api.ImageReference;

/** A registry target: {@code host[:port]/repo:tag}. */
record RegistryTarget(ImageReference reference, String repository, String tag) implements ImageTarget {
    String host() {
        return reference.getRegistry();
    }

    String repositoryPath() {
        return reference.getRepository();
    }
}
