package dev.valence.api;

import java.util.List;
import java.util.function.UnaryOperator;

/** A task taking 7 argument(s), with a typed {@code submit} and {@code call}. */
public final class Task7<A, B, C, D, E, F, G, R> extends Task<R> {
    Task7(String name, TaskBody body, Executor executor) {
        super(name, 7, body, executor);
    }

    private Task7(Task7<A, B, C, D, E, F, G, R> from, TaskOptions options, List<Node<?>> after) {
        super(from, options, after);
    }

    /** Submits the task on its executor and returns at once with a handle. */
    public TaskRun<R> submit(A a, B b, C c, D d, E e, F f, G g) {
        return submitArgs(new Object[] {a, b, c, d, e, f, g});
    }

    /**
     * Inside a workflow definition: records a call of this task on these nodes and returns the
     * node of its result. Outside one it is an error; use {@code submit} with plain values.
     */
    public Node<R> call(Node<A> a, Node<B> b, Node<C> c, Node<D> d, Node<E> e, Node<F> f, Node<G> g) {
        return callNodes(new Node<?>[] {a, b, c, d, e, f, g});
    }

    /**
     * This task with some of its executor's settings overridden for its calls
     * ({@code task.with(o -> o.vcpu("2").memory("4Gi"))}); values are checked here, naming the task.
     */
    public Task7<A, B, C, D, E, F, G, R> with(UnaryOperator<TaskOptions.Builder> change) {
        return new Task7<>(this, changedOptions(change), afterNodes());
    }

    /**
     * This task, whose next calls in a workflow wait for these nodes to finish without taking their
     * values (Covalent's {@code ct.wait}): {@code task.after(cleanup).call(x)}.
     */
    public Task7<A, B, C, D, E, F, G, R> after(Node<?>... nodes) {
        return new Task7<>(this, options(), addedAfter(nodes));
    }
}
