package dev.valence.core;

import dev.valence.api.ErrorKind;
import dev.valence.api.ValenceException;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What builds a dispatch's workflow again in another process, kept in its record: the workflow
 * class ({@code valence run}'s convention; empty for the built-in demo), its arguments as the
 * strings they were given as, and the executor its tasks ran on ({@code kubernetes} or {@code local}).
 */
public record DispatchSource(Optional<String> workflowClass, List<String> args, String executor) {
    public DispatchSource {
        Objects.requireNonNull(workflowClass, "workflowClass");
        args = List.copyOf(args);
        if (executor == null || executor.isBlank()) {
            throw new ValenceException(ErrorKind.INTERNAL, "DispatchSource.executor must be set and not blank");
        }
    }
}
