package dev.valence.registry.local;

import com.google.cloud.tools.jib.api.ImageReference;
import java.nio.file.Path;

/** A tar file for {@code minikube image load}: {@code tar://<absolute path>.tar[#repo:tag]}. */
record TarTarget(Path path, ImageReference reference, String repository, String tag) implements ImageTarget {
    String loadCommand() {
        return "minikube image load " + path;
    }
}
