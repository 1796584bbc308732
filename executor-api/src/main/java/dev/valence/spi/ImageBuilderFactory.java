package dev.valence.spi;

import dev.valence.api.Settings;

/** Creates an {@link ImageBuilder}; selected by the {@code registry} setting it supports. */
public interface ImageBuilderFactory extends PluginFactory {

    /** Whether this builder can deliver to {@code registry} (a host, {@code docker} or {@code tar}). */
    boolean supports(String registry);

    /** Creates a builder for the settings' registry target. */
    ImageBuilder create(Settings settings);
}
