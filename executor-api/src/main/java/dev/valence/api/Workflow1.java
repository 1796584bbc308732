package dev.valence.api;

import java.util.List;
import java.util.function.Function;

/** A workflow taking 1 argument(s); dispatch it with typed arguments. */
public final class Workflow1<A, R> extends Workflow<R> {
    Workflow1(String name, Function<List<Node<?>>, Node<R>> body) {
        super(name, 1, body);
    }
}
