package dev.valence.spi;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What to build: a base image, ordered file layers, an entrypoint and a user, delivered to
 * {@code target} ({@code host[:port]/repo:tag}, {@code docker://repo:tag} or {@code tar:///path.tar}).
 */
public final class ImageSpec {

    /** One file placed in the image. */
    public record Entry(Path source, String pathInImage) {
        public Entry {
            Objects.requireNonNull(source, "source");
            Objects.requireNonNull(pathInImage, "pathInImage");
        }
    }

    /** A named layer; entries are placed sorted by path for reproducible layers. */
    public record Layer(String name, List<Entry> entries) {
        public Layer {
            Objects.requireNonNull(name, "name");
            entries = List.copyOf(entries);
        }
    }

    private final String baseImage;
    private final List<Layer> layers;
    private final List<String> entrypoint;
    private final String user;
    private final Map<String, String> environment;
    private final String target;
    private final Optional<Credentials> baseCredentials;
    private final Optional<Credentials> targetCredentials;
    private final boolean allowInsecure;

    private ImageSpec(Builder b) {
        baseImage = Objects.requireNonNull(b.baseImage, "baseImage");
        layers = List.copyOf(b.layers);
        entrypoint = List.copyOf(b.entrypoint);
        user = b.user == null || b.user.isBlank() ? null : b.user;
        environment = Map.copyOf(b.environment);
        target = Objects.requireNonNull(b.target, "target");
        baseCredentials = Optional.ofNullable(b.baseCredentials);
        targetCredentials = Optional.ofNullable(b.targetCredentials);
        allowInsecure = b.allowInsecure;
    }

    public static Builder builder() {
        return new Builder();
    }

    public String baseImage() { return baseImage; }
    public List<Layer> layers() { return layers; }
    public List<String> entrypoint() { return entrypoint; }
    /** The user the image runs as ({@code uid[:gid]}); empty keeps the base image's own user. */
    public Optional<String> user() { return Optional.ofNullable(user); }
    public Map<String, String> environment() { return environment; }
    public String target() { return target; }
    public Optional<Credentials> baseCredentials() { return baseCredentials; }
    public Optional<Credentials> targetCredentials() { return targetCredentials; }
    /** Plain HTTP allowed (always for loopback registries). */
    public boolean allowInsecure() { return allowInsecure; }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.baseImage = baseImage;
        b.layers = new ArrayList<>(layers);
        b.entrypoint = entrypoint;
        b.user = user;
        b.environment = environment;
        b.target = target;
        b.baseCredentials = baseCredentials.orElse(null);
        b.targetCredentials = targetCredentials.orElse(null);
        b.allowInsecure = allowInsecure;
        return b;
    }

    @Override
    public String toString() {
        return "ImageSpec[" + baseImage + " + " + layers.stream().map(Layer::name).toList() + " -> " + target + "]";
    }

    /** Builder for {@link ImageSpec}. */
    public static final class Builder {
        private String baseImage;
        private List<Layer> layers = new ArrayList<>();
        private List<String> entrypoint = List.of();
        private String user;
        private Map<String, String> environment = Map.of();
        private String target;
        private Credentials baseCredentials;
        private Credentials targetCredentials;
        private boolean allowInsecure;

        private Builder() {}

        public Builder baseImage(String v) { baseImage = v; return this; }
        public Builder layer(Layer v) { layers.add(v); return this; }
        public Builder layers(List<Layer> v) { layers = new ArrayList<>(v); return this; }
        public Builder entrypoint(List<String> v) { entrypoint = v; return this; }
        public Builder user(String v) { user = v; return this; }
        public Builder environment(Map<String, String> v) { environment = v; return this; }
        public Builder target(String v) { target = v; return this; }
        public Builder baseCredentials(Credentials v) { baseCredentials = v; return this; }
        public Builder targetCredentials(Credentials v) { targetCredentials = v; return this; }
        public Builder allowInsecure(boolean v) { allowInsecure = v; return this; }

        public ImageSpec build() {
            return new ImageSpec(this);
        }
    }
}
