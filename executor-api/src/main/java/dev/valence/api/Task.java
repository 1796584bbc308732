package dev.valence.api;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;

/**
 * A named, serializable function bound to an executor: the Java form of the seed's
 * {@code @ct.electron(executor=...)}. Make one with {@code Task.of(name, fn, executor)}, of 0 to 8
 * typed arguments; {@code with(...)} overrides settings for its calls, {@code after(...)} orders it.
 */
public class Task<R> {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,62}");
    /** The most typed arguments a task or workflow takes; pass a record or a list for more. */
    public static final int MAX_ARITY = 8;

    private final String name;
    private final int arity;
    private final TaskBody body;
    private final Executor executor;
    private final TaskOptions options;
    private final List<Node<?>> after;

    Task(String name, int arity, TaskBody body, Executor executor) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new ValenceException(ErrorKind.CONFIG, "task name '" + name
                    + "' is not valid: use 1 to 63 letters, digits, '_', '.' or '-', starting with a letter or digit");
        }
        this.name = name;
        this.arity = arity;
        this.body = Objects.requireNonNull(body, "body");
        this.executor = Objects.requireNonNull(executor, () -> "executor of task '" + name + "'");
        this.options = TaskOptions.NONE;
        this.after = List.of();
    }

    Task(Task<R> from, TaskOptions options, List<Node<?>> after) {
        this.name = from.name;
        this.arity = from.arity;
        this.body = from.body;
        this.executor = from.executor;
        this.options = Objects.requireNonNull(options, "options");
        this.after = List.copyOf(after);
    }

    /** A task of no argument(s). */
    public static <R> Task0<R> of(String name, Fn.Fn0<R> fn, Executor executor) {
        Objects.requireNonNull(fn, "fn");
        return new Task0<>(name, args -> fn.apply(), executor);
    }

    /** A task of one argument(s). */
    @SuppressWarnings("unchecked")
    public static <A, R> Task1<A, R> of(String name, Fn.Fn1<A, R> fn, Executor executor) {
        Objects.requireNonNull(fn, "fn");
        return new Task1<>(name, args -> fn.apply((A) args[0]), executor);
    }

    /** A task of two argument(s). */
    @SuppressWarnings("unchecked")
    public static <A, B, R> Task2<A, B, R> of(String name, Fn.Fn2<A, B, R> fn, Executor executor) {
        Objects.requireNonNull(fn, "fn");
        return new Task2<>(name, args -> fn.apply((A) args[0], (B) args[1]), executor);
    }

    /** A task of three argument(s). */
    @SuppressWarnings("unchecked")
    public static <A, B, C, R> Task3<A, B, C, R> of(String name, Fn.Fn3<A, B, C, R> fn, Executor executor) {
        Objects.requireNonNull(fn, "fn");
        return new Task3<>(name, args -> fn.apply((A) args[0], (B) args[1], (C) args[2]), executor);
    }

    /** A task of four argument(s). */
    @SuppressWarnings("unchecked")
    public static <A, B, C, D, R> Task4<A, B, C, D, R> of(String name, Fn.Fn4<A, B, C, D, R> fn, Executor executor) {
        Objects.requireNonNull(fn, "fn");
        return new Task4<>(name, args -> fn.apply((A) args[0], (B) args[1], (C) args[2], (D) args[3]), executor);
    }

    /** A task of five argument(s). */
    @SuppressWarnings("unchecked")
    public static <A, B, C, D, E, R> Task5<A, B, C, D, E, R> of(String name, Fn.Fn5<A, B, C, D, E, R> fn, Executor executor) {
        Objects.requireNonNull(fn, "fn");
        return new Task5<>(name, args -> fn.apply((A) args[0], (B) args[1], (C) args[2], (D) args[3], (E) args[4]), executor);
    }

    /** A task of six argument(s). */
    @SuppressWarnings("unchecked")
    public static <A, B, C, D, E, F, R> Task6<A, B, C, D, E, F, R> of(String name, Fn.Fn6<A, B, C, D, E, F, R> fn, Executor executor) {
        Objects.requireNonNull(fn, "fn");
        return new Task6<>(name, args -> fn.apply((A) args[0], (B) args[1], (C) args[2], (D) args[3], (E) args[4], (F) args[5]), executor);
    }

    /** A task of seven argument(s). */
    @SuppressWarnings("unchecked")
    public static <A, B, C, D, E, F, G, R> Task7<A, B, C, D, E, F, G, R> of(String name, Fn.Fn7<A, B, C, D, E, F, G, R> fn, Executor executor) {
        Objects.requireNonNull(fn, "fn");
        return new Task7<>(name, args -> fn.apply((A) args[0], (B) args[1], (C) args[2], (D) args[3], (E) args[4], (F) args[5], (G) args[6]), executor);
    }

    /** A task of eight argument(s). */
    @SuppressWarnings("unchecked")
    public static <A, B, C, D, E, F, G, H, R> Task8<A, B, C, D, E, F, G, H, R> of(String name, Fn.Fn8<A, B, C, D, E, F, G, H, R> fn, Executor executor) {
        Objects.requireNonNull(fn, "fn");
        return new Task8<>(name, args -> fn.apply((A) args[0], (B) args[1], (C) args[2], (D) args[3], (E) args[4], (F) args[5], (G) args[6], (H) args[7]), executor);
    }

    /** The task's name, used in node ids, Job names and logs. */
    public String name() {
        return name;
    }

    /** How many arguments the function takes. */
    public int arity() {
        return arity;
    }

    /** The serializable function. */
    public TaskBody body() {
        return body;
    }

    /** The executor this task runs on. */
    public Executor executor() {
        return executor;
    }

    /** The settings this task overrides for its calls, and its client-side retry policy. */
    public TaskOptions options() {
        return options;
    }

    /** Nodes the next calls of this task wait for without taking their values (see {@code after}). */
    public List<Node<?>> afterNodes() {
        return after;
    }

    /** Submits the task on its executor with the given arguments, outside any workflow. */
    public TaskRun<R> submitArgs(Object... args) {
        List<Object> list = Arrays.asList(args == null ? new Object[] {null} : args);
        if (list.size() != arity) {
            throw new ValenceException(ErrorKind.WORKFLOW, "task '" + name + "' takes " + arity
                    + " argument(s) but was given " + list.size());
        }
        return executor.submit(TaskCall.builder().taskName(name).body(body).args(list).options(options).build());
    }

    <E> TaskRun<MapResult<R>> submitMap(List<E> elements) {
        if (elements == null) {
            throw new ValenceException(ErrorKind.WORKFLOW, "task '" + name + "' was mapped over null; pass a list");
        }
        return executor.submit(TaskCall.builder().taskName(name).body(body).args(List.of(new ArrayList<>(elements)))
                .options(options).map(true).build());
    }

    <T> Node<T> mapNode(Node<?> elements) {
        WorkflowGraph.Recorder recorder = WorkflowGraph.Recorder.current().orElseThrow(() -> new ValenceException(
                ErrorKind.WORKFLOW, "task '" + name + "' was mapped over a workflow node outside a workflow definition: "
                + "map it inside Workflow.of(...), or map it directly over a List of values"));
        return recorder.addMap(this, elements);
    }

    Node<R> callNodes(Node<?>[] args) {
        WorkflowGraph.Recorder recorder = WorkflowGraph.Recorder.current().orElseThrow(() -> new ValenceException(
                ErrorKind.WORKFLOW, "task '" + name + "' was called with workflow nodes outside a workflow definition: "
                + "call it inside Workflow.of(...), or run it directly with submit(...) and plain values"));
        return recorder.add(this, args);
    }

    TaskOptions changedOptions(UnaryOperator<TaskOptions.Builder> change) {
        Objects.requireNonNull(change, "change");
        TaskOptions.Builder b = Objects.requireNonNull(change.apply(options.toBuilder(name)),
                () -> "the options function of task '" + name + "' returned null; return the builder it was given");
        return b.build();
    }

    List<Node<?>> addedAfter(Node<?>[] nodes) {
        List<Node<?>> out = new ArrayList<>(after);
        for (Node<?> n : Objects.requireNonNull(nodes, "nodes")) {
            if (n == null) {
                throw new ValenceException(ErrorKind.WORKFLOW, "task '" + name + "': after(...) was given a null node");
            }
            out.add(n);
        }
        return out;
    }

    @Override
    public String toString() {
        return "Task[" + name + "/" + arity + " on " + executor.name() + (options.isEmpty() ? "" : " with " + options)
                + "]";
    }
}
