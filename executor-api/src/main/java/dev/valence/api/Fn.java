package dev.valence.api;

import java.io.Serializable;

/** Serializable function shapes a task can be made from; a lambda assigned to one is serializable. */
public final class Fn {
    private Fn() {
    }

    /** A task function of no argument(s). */
    @FunctionalInterface
    public interface Fn0<R> extends Serializable {
        /** Computes the result. */
        R apply() throws Exception;
    }

    /** A task function of one argument(s). */
    @FunctionalInterface
    public interface Fn1<A, R> extends Serializable {
        /** Computes the result. */
        R apply(A a) throws Exception;
    }

    /** A task function of two argument(s). */
    @FunctionalInterface
    public interface Fn2<A, B, R> extends Serializable {
        /** Computes the result. */
        R apply(A a, B b) throws Exception;
    }

    /** A task function of three argument(s). */
    @FunctionalInterface
    public interface Fn3<A, B, C, R> extends Serializable {
        /** Computes the result. */
        R apply(A a, B b, C c) throws Exception;
    }

    /** A task function of four argument(s). */
    @FunctionalInterface
    public interface Fn4<A, B, C, D, R> extends Serializable {
        /** Computes the result. */
        R apply(A a, B b, C c, D d) throws Exception;
    }

    /** A task function of five argument(s). */
    @FunctionalInterface
    public interface Fn5<A, B, C, D, E, R> extends Serializable {
        /** Computes the result. */
        R apply(A a, B b, C c, D d, E e) throws Exception;
    }

    /** A task function of six argument(s). */
    @FunctionalInterface
    public interface Fn6<A, B, C, D, E, F, R> extends Serializable {
        /** Computes the result. */
        R apply(A a, B b, C c, D d, E e, F f) throws Exception;
    }

    /** A task function of seven argument(s). */
    @FunctionalInterface
    public interface Fn7<A, B, C, D, E, F, G, R> extends Serializable {
        /** Computes the result. */
        R apply(A a, B b, C c, D d, E e, F f, G g) throws Exception;
    }

    /** A task function of eight argument(s). */
    @FunctionalInterface
    public interface Fn8<A, B, C, D, E, F, G, H, R> extends Serializable {
        /** Computes the result. */
        R apply(A a, B b, C c, D d, E e, F f, G g, H h) throws Exception;
    }
}
