package dev.valence.distribution;

import dev.valence.api.Executor;
import dev.valence.api.Workflow;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;

/**
 * The convention for a workflow that {@code valence run} and {@code valence render} load by class
 * name: a public class with {@code public static Workflow<?> workflow(Executor kubernetes, Executor local)}.
 * The first executor runs tasks on the cluster (or locally when the cluster is not used), the second
 * always in this JVM; the command-line arguments after the class name are the workflow's arguments,
 * as strings.
 */
final class WorkflowClasses {
    /** The method a workflow class has, as users write it. */
    static final String CONVENTION = "public static Workflow<?> workflow(Executor kubernetes, Executor local)";

    private WorkflowClasses() {
    }

    /** The factory method of {@code className}, checked; an {@link IllegalArgumentException} says what is wrong. */
    static Method find(String className, ClassLoader loader) {
        Class<?> type;
        try {
            type = Class.forName(className, false, loader);
        } catch (ClassNotFoundException | LinkageError e) {
            throw new IllegalArgumentException("workflow class '" + className + "' was not found on the class path; "
                    + "put its classes directory or jar on VALENCE_CLASSPATH (e.g. VALENCE_CLASSPATH=target/classes "
                    + "valence run " + className + ")");
        }
        Method m;
        try {
            m = type.getMethod("workflow", Executor.class, Executor.class);
        } catch (NoSuchMethodException e) {
            throw new IllegalArgumentException("class '" + className + "' has no method " + CONVENTION
                    + "; add one that returns your workflow (see 'valence run --help')");
        }
        if (!Modifier.isStatic(m.getModifiers()) || !Workflow.class.isAssignableFrom(m.getReturnType())) {
            throw new IllegalArgumentException("workflow(Executor, Executor) of '" + className + "' must be static and "
                    + "return a Workflow: " + CONVENTION);
        }
        return m;
    }

    /** Calls the factory method with the executors. */
    static Workflow<?> create(Method factory, Executor kubernetes, Executor local) {
        try {
            Object w = factory.invoke(null, kubernetes, local);
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
