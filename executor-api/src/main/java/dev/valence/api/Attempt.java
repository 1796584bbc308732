package dev.valence.api;

import java.time.Instant;
import java.util.Optional;

/**
 * One try of a node on its executor: a client-side retry (see {@link TaskOptions#attempts()}) makes
 * another, with its own Job; {@code error} says why the try failed.
 */
public record Attempt(int number, Optional<String> jobName, Optional<Instant> startedAt, Optional<Instant> finishedAt,
                      Optional<String> error) {
    public Attempt {
        if (number < 1) {
            throw new ValenceException(ErrorKind.INTERNAL, "Attempt.number must be 1 or more, was " + number);
        }
    }
}
