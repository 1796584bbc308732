package dev.valence.api;

import java.util.List;
import java.util.function.Function;

/** A workflow taking 2 argument(s); dispatch it with typed arguments, or call it inside another workflow. */
public final class Workflow2<A, B, R> extends Workflow<R> {
    Workflow2(String name, Function<List<Node<?>>, Node<R>> body) {
        super(name, 2, body);
    }

    /**
     * Inside another workflow's definition: records this workflow as one node (a sub-workflow, Covalent's
     * sublattice) whose own nodes are nested under it, and returns the node of its result.
     */
    public Node<R> call(Node<A> a, Node<B> b) {
        return callNodes(new Node<?>[] {a, b});
    }
}
