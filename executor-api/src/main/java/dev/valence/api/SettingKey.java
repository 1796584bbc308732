package dev.valence.api;

import java.util.Objects;

/**
 * A setting's key with the type of its value, for code that sets a plugin's key without spelling
 * it as a string: a plugin publishes {@code public static final SettingKey<String> ENDPOINT =
 * SettingKey.of("s3_endpoint", String.class)} and users write {@code builder().set(ENDPOINT, "...")}.
 */
public record SettingKey<T>(String name, Class<T> type) {

    public SettingKey {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        if (name.isBlank()) {
            throw new IllegalArgumentException("a setting key needs a name");
        }
    }

    /** A key named as in the settings file, with its value's type. */
    public static <T> SettingKey<T> of(String name, Class<T> type) {
        return new SettingKey<>(name, type);
    }

    /** A stored value as {@code T}: plugin values are kept as strings, so strings are parsed for numbers and booleans. */
    T convert(Object value) {
        if (type.isInstance(value)) {
            return type.cast(value);
        }
        String s = String.valueOf(value).trim();
        Object converted;
        if (type == Integer.class) {
            converted = Integer.valueOf(s);
        } else if (type == Long.class) {
            converted = Long.valueOf(s);
        } else if (type == Boolean.class) {
            converted = Boolean.valueOf(s);
        } else if (type == String.class) {
            converted = s;
        } else {
            throw new ValenceException(ErrorKind.CONFIG, "setting " + name + " holds '" + s + "', not a "
                    + type.getSimpleName());
        }
        return type.cast(converted);
    }
}
