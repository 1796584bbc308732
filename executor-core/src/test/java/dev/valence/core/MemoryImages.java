package dev.valence.core;

import dev.valence.api.Settings;
import dev.valence.spi.ImageBuilder;
import dev.valence.spi.ImageBuilderFactory;
import dev.valence.spi.ImageRef;
import dev.valence.spi.ImageSpec;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.List;

/** Image builder double: remembers what it "pushed"; a test can forget an image to force a rebuild. */
public final class MemoryImages implements ImageBuilder {
    public final List<ImageSpec> builds = new CopyOnWriteArrayList<>();
    public final Set<String> digests = ConcurrentHashMap.newKeySet();

    @Override
    public ImageRef build(ImageSpec spec) {
        builds.add(spec);
        String target = spec.target();
        int colon = target.lastIndexOf(':');
        String digest = "sha256:" + Integer.toHexString(target.hashCode()) + builds.size();
        digests.add(digest);
        return new ImageRef(target.substring(0, colon), target.substring(colon + 1), digest, Optional.empty());
    }

    @Override
    public boolean exists(ImageRef image, ImageSpec spec) {
        return digests.contains(image.digest());
    }

    /** Factory handing out this instance. */
    public ImageBuilderFactory factory() {
        MemoryImages self = this;
        return new ImageBuilderFactory() {
            @Override
            public String name() {
                return "memory";
            }

            @Override
            public boolean supports(String registry) {
                return true;
            }

            @Override
            public ImageBuilder create(Settings settings) {
                return self;
            }
        };
    }
}
