package dev.valence.api;

import java.io.Serializable;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.List;
import java.util.RandomAccess;

/**
 * The result of mapping a task over a list: one {@link ElementResult} per input, in input order. As a
 * {@code List<R>} it holds each element's value ({@code null} for a failed one, which only a map with a
 * {@code minSuccessRatio} below 1 lets through), so it passes on as the list of results.
 */
public final class MapResult<R> extends AbstractList<R> implements RandomAccess, Serializable {
    private static final long serialVersionUID = 1L;

    private final List<ElementResult<R>> elements;

    private MapResult(List<ElementResult<R>> elements) {
        this.elements = List.copyOf(elements);
        for (int i = 0; i < this.elements.size(); i++) {
            if (this.elements.get(i).index() != i) {
                throw new ValenceException(ErrorKind.INTERNAL, "MapResult: element " + i + " has index "
                        + this.elements.get(i).index());
            }
        }
    }

    /** The result of these elements, which must be in index order from 0. */
    public static <R> MapResult<R> of(List<ElementResult<R>> elements) {
        return new MapResult<>(elements);
    }

    /**
     * The per-element view of a map node's value in a workflow (a node of {@code task.map(...)} is typed
     * {@code List<R>}); a plain list (a map result that went through a codec that dropped its type) is
     * taken as all succeeded.
     */
    @SuppressWarnings("unchecked")
    public static <R> MapResult<R> from(List<R> value) {
        if (value instanceof MapResult<?> m) {
            return (MapResult<R>) m;
        }
        List<ElementResult<R>> out = new ArrayList<>(value.size());
        for (int i = 0; i < value.size(); i++) {
            out.add(ElementResult.succeeded(i, value.get(i)));
        }
        return new MapResult<>(out);
    }

    /** Every element, in input order. */
    public List<ElementResult<R>> elements() {
        return elements;
    }

    /** The elements that failed, in input order. */
    public List<ElementResult<R>> failures() {
        return elements.stream().filter(e -> !e.succeeded()).toList();
    }

    /** How many elements succeeded. */
    public int succeededCount() {
        return (int) elements.stream().filter(ElementResult::succeeded).count();
    }

    /** True when every element succeeded. */
    public boolean allSucceeded() {
        return elements.stream().allMatch(ElementResult::succeeded);
    }

    /** The value of element {@code index} ({@code null} when it failed). */
    @Override
    public R get(int index) {
        return elements.get(index).value();
    }

    @Override
    public int size() {
        return elements.size();
    }

    /** {@code 3 of 4 succeeded; failed: [2] ...} when an element failed, else the values. */
    @Override
    public String toString() {
        return allSucceeded() ? super.toString() : succeededCount() + " of " + size() + " succeeded; failed: "
                + failures();
    }
}
