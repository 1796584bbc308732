package dev.valence.api;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A named, serializable function bound to an executor: the Java form of the seed's
 * {@code @ct.electron(executor=...)}. Make one with {@code Task.of(name, fn, executor)}.
 */
public class Task<R> {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,62}");

    private final String name;
    private final int arity;
    private final TaskBody body;
    private final Executor executor;

    Task(String name, int arity, TaskBody body, Executor executor) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new ValenceException(ErrorKind.CONFIG, "task name '" + name
                    + "' is not valid: use 1 to 63 letters, digits, '_', '.' or '-', starting with a letter or digit");
        }
        this.name = name;
        this.arity = arity;
        this.body = Objects.requireNonNull(body, "body");
        this.executor = Objects.requireNonNull(executor, () -> "executor of task '" + name + "'");
    }

    /** A task with no arguments. */
    public static <R> Task0<R> of(String name, Fn.Fn0<R> fn, Executor executor) {
        Objects.requireNonNull(fn, "fn");
        return new Task0<>(name, args -> fn.apply(), executor);
    }

    /** A task with one argument. */
    @SuppressWarnings("unchecked")
    public static <A, R> Task1<A, R> of(String name, Fn.Fn1<A, R> fn, Executor executor) {
        Objects.requireNonNull(fn, "fn");
        return new Task1<>(name, args -> fn.apply((A) args[0]), executor);
    }

    /** A task with two arguments. */
    @SuppressWarnings("unchecked")
    public static <A, B, R> Task2<A, B, R> of(String name, Fn.Fn2<A, B, R> fn, Executor executor) {
        Objects.requireNonNull(fn, "fn");
        return new Task2<>(name, args -> fn.apply((A) args[0], (B) args[1]), executor);
    }

    /** A task with three arguments. */
    @SuppressWarnings("unchecked")
    public static <A, B, C, R> Task3<A, B, C, R> of(String name, Fn.Fn3<A, B, C, R> fn, Executor executor) {
        Objects.requireNonNull(fn, "fn");
        return new Task3<>(name, args -> fn.apply((A) args[0], (B) args[1], (C) args[2]), executor);
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

    /** Submits the task on its executor with the given arguments, outside any workflow. */
    public TaskRun<R> submitArgs(Object... args) {
        List<Object> list = Arrays.asList(args == null ? new Object[] {null} : args);
        if (list.size() != arity) {
            throw new ValenceException(ErrorKind.WORKFLOW, "task '" + name + "' takes " + arity
                    + " argument(s) but was given " + list.size());
        }
        return executor.submit(TaskCall.builder().taskName(name).body(body).args(list).build());
    }

    Node<R> callNodes(Node<?>[] args) {
        WorkflowGraph.Recorder recorder = WorkflowGraph.Recorder.current().orElseThrow(() -> new ValenceException(
                ErrorKind.WORKFLOW, "task '" + name + "' was called with workflow nodes outside a workflow definition: "
                + "call it inside Workflow.of(...), or run it directly with submit(...) and plain values"));
        return recorder.add(this, args);
    }

    @Override
    public String toString() {
        return "Task[" + name + "/" + arity + " on " + executor.name() + "]";
    }
}
