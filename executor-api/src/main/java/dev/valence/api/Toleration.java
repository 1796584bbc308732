package dev.valence.api;

import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A pod toleration, as in the Kubernetes API.
 *
 * @param key the taint key (empty with operator Exists tolerates everything)
 * @param operator {@code Equal} or {@code Exists}
 * @param value the taint value (empty for Exists)
 * @param effect {@code NoSchedule}, {@code PreferNoSchedule}, {@code NoExecute}, or empty for all
 * @param tolerationSeconds for NoExecute: how long the pod stays bound after the taint appears
 */
public record Toleration(String key, String operator, String value, String effect, Optional<Long> tolerationSeconds) {
    private static final Set<String> OPERATORS = Set.of("Equal", "Exists");
    private static final Set<String> EFFECTS = Set.of("", "NoSchedule", "PreferNoSchedule", "NoExecute");

    /** Validates the fields; the message names the field, the value and what is accepted. */
    public Toleration {
        key = Objects.requireNonNullElse(key, "");
        operator = Objects.requireNonNullElse(operator, "Equal");
        value = Objects.requireNonNullElse(value, "");
        effect = Objects.requireNonNullElse(effect, "");
        tolerationSeconds = Objects.requireNonNullElse(tolerationSeconds, Optional.empty());
        if (!OPERATORS.contains(operator)) {
            throw ValenceException.config("tolerations.operator", operator, "accepted: Equal, Exists");
        }
        if (!EFFECTS.contains(effect)) {
            throw ValenceException.config("tolerations.effect", effect,
                    "accepted: NoSchedule, PreferNoSchedule, NoExecute (or empty for all effects)");
        }
        if (operator.equals("Exists") && !value.isEmpty()) {
            throw ValenceException.config("tolerations.value", value, "must be empty when operator is Exists");
        }
    }

    /** Tolerates the taint {@code key=value:effect}. */
    public static Toleration equal(String key, String value, String effect) {
        return new Toleration(key, "Equal", value, effect, Optional.empty());
    }

    /** Tolerates any taint with this key and effect. */
    public static Toleration exists(String key, String effect) {
        return new Toleration(key, "Exists", "", effect, Optional.empty());
    }
}
