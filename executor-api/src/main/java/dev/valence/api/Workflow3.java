package dev.valence.api;

import java.util.List;
import java.util.function.Function;

/** A workflow taking 3 argument(s); dispatch it with typed arguments. */
public final class Workflow3<A, B, C, R> extends Workflow<R> {
    Workflow3(String name, Function<List<Node<?>>, Node<R>> body) {
        super(name, 3, body);
    }
}
