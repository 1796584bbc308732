package dev.valence.spi;

import java.util.Map;
import java.util.Set;

/** Base of every adapter factory found with {@link java.util.ServiceLoader}. */
public interface PluginFactory {

    /** Stable name of the adapter, as users select it and as listings show it. */
    String name();

    /** Plugin-specific setting keys (without the {@code VALENCE_K8S_} prefix) and their defaults. */
    default Map<String, String> settingKeys() {
        return Map.of();
    }

    /** Setting keys whose values are secrets and must never be printed. */
    default Set<String> sensitiveKeys() {
        return Set.of();
    }
}
