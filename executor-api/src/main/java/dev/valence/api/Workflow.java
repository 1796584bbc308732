package dev.valence.api;

import java.util.List;
import java.util.function.Function;

/**
 * A named workflow: a function over {@link Node}s that calls tasks, the Java form of the seed's
 * {@code @ct.lattice}. Running it records a {@link WorkflowGraph}; a dispatcher runs the graph.
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

    /** A workflow with no arguments. */
    public static <R> Workflow0<R> of(String name, Flow0<R> flow) {
        return new Workflow0<>(name, args -> flow.define());
    }

    /** A workflow with one argument. */
    @SuppressWarnings("unchecked")
    public static <A, R> Workflow1<A, R> of(String name, Flow1<A, R> flow) {
        return new Workflow1<>(name, args -> flow.define((Node<A>) args.get(0)));
    }

    /** A workflow with two arguments. */
    @SuppressWarnings("unchecked")
    public static <A, B, R> Workflow2<A, B, R> of(String name, Flow2<A, B, R> flow) {
        return new Workflow2<>(name, args -> flow.define((Node<A>) args.get(0), (Node<B>) args.get(1)));
    }

    /** A workflow with three arguments. */
    @SuppressWarnings("unchecked")
    public static <A, B, C, R> Workflow3<A, B, C, R> of(String name, Flow3<A, B, C, R> flow) {
        return new Workflow3<>(name, args -> flow.define((Node<A>) args.get(0), (Node<B>) args.get(1),
                (Node<C>) args.get(2)));
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
        return new WorkflowGraph.Recorder(name).record(() -> body.apply(nodes));
    }

    @Override
    public String toString() {
        return "Workflow[" + name + "/" + arity + "]";
    }

    /** A workflow function without arguments. */
    @FunctionalInterface
    public interface Flow0<R> {
        /** Calls tasks and returns the node holding the result. */
        Node<R> define();
    }

    /** A workflow function of one argument. */
    @FunctionalInterface
    public interface Flow1<A, R> {
        /** Calls tasks and returns the node holding the result. */
        Node<R> define(Node<A> a);
    }

    /** A workflow function of two arguments. */
    @FunctionalInterface
    public interface Flow2<A, B, R> {
        /** Calls tasks and returns the node holding the result. */
        Node<R> define(Node<A> a, Node<B> b);
    }

    /** A workflow function of three arguments. */
    @FunctionalInterface
    public interface Flow3<A, B, C, R> {
        /** Calls tasks and returns the node holding the result. */
        Node<R> define(Node<A> a, Node<B> b, Node<C> c);
    }
}
