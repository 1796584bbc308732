package dev.valence.api;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

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
    private static final List<String> OPERATORS = List.of("Equal", "Exists");
    private static final List<String> EFFECTS = List.of("NoSchedule", "PreferNoSchedule", "NoExecute");

    /** Validates the fields; the message names the field, the value and what is accepted. */
    public Toleration {
        key = Objects.requireNonNullElse(key, "");
        operator = Objects.requireNonNullElse(operator, "Equal");
        value = Objects.requireNonNullElse(value, "");
        effect = Objects.requireNonNullElse(effect, "");
        tolerationSeconds = Objects.requireNonNullElse(tolerationSeconds, Optional.empty());
        String problem = problem(key, operator, value, effect, tolerationSeconds);
        if (problem != null) {
            throw new ValenceException(ErrorKind.CONFIG, "tolerations: " + problem);
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

    /** What is wrong with these fields (field, value, what is accepted), or null when they make a valid toleration. */
    static String problem(String key, String operator, String value, String effect, Optional<Long> seconds) {
        key = Objects.requireNonNullElse(key, "");
        operator = Objects.requireNonNullElse(operator, "Equal");
        value = Objects.requireNonNullElse(value, "");
        effect = Objects.requireNonNullElse(effect, "");
        if (!OPERATORS.contains(operator)) {
            return "operator '" + operator + "' is not accepted (accepted: " + String.join(", ", OPERATORS) + ")";
        }
        if (!effect.isEmpty() && !EFFECTS.contains(effect)) {
            return "effect '" + effect + "' is not accepted (accepted: " + String.join(", ", EFFECTS)
                    + ", or empty for every effect)";
        }
        if (operator.equals("Exists") && !value.isEmpty()) {
            return "value '" + value + "' must be empty when operator is Exists";
        }
        if (operator.equals("Equal") && key.isEmpty()) {
            return "key must be set when operator is Equal (operator Exists with no key tolerates every taint)";
        }
        if (!key.isEmpty()) {
            try {
                SettingKeys.labelKeyCheck(key);
            } catch (SettingKeys.Invalid e) {
                return "key " + e.getMessage();
            }
        }
        if (seconds != null && seconds.isPresent() && !effect.equals("NoExecute")) {
            return "toleration_seconds applies only to effect NoExecute"
                    + (effect.isEmpty() ? "" : ", not to '" + effect + "'");
        }
        if (seconds != null && seconds.isPresent() && seconds.get() < 0) {
            return "toleration_seconds '" + seconds.get() + "' must be 0 or more";
        }
        return null;
    }

    /** The toleration as a taint pattern: {@code key=value:Effect}, {@code key:Effect} (Exists), {@code *} (everything). */
    @Override
    public String toString() {
        String head = operator.equals("Exists") ? (key.isEmpty() ? "*" : key) : key + "=" + value;
        return head + (effect.isEmpty() ? "" : ":" + effect)
                + tolerationSeconds.map(s -> " for " + s + "s").orElse("");
    }
}
