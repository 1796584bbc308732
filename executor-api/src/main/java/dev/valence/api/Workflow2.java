package dev.valence.api;

import java.util.List;
import java.util.function.Function;

/** A workflow taking 2 argument(s); dispatch it with typed arguments. */
public final class Workflow2<A, B, R> extends Workflow<R> {
    Workflow2(String name, Function<List<Node<?>>, Node<R>> body) {
        super(name, 2, body);
    }
}
