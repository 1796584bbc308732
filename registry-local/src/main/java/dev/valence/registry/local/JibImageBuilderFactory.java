package dev.valence.registry.local;

import dev.valence.api.Settings;
import dev.valence.api.ValenceException;
import dev.valence.spi.ImageBuilderFactory;
import dev.valence.spi.ImageBuilder;

/** ImageBuilder on Jib (not built yet). */
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
        throw ValenceException.notBuiltYet("ImageBuilder on Jib");
    }
}
