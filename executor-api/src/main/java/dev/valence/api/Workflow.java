package dev.valence.api;

import java.util.List;
import java.util.function.Function;

/**
 * A named workflow: a function over {@link Node}s that calls tasks (and other workflows, as
 * sub-workflows), the Java form of the seed's {@code @ct.lattice}, of 0 to 8 typed arguments.
 * Running it records a {@link WorkflowGraph}; a dispatcher runs the graph.
 */
public class Workflow<R> {
    private final String name;
    private final int arity;
    private final Function<List<Node<?>>, Node<R>> body;

    Workflow(String name, int arity, Function<List<Node<?>>, Node<R>> body) {
        if (name == null || name.isBlank()) {
            throw new ValenceException(ErrorKind.CONFIG, "workflow name '" + name + "' is not valid: give it a name");
        }
        this.name = name;
        this.arity = arity;
        this.body = body;
    }

    /** A workflow of no argument(s). */
    public static <R> Workflow0<R> of(String name, Flow0<R> flow) {
        return new Workflow0<>(name, args -> flow.define());
    }

    /** A workflow of one argument(s). */
    @SuppressWarnings("unchecked")
    public static <A, R> Workflow1<A, R> of(String name, Flow1<A, R> flow) {
        return new Workflow1<>(name, args -> flow.define((Node<A>) args.get(0)));
    }

    /** A workflow of two argument(s). */
    @SuppressWarnings("unchecked")
    public static <A, B, R> Workflow2<A, B, R> of(String name, Flow2<A, B, R> flow) {
        return new Workflow2<>(name, args -> flow.define((Node<A>) args.get(0), (Node<B>) args.get(1)));
    }

    /** A workflow of three argument(s). */
    @SuppressWarnings("unchecked")
    public static <A, B, C, R> Workflow3<A, B, C, R> of(String name, Flow3<A, B, C, R> flow) {
        return new Workflow3<>(name, args -> flow.define((Node<A>) args.get(0), (Node<B>) args.get(1), (Node<C>) args.get(2)));
    }

    /** A workflow of four argument(s). */
    @SuppressWarnings("unchecked")
    public static <A, B, C, D, R> Workflow4<A, B, C, D, R> of(String name, Flow4<A, B, C, D, R> flow) {
        return new Workflow4<>(name, args -> flow.define((Node<A>) args.get(0), (Node<B>) args.get(1), (Node<C>) args.get(2), (Node<D>) args.get(3)));
    }

    /** A workflow of five argument(s). */
    @SuppressWarnings("unchecked")
    public static <A, B, C, D, E, R> Workflow5<A, B, C, D, E, R> of(String name, Flow5<A, B, C, D, E, R> flow) {
        return new Workflow5<>(name, args -> flow.define((Node<A>) args.get(0), (Node<B>) args.get(1), (Node<C>) args.get(2), (Node<D>) args.get(3), (Node<E>) args.get(4)));
    }

    /** A workflow of six argument(s). */
    @SuppressWarnings("unchecked")
    public static <A, B, C, D, E, F, R> Workflow6<A, B, C, D, E, F, R> of(String name, Flow6<A, B, C, D, E, F, R> flow) {
        return new Workflow6<>(name, args -> flow.define((Node<A>) args.get(0), (Node<B>) args.get(1), (Node<C>) args.get(2), (Node<D>) args.get(3), (Node<E>) args.get(4), (Node<F>) args.get(5)));
    }

    /** A workflow of seven argument(s). */
    @SuppressWarnings("unchecked")
    public static <A, B, C, D, E, F, G, R> Workflow7<A, B, C, D, E, F, G, R> of(String name, Flow7<A, B, C, D, E, F, G, R> flow) {
        return new Workflow7<>(name, args -> flow.define((Node<A>) args.get(0), (Node<B>) args.get(1), (Node<C>) args.get(2), (Node<D>) args.get(3), (Node<E>) args.get(4), (Node<F>) args.get(5), (Node<G>) args.get(6)));
    }

    /** A workflow of eight argument(s). */
    @SuppressWarnings("unchecked")
    public static <A, B, C, D, E, F, G, H, R> Workflow8<A, B, C, D, E, F, G, H, R> of(String name, Flow8<A, B, C, D, E, F, G, H, R> flow) {
        return new Workflow8<>(name, args -> flow.define((Node<A>) args.get(0), (Node<B>) args.get(1), (Node<C>) args.get(2), (Node<D>) args.get(3), (Node<E>) args.get(4), (Node<F>) args.get(5), (Node<G>) args.get(6), (Node<H>) args.get(7)));
    }

    /** The workflow's name. */
    public String name() {
        return name;
    }

    /** How many arguments it takes. */
    public int arity() {
        return arity;
    }

    /** Runs the workflow function with these argument values and returns the graph it records. */
    public WorkflowGraph graph(List<?> args) {
        if (args.size() != arity) {
            throw new ValenceException(ErrorKind.WORKFLOW, "workflow '" + name + "' takes " + arity
                    + " argument(s) but was given " + args.size());
        }
        List<Node<?>> nodes = args.stream().<Node<?>>map(Node::of).toList();
        return new WorkflowGraph.Recorder(this).record(() -> body.apply(nodes));
    }

    /** Runs the workflow function on these nodes (recording its task calls into the current recorder). */
    Node<R> define(List<Node<?>> nodes) {
        return body.apply(nodes);
    }

    Node<R> callNodes(Node<?>[] args) {
        WorkflowGraph.Recorder recorder = WorkflowGraph.Recorder.current().orElseThrow(() -> new ValenceException(
                ErrorKind.WORKFLOW, "workflow '" + name + "' was called with nodes outside a workflow definition: "
                + "call it inside another Workflow.of(...) as a sub-workflow, or dispatch it with Valence.dispatch"));
        return recorder.addWorkflow(this, args);
    }

    @Override
    public String toString() {
        return "Workflow[" + name + "/" + arity + "]";
    }

    /** A workflow function of no argument(s). */
    @FunctionalInterface
    public interface Flow0<R> {
        /** Calls tasks and returns the node holding the result. */
        Node<R> define();
    }

    /** A workflow function of one argument(s). */
    @FunctionalInterface
    public interface Flow1<A, R> {
        /** Calls tasks and returns the node holding the result. */
        Node<R> define(Node<A> a);
    }

    /** A workflow function of two argument(s). */
    @FunctionalInterface
    public interface Flow2<A, B, R> {
        /** Calls tasks and returns the node holding the result. */
        Node<R> define(Node<A> a, Node<B> b);
    }

    /** A workflow function of three argument(s). */
    @FunctionalInterface
    public interface Flow3<A, B, C, R> {
        /** Calls tasks and returns the node holding the result. */
        Node<R> define(Node<A> a, Node<B> b, Node<C> c);
    }

    /** A workflow function of four argument(s). */
    @FunctionalInterface
    public interface Flow4<A, B, C, D, R> {
        /** Calls tasks and returns the node holding the result. */
        Node<R> define(Node<A> a, Node<B> b, Node<C> c, Node<D> d);
    }

    /** A workflow function of five argument(s). */
    @FunctionalInterface
    public interface Flow5<A, B, C, D, E, R> {
        /** Calls tasks and returns the node holding the result. */
        Node<R> define(Node<A> a, Node<B> b, Node<C> c, Node<D> d, Node<E> e);
    }

    /** A workflow function of six argument(s). */
    @FunctionalInterface
    public interface Flow6<A, B, C, D, E, F, R> {
        /** Calls tasks and returns the node holding the result. */
        Node<R> define(Node<A> a, Node<B> b, Node<C> c, Node<D> d, Node<E> e, Node<F> f);
    }

    /** A workflow function of seven argument(s). */
    @FunctionalInterface
    public interface Flow7<A, B, C, D, E, F, G, R> {
        /** Calls tasks and returns the node holding the result. */
        Node<R> define(Node<A> a, Node<B> b, Node<C> c, Node<D> d, Node<E> e, Node<F> f, Node<G> g);
    }

    /** A workflow function of eight argument(s). */
    @FunctionalInterface
    public interface Flow8<A, B, C, D, E, F, G, H, R> {
        /** Calls tasks and returns the node holding the result. */
        Node<R> define(Node<A> a, Node<B> b, Node<C> c, Node<D> d, Node<E> e, Node<F> f, Node<G> g, Node<H> h);
    }
}
