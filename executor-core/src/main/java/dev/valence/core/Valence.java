package dev.valence.core;

import dev.valence.api.Workflow;
import dev.valence.api.Workflow0;
import dev.valence.api.Workflow1;
import dev.valence.api.Workflow2;
import dev.valence.api.Workflow3;
import dev.valence.api.WorkflowResult;
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

    /** The dispatch as it stands now. */
    public static <R> WorkflowResult<R> result(String dispatchId) {
        return dispatcher().result(dispatchId, false);
    }

    /** The dispatch's result, waiting for it to finish when {@code wait} is true. */
    public static <R> WorkflowResult<R> result(String dispatchId, boolean wait) {
        return dispatcher().result(dispatchId, wait);
    }

    /** Cancels every running node of the dispatch. */
    public static boolean cancel(String dispatchId) {
        return dispatcher().cancel(dispatchId);
    }
}
