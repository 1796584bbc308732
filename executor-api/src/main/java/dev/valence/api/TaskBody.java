package dev.valence.api;

import java.io.Serializable;

/** The untyped, serializable form of a task's function: what travels to the pod and runs there. */
@FunctionalInterface
public interface TaskBody extends Serializable {
    /** Runs the function on the given arguments. */
    Object invoke(Object[] args) throws Exception;
}
