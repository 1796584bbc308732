package dev.valence.registry.local;

import dev.valence.api.Settings;
import dev.valence.spi.ImageBuilder;
import dev.valence.spi.ImageBuilderFactory;

/**
 * Builds task images with Jib, without a Docker daemon: to any registry (plain HTTP allowed for
 * loopback), to a local Docker daemon ({@code registry = docker}) or to a tar file for
 * {@code minikube image load} ({@code registry = tar}). Jib's layer caches live under
 * {@code <cache_dir>/jib}.
 */
public final class JibImageBuilderFactory implements ImageBuilderFactory {

    @Override
    public String name() {
        return "jib";
    }

    @Override
    public boolean supports(String registry) {
        return true;
    }

    @Override
    public ImageBuilder create(Settings settings) {
        return new JibImageBuilder(settings.cacheDir().resolve("jib"), DockerDaemon.fromEnvironment());
    }
}
