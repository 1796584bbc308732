package dev.valence.api;

import java.util.List;
import java.util.function.Function;

/** A workflow taking 0 argument(s); dispatch it with typed arguments, or call it inside another workflow. */
public final class Workflow0<R> extends Workflow<R> {
    Workflow0(String name, Function<List<Node<?>>, Node<R>> body) {
        super(name, 0, body);
    }

    /**
     * Inside another workflow's definition: records this workflow as one node (a sub-workflow, Covalent's
     * sublattice) whose own nodes are nested under it, and returns the node of its result.
     */
    public Node<R> call() {
        return callNodes(new Node<?>[] {});
    }
}
