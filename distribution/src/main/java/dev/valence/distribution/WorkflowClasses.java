package dev.valence.distribution;

import dev.valence.api.Executor;
import dev.valence.api.NamedExecutors;
import dev.valence.api.Workflow;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Optional;

/**
 * The convention for a workflow that {@code valence run} and {@code valence render} load by class
 * name: a public class with {@code public static Workflow<?> workflow(NamedExecutors executors)} (its
 * tasks take executors by name, each built from its {@code [executors.k8s.<name>]} section), or the
 * older {@code public static Workflow<?> workflow(Executor kubernetes, Executor local)} (the first
 * executor runs tasks on the cluster, or locally when the cluster is not used; the second always in
 * this JVM). The command-line arguments after the class name are the workflow's arguments, as strings.
 */
final class WorkflowClasses {
    /** The method of a workflow class that takes its executors by name. */
    static final String NAMED_CONVENTION = "public static Workflow<?> workflow(NamedExecutors executors)";
    /** The method of a workflow class that takes the cluster's executor and the local one. */
    static final String PAIR_CONVENTION = "public static Workflow<?> workflow(Executor kubernetes, Executor local)";
    /** The methods a workflow class may have, as users write them. */
    static final String CONVENTION = NAMED_CONVENTION + " or " + PAIR_CONVENTION;

    /** A workflow class's factory method, and whether it takes executors by name. */
    record Factory(Method method, boolean named) {
    }

    private WorkflowClasses() {
    }

    /** The factory method of {@code className}, checked; an {@link IllegalArgumentException} says what is wrong. */
    static Factory find(String className, ClassLoader loader) {
        Class<?> type;
        try {
            type = Class.forName(className, false, loader);
        } catch (ClassNotFoundException | LinkageError e) {
            throw new IllegalArgumentException("workflow class '" + className + "' was not found on the class path; "
                    + "put its classes directory or jar on VALENCE_CLASSPATH (e.g. VALENCE_CLASSPATH=target/classes "
                    + "valence run " + className + ")");
        }
        Optional<Method> named = method(type, NamedExecutors.class);
        Method m = named.or(() -> method(type, Executor.class, Executor.class)).orElseThrow(() ->
                new IllegalArgumentException("class '" + className + "' has no method " + CONVENTION
                        + "; add one that returns your workflow (see 'valence run --help')"));
        if (!Modifier.isStatic(m.getModifiers()) || !Workflow.class.isAssignableFrom(m.getReturnType())) {
            throw new IllegalArgumentException("workflow(...) of '" + className + "' must be static and "
                    + "return a Workflow: " + CONVENTION);
        }
        return new Factory(m, named.isPresent());
    }

    private static Optional<Method> method(Class<?> type, Class<?>... parameters) {
        try {
            return Optional.of(type.getMethod("workflow", parameters));
        } catch (NoSuchMethodException e) {
            return Optional.empty();
        }
    }

    /** Calls a {@code workflow(Executor, Executor)} factory with the executors. */
    static Workflow<?> create(Factory factory, Executor kubernetes, Executor local) {
        return invoke(factory.method(), kubernetes, local);
    }

    /** Calls a {@code workflow(NamedExecutors)} factory. */
    static Workflow<?> create(Factory factory, NamedExecutors executors) {
        return invoke(factory.method(), executors);
    }

    private static Workflow<?> invoke(Method factory, Object... args) {
        try {
            Object w = factory.invoke(null, args);
            if (w == null) {
                throw new IllegalArgumentException(factory.getDeclaringClass().getName() + ".workflow(...) returned null; "
                        + "return the workflow");
            }
            return (Workflow<?>) w;
        } catch (IllegalAccessException e) {
            throw new IllegalArgumentException("cannot call " + factory + ": make the class and the method public");
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(factory.getDeclaringClass().getName() + ".workflow(...) threw " + cause, cause);
        }
    }
}
