package dev.valence.core;

import dev.valence.api.ErrorKind;
import dev.valence.api.ValenceException;
import dev.valence.api.Workflow;
import dev.valence.api.Settings;
import dev.valence.api.Workflow0;
import dev.valence.api.Workflow1;
import dev.valence.api.Workflow2;
import dev.valence.api.Workflow3;
import dev.valence.api.Workflow4;
import dev.valence.api.Workflow5;
import dev.valence.api.Workflow6;
import dev.valence.api.Workflow7;
import dev.valence.api.Workflow8;
import java.util.Optional;
import dev.valence.api.WorkflowResult;
import java.lang.invoke.MethodType;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The seed's {@code ct.dispatch} / {@code ct.get_result} / {@code ct.redispatch} in Java: dispatch a
 * workflow, get an id at once, fetch the result (waiting or not), run it again reusing what did not
 * change. Backed by one process-wide {@link Dispatcher} whose records live under
 * {@code <cache_dir>/dispatches}: by default the {@code cache_dir} of the environment
 * ({@code VALENCE_K8S_CACHE_DIR}, else {@code ~/.cache/valence}) — not that of an executor built with
 * another one; choose with {@link #records(Path)} (or {@link #records(Settings)}: an executor's
 * settings), or {@link #use} a dispatcher of your own.
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

    /**
     * Keeps dispatch records under {@code <cacheDir>/dispatches} from now on (where {@code valence
     * dispatches} run with that {@code cache_dir} finds them); returns that folder.
     */
    public static synchronized Path records(Path cacheDir) {
        Dispatcher current = dispatcher;
        Path wanted = cacheDir.toAbsolutePath().normalize().resolve("dispatches");
        if (current == null || !current.recordsDir().toAbsolutePath().normalize().equals(wanted)) {
            use(new Dispatcher(cacheDir));
        }
        return dispatcher.recordsDir();
    }

    /** Keeps dispatch records under the {@code cache_dir} of these settings (an executor's); returns the folder. */
    public static Path records(Settings settings) {
        return records(settings.cacheDir());
    }

    /** Where the dispatch records of {@link #dispatch} live now. */
    public static Path records() {
        return dispatcher().recordsDir();
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

    /** Dispatches a workflow of no argument(s); returns its id at once. */
    public static <R> String dispatch(Workflow0<R> workflow) {
        return dispatcher().dispatch(workflow, Arrays.asList());
    }

    /** Dispatches a workflow of one argument(s); returns its id at once. */
    public static <A, R> String dispatch(Workflow1<A, R> workflow, A a) {
        return dispatcher().dispatch(workflow, Arrays.asList(a));
    }

    /** Dispatches a workflow of two argument(s); returns its id at once. */
    public static <A, B, R> String dispatch(Workflow2<A, B, R> workflow, A a, B b) {
        return dispatcher().dispatch(workflow, Arrays.asList(a, b));
    }

    /** Dispatches a workflow of three argument(s); returns its id at once. */
    public static <A, B, C, R> String dispatch(Workflow3<A, B, C, R> workflow, A a, B b, C c) {
        return dispatcher().dispatch(workflow, Arrays.asList(a, b, c));
    }

    /** Dispatches a workflow of four argument(s); returns its id at once. */
    public static <A, B, C, D, R> String dispatch(Workflow4<A, B, C, D, R> workflow, A a, B b, C c, D d) {
        return dispatcher().dispatch(workflow, Arrays.asList(a, b, c, d));
    }

    /** Dispatches a workflow of five argument(s); returns its id at once. */
    public static <A, B, C, D, E, R> String dispatch(Workflow5<A, B, C, D, E, R> workflow, A a, B b, C c, D d, E e) {
        return dispatcher().dispatch(workflow, Arrays.asList(a, b, c, d, e));
    }

    /** Dispatches a workflow of six argument(s); returns its id at once. */
    public static <A, B, C, D, E, F, R> String dispatch(Workflow6<A, B, C, D, E, F, R> workflow, A a, B b, C c, D d, E e, F f) {
        return dispatcher().dispatch(workflow, Arrays.asList(a, b, c, d, e, f));
    }

    /** Dispatches a workflow of seven argument(s); returns its id at once. */
    public static <A, B, C, D, E, F, G, R> String dispatch(Workflow7<A, B, C, D, E, F, G, R> workflow, A a, B b, C c, D d, E e, F f, G g) {
        return dispatcher().dispatch(workflow, Arrays.asList(a, b, c, d, e, f, g));
    }

    /** Dispatches a workflow of eight argument(s); returns its id at once. */
    public static <A, B, C, D, E, F, G, H, R> String dispatch(Workflow8<A, B, C, D, E, F, G, H, R> workflow, A a, B b, C c, D d, E e, F f, G g, H h) {
        return dispatcher().dispatch(workflow, Arrays.asList(a, b, c, d, e, f, g, h));
    }

    /** Resumes a dispatch whose process died, with the same workflow and arguments. */
    public static String resume(String dispatchId, Workflow<?> workflow, Object... args) {
        return dispatcher().resume(dispatchId, workflow, Arrays.asList(args));
    }

    /**
     * Runs dispatch {@code dispatchId} again as a new dispatch (Covalent's {@code redispatch} with
     * {@code reuse_previous_results=True}), with its arguments when none are given, else with these
     * (as many as the workflow takes): a node whose code, overrides and inputs did not change reuses
     * its earlier output. Returns the new dispatch id at once; an unknown id is an error.
     */
    public static String redispatch(String dispatchId, Workflow<?> workflow, Object... args) {
        Optional<List<?>> given = args == null ? Optional.of(Arrays.asList((Object) null))
                : args.length == 0 && workflow.arity() > 0 ? Optional.empty() : Optional.of(Arrays.asList(args));
        return dispatcher().redispatch(dispatchId, workflow, given);
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
