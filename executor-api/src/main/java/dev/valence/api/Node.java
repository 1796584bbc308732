package dev.valence.api;

import java.util.Objects;

/**
 * A value in a workflow graph: a workflow argument, a constant, or the result of a task call.
 * Calling a task on nodes inside {@link Workflow#of} records an edge instead of running anything.
 */
public final class Node<T> {
    private final String id;
    private final Object constant;

    private Node(String id, Object constant) {
        this.id = id;
        this.constant = constant;
    }

    /** A constant input (it travels with the task call, so it must be serializable). */
    public static <T> Node<T> of(T value) {
        return new Node<>(null, value);
    }

    static <T> Node<T> ofStep(String id) {
        return new Node<>(Objects.requireNonNull(id), null);
    }

    /** The node id of a task call's result; empty for constants. */
    public java.util.Optional<String> id() {
        return java.util.Optional.ofNullable(id);
    }

    boolean isConstant() {
        return id == null;
    }

    Object constant() {
        return constant;
    }

    @Override
    public String toString() {
        return id == null ? "Node[constant " + constant + "]" : "Node[" + id + "]";
    }
}
