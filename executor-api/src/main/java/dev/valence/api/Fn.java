package dev.valence.api;

import java.io.Serializable;

/** Serializable function shapes a task can be made from; a lambda assigned to one is serializable. */
public final class Fn {
    private Fn() {
    }

    /** A task function with no arguments. */
    @FunctionalInterface
    public interface Fn0<R> extends Serializable {
        /** Computes the result. */
        R apply() throws Exception;
    }

    /** A task function with one argument. */
    @FunctionalInterface
    public interface Fn1<A, R> extends Serializable {
        /** Computes the result. */
        R apply(A a) throws Exception;
    }

    /** A task function with two arguments. */
    @FunctionalInterface
    public interface Fn2<A, B, R> extends Serializable {
        /** Computes the result. */
        R apply(A a, B b) throws Exception;
    }

    /** A task function with three arguments. */
    @FunctionalInterface
    public interface Fn3<A, B, C, R> extends Serializable {
        /** Computes the result. */
        R apply(A a, B b, C c) throws Exception;
    }
}
