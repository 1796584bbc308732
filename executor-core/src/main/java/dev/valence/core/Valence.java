package dev.valence.core;

import dev.valence.api.ErrorKind;
import dev.valence.api.ValenceException;
import dev.valence.api.Workflow;
import dev.valence.api.Workflow0;
import dev.valence.api.Workflow1;
import dev.valence.api.Workflow2;
import dev.valence.api.Workflow3;
import dev.valence.api.WorkflowResult;
import java.lang.invoke.MethodType;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The seed's {@code ct.dispatch} / {@code ct.get_result} in Java: dispatch a workflow, get an id at
 * once, fetch the result (waiting or not). Backed by one process-wide {@link Dispatcher} whose
 * records live under {@code cache_dir} ({@code VALENCE_K8S_CACHE_DIR}, default
 * {@code ~/.cache/valence}); {@link #use} replaces it.
 */
public final class Valence {
    private static Dispatcher dispatcher;

    private Valence() {
    }

    /** Uses this dispatcher from now on (closing the previous one). */
    public static synchronized void use(Dispatcher d) {
        if (dispatcher != null && dispatcher != d) {
            dispatcher.close();
        }
        dispatcher = d;
    }

    /** The process-wide dispatcher. */
    public static synchronized Dispatcher dispatcher() {
        if (dispatcher == null) {
            dispatcher = new Dispatcher(defaultCacheDir(System.getenv(), Path.of(System.getProperty("user.home"))));
        }
        return dispatcher;
    }

    static Path defaultCacheDir(Map<String, String> env, Path home) {
        String fromEnv = env.get("VALENCE_K8S_CACHE_DIR");
        return fromEnv != null && !fromEnv.isBlank() ? Path.of(fromEnv) : home.resolve(".cache").resolve("valence");
    }

    /** Dispatches a workflow without arguments; returns its id at once. */
    public static <R> String dispatch(Workflow0<R> workflow) {
        return dispatcher().dispatch(workflow, List.of());
    }

    /** Dispatches a workflow of one argument; returns its id at once. */
    public static <A, R> String dispatch(Workflow1<A, R> workflow, A a) {
        return dispatcher().dispatch(workflow, Arrays.asList(a));
    }

    /** Dispatches a workflow of two arguments; returns its id at once. */
    public static <A, B, R> String dispatch(Workflow2<A, B, R> workflow, A a, B b) {
        return dispatcher().dispatch(workflow, Arrays.asList(a, b));
    }

    /** Dispatches a workflow of three arguments; returns its id at once. */
    public static <A, B, C, R> String dispatch(Workflow3<A, B, C, R> workflow, A a, B b, C c) {
        return dispatcher().dispatch(workflow, Arrays.asList(a, b, c));
    }

    /** Resumes a dispatch whose process died, with the same workflow and arguments. */
    public static String resume(String dispatchId, Workflow<?> workflow, Object... args) {
        return dispatcher().resume(dispatchId, workflow, Arrays.asList(args));
    }

    /**
     * The dispatch as it stands now. The value's type is not checked: prefer
     * {@link #result(String, Class, boolean)}.
     */
    public static <R> WorkflowResult<R> result(String dispatchId) {
        return dispatcher().result(dispatchId, false);
    }

    /**
     * The dispatch's result, waiting for it to finish when {@code wait} is true. The value's type is
     * not checked (a wrong {@code R} fails later with a {@code ClassCastException}): prefer
     * {@link #result(String, Class, boolean)}.
     */
    public static <R> WorkflowResult<R> result(String dispatchId, boolean wait) {
        return dispatcher().result(dispatchId, wait);
    }

    /**
     * The dispatch's result as a {@code type} ({@code Valence.result(id, String.class, true)}), waiting for
     * it to finish when {@code wait} is true. A value of another type is a {@link ErrorKind#WORKFLOW} error
     * here, naming both types, not a {@code ClassCastException} where the value is used.
     */
    public static <R> WorkflowResult<R> result(String dispatchId, Class<R> type, boolean wait) {
        return typed(dispatcher().result(dispatchId, wait), type);
    }

    /** Checks that the result's value, when it has one, is a {@code type} (primitive types as their boxes). */
    @SuppressWarnings("unchecked")
    static <R> WorkflowResult<R> typed(WorkflowResult<?> result, Class<R> type) {
        Class<?> boxed = MethodType.methodType(type).wrap().returnType();
        result.value().ifPresent(v -> {
            if (!boxed.isInstance(v)) {
                throw new ValenceException(ErrorKind.WORKFLOW, "dispatch " + result.dispatchId() + " ("
                        + result.workflowName() + ") returned a " + v.getClass().getName() + ", not the "
                        + type.getName() + " asked for: ask for the workflow's result type ("
                        + v.getClass().getSimpleName() + ".class) or a supertype of it");
            }
        });
        return (WorkflowResult<R>) result;
    }

    /** Cancels every running node of the dispatch. */
    public static boolean cancel(String dispatchId) {
        return dispatcher().cancel(dispatchId);
    }
}
