package dev.valence.api;

import java.io.Serializable;
import java.util.Objects;
import java.util.Optional;

/**
 * One element of a map: its index in the input list, and its value or the exception it failed with (the
 * task's own, or a {@link ValenceException} saying why its pod could not run it, with the log tail).
 */
public final class ElementResult<R> implements Serializable {
    private static final long serialVersionUID = 1L;

    private final int index;
    private final R value;
    private final Throwable error;

    private ElementResult(int index, R value, Throwable error) {
        if (index < 0) {
            throw new ValenceException(ErrorKind.INTERNAL, "ElementResult.index must be 0 or more, was " + index);
        }
        this.index = index;
        this.value = value;
        this.error = error;
    }

    /** An element that returned {@code value}. */
    public static <R> ElementResult<R> succeeded(int index, R value) {
        return new ElementResult<>(index, value, null);
    }

    /** An element that failed with {@code error}. */
    public static <R> ElementResult<R> failed(int index, Throwable error) {
        return new ElementResult<>(index, null, Objects.requireNonNull(error, "error"));
    }

    /** Its index in the input list. */
    public int index() {
        return index;
    }

    /** True when the function returned for this element. */
    public boolean succeeded() {
        return error == null;
    }

    /** Its value; {@code null} for a failed element (and for a function that returned null). */
    public R value() {
        return value;
    }

    /** What it failed with; empty when it succeeded. */
    public Optional<Throwable> error() {
        return Optional.ofNullable(error);
    }

    @Override
    public String toString() {
        return "[" + index + "] " + (error == null ? String.valueOf(value) : "failed: " + error);
    }
}
