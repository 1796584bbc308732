package dev.valence.spi;

import dev.valence.api.Settings;
import java.util.Set;

/** Creates an {@link ArtifactStore}; selected by the URI scheme of {@code data_store}. */
public interface ArtifactStoreFactory extends PluginFactory {

    /** URI schemes served, e.g. {@code file}, {@code s3}; absolute paths count as {@code file}. */
    Set<String> schemes();

    /** Opens the store at {@link Settings#dataStore()}. */
    ArtifactStore create(Settings settings);
}
