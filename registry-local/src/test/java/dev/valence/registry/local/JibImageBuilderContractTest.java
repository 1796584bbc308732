package dev.valence.registry.local;

import dev.valence.api.Settings;
import dev.valence.spi.ImageBuilder;
import dev.valence.tck.image.ImageBuilderContract;
import java.nio.file.Path;

/** The ImageBuilder contract on Jib against the real CNCF registry. */
class JibImageBuilderContractTest extends ImageBuilderContract {

    @Override
    protected ImageBuilder newBuilder(Path workDir) {
        return new JibImageBuilderFactory().create(Settings.builder().cacheDir(workDir).build());
    }
}
