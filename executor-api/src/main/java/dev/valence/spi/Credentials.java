package dev.valence.spi;

import java.util.Objects;

/** Registry credentials and where they came from; the secret never appears in {@code toString}. */
public record Credentials(String username, String password, String source) {
    public Credentials {
        Objects.requireNonNull(username, "username");
        Objects.requireNonNull(password, "password");
        Objects.requireNonNull(source, "source");
    }

    @Override
    public String toString() {
        return "Credentials[username=" + username + ", password=****, source=" + source + "]";
    }
}
