package dev.valence.api;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A value in a workflow graph: a workflow argument, a constant, the result of a task call (or of a
 * sub-workflow), or a gather of such nodes into a list. Calling a task on nodes inside
 * {@link Workflow#of} records an edge instead of running anything.
 */
public final class Node<T> {
    private final String id;
    private final Object constant;
    private final List<Node<?>> gathered;
    /** The recording the node was made in (for the error when it is used in another workflow). */
    private final Object owner;
    private final String ownerName;

    private Node(String id, Object constant, List<Node<?>> gathered, Object owner, String ownerName) {
        this.id = id;
        this.constant = constant;
        this.gathered = gathered;
        this.owner = owner;
        this.ownerName = ownerName;
    }

    /** A constant input (it travels with the task call, so it must be serializable). */
    public static <T> Node<T> of(T value) {
        return new Node<>(null, value, null, null, null);
    }

    /**
     * Gathers nodes into one list-valued node, to pass as one argument: a task of a {@code List<T>}
     * then waits for all of them and gets their values in this order.
     */
    @SuppressWarnings("unchecked")
    public static <T> Node<List<T>> gather(List<? extends Node<? extends T>> nodes) {
        Objects.requireNonNull(nodes, "nodes");
        for (int i = 0; i < nodes.size(); i++) {
            if (nodes.get(i) == null) {
                throw new ValenceException(ErrorKind.WORKFLOW, "Node.gather: node " + i + " of " + nodes.size()
                        + " is null; use Node.of(null) for a null constant");
            }
        }
        return new Node<>(null, null, List.copyOf((List<Node<?>>) (List<?>) nodes), null, null);
    }

    static <T> Node<T> ofStep(String id, Object owner, String ownerName) {
        return new Node<>(Objects.requireNonNull(id), null, null, owner, ownerName);
    }

    /** The node id of a task call's result; empty for constants and gathers. */
    public Optional<String> id() {
        return Optional.ofNullable(id);
    }

    boolean isConstant() {
        return id == null && gathered == null;
    }

    boolean isGather() {
        return gathered != null;
    }

    List<Node<?>> gathered() {
        return gathered;
    }

    Object owner() {
        return owner;
    }

    String ownerName() {
        return ownerName;
    }

    Object constant() {
        return constant;
    }

    @Override
    public String toString() {
        return id != null ? "Node[" + id + "]" : gathered != null ? "Node[gather of " + gathered.size() + "]"
                : "Node[constant " + constant + "]";
    }
}
