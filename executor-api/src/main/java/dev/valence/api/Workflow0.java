package dev.valence.api;

import java.util.List;
import java.util.function.Function;

/** A workflow taking 0 argument(s); dispatch it with typed arguments. */
public final class Workflow0<R> extends Workflow<R> {
    Workflow0(String name, Function<List<Node<?>>, Node<R>> body) {
        super(name, 0, body);
    }
}
