package dev.valence.distribution;

import dev.valence.api.ErrorKind;
import dev.valence.api.NodeResult;
import dev.valence.api.TaskError;
import dev.valence.api.TaskStatus;
import dev.valence.api.ValenceException;
import dev.valence.api.Workflow;
import dev.valence.api.WorkflowResult;
import dev.valence.core.DispatchSource;
import dev.valence.core.Dispatcher;
import dev.valence.examples.SeedExample;
import jakarta.inject.Inject;
import jakarta.inject.Provider;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code valence dispatches}: the recorded dispatches under cache_dir, or one with every node. */
@Command(name = "dispatches", mixinStandardHelpOptions = true,
        description = {"Lists the recorded dispatches (newest first), or shows one with every node: status, "
                + "executor, Job, times, error, and each failed node's exception with its stack trace. A dispatch "
                + "whose process died before it finished is shown as orphaned; 'resume' goes on with it.",
                "Records live under <cache_dir>/dispatches."},
        subcommands = {DispatchesCommand.ListDispatches.class, DispatchesCommand.Show.class,
                DispatchesCommand.Cancel.class, DispatchesCommand.Resume.class})
final class DispatchesCommand implements Callable<Integer> {

    @Parameters(index = "0", arity = "0..1", paramLabel = "ID", description = "Show this dispatch (its id or a unique prefix).")
    String id;

    @Mixin
    OutputFormat output = new OutputFormat();

    private final Provider<Dispatcher> dispatcher;
    private final CliEnvironment env;

    @Inject
    DispatchesCommand(Provider<Dispatcher> dispatcher, CliEnvironment env) {
        this.dispatcher = dispatcher;
        this.env = env;
    }

    @Override
    public Integer call() {
        return id == null ? list(dispatcher, env, output) : show(dispatcher, env, output, id);
    }

    static int list(Provider<Dispatcher> dispatcher, CliEnvironment env, OutputFormat output) {
        List<WorkflowResult<Object>> all = Failures.unwrapped(dispatcher::get).list();
        PrintWriter out = env.out();
        if (output.structured()) {
            out.print(output.write(all.stream().map(r -> summary(r, false)).toList()));
        } else if (all.isEmpty()) {
            out.println("no dispatches recorded (run one with 'valence run')");
        } else {
            Table t = output.wide()
                    ? Table.of("ID", "WORKFLOW", "STATUS", "NODES", "STARTED", "FINISHED", "EXECUTORS", "ERROR")
                    : Table.of("ID", "WORKFLOW", "STATUS", "NODES", "STARTED", "FINISHED");
            for (WorkflowResult<Object> r : all) {
                long done = r.nodes().stream().filter(n -> n.status().succeeded()).count();
                String finished = r.finishedAt().map(DispatchesCommand::time).orElse("-");
                if (output.wide()) {
                    String executors = String.join(",", new java.util.TreeSet<>(r.nodes().stream()
                            .map(NodeResult::executor).filter(e -> !e.isEmpty()).toList()));
                    t.row(r.dispatchId(), r.workflowName(), status(r), done + "/" + r.nodes().size(),
                            time(r.startedAt()), finished, executors.isEmpty() ? "-" : executors,
                            r.error().map(e -> String.valueOf(e).lines().findFirst().orElse("")).orElse("-"));
                } else {
                    t.row(r.dispatchId(), r.workflowName(), status(r), done + "/" + r.nodes().size(),
                            time(r.startedAt()), finished);
                }
            }
            t.print(out);
        }
        out.flush();
        return 0;
    }

    static int show(Provider<Dispatcher> dispatcher, CliEnvironment env, OutputFormat output, String idOrPrefix) {
        Dispatcher d = Failures.unwrapped(dispatcher::get);
        String id = d.resolveId(idOrPrefix);
        WorkflowResult<Object> r = d.result(id);
        PrintWriter out = env.out();
        if (output.structured()) {
            out.print(output.write(summary(r, true)));
        } else {
            out.println("dispatch " + r.dispatchId() + ": workflow " + r.workflowName() + ", " + status(r));
            out.println("started " + time(r.startedAt()) + r.finishedAt().map(f -> ", finished " + time(f)).orElse(""));
            r.value().ifPresent(v -> out.println("value: " + v));
            r.error().ifPresent(e -> out.println("error: " + e));
            if (r.orphaned()) {
                boolean fromCli = d.source(id).isPresent();
                out.println("orphaned: the process that ran it is gone; " + (fromCli ? "'valence dispatches resume "
                        + r.dispatchId() + "'" : "Valence.resume(\"" + r.dispatchId() + "\", workflow, args...)")
                        + " goes on without re-running completed nodes, and 'valence jobs cancel --dispatch "
                        + r.dispatchId() + "' deletes its Jobs");
            }
            out.println();
            Table t = Table.of("NODE", "TASK", "STATUS", "EXECUTOR", "JOB", "ATTEMPTS", "STARTED", "FINISHED", "ERROR");
            nested(r, "", 0, t);
            t.print(out);
            r.nodes().stream().filter(n -> n.attempts().size() > 1).forEach(n -> {
                out.println();
                out.println("node " + n.nodeId() + " attempts:");
                n.attempts().forEach(a -> out.println("  " + a.number() + ". " + a.jobName().orElse("-") + " "
                        + a.startedAt().map(DispatchesCommand::time).orElse("-") + " .. "
                        + a.finishedAt().map(DispatchesCommand::time).orElse("-")
                        + a.error().map(e -> "  " + e.lines().findFirst().orElse("")).orElse("")));
            });
            r.nodes().forEach(n -> mapResult(n).filter(m -> !m.allSucceeded()).ifPresent(m -> {
                out.println();
                out.println("node " + n.nodeId() + " map: " + MapElements.counts(m) + "; failed elements:");
                MapElements.failureLines(m).forEach(line -> out.println("  " + line));
            }));
            r.failures().forEach((node, e) -> {
                out.println();
                out.println("node " + node + " threw:");
                e.trace(Integer.MAX_VALUE).forEach(line -> out.println("  " + line));
            });
        }
        out.flush();
        return 0;
    }

    /** The nodes under {@code parent} as rows, each sub-workflow followed by its own nodes, indented. */
    private static void nested(WorkflowResult<?> r, String parent, int depth, Table t) {
        List<NodeResult> children = r.children(parent);
        // a sub-workflow's step is recorded after its nodes: show it first, its nodes under it
        for (NodeResult n : children.stream().filter(NodeResult::workflow).toList()) {
            row(t, n, depth);
            nested(r, n.nodeId(), depth + 1, t);
        }
        for (NodeResult n : children.stream().filter(n -> !n.workflow()).toList()) {
            row(t, n, depth);
        }
    }

    private static void row(Table t, NodeResult n, int depth) {
        String executor = n.reusedFrom().map(d -> "reused from " + d)
                .orElse(n.executor().isEmpty() ? "-" : n.executor());
        t.row("  ".repeat(depth) + n.nodeId(), n.workflow() ? "workflow " + n.taskName() : n.taskName(), n.status(),
                executor, n.jobName().orElse("-"), n.attempts().isEmpty() ? "-" : Integer.toString(n.attempts().size()),
                n.startedAt().map(DispatchesCommand::time).orElse("-"),
                n.finishedAt().map(DispatchesCommand::time).orElse("-"),
                n.error().map(e -> e.lines().findFirst().orElse(""))
                        .orElseGet(() -> mapResult(n).filter(m -> !m.allSucceeded()).map(MapElements::counts).orElse("")));
    }

    /** The per-element result of a map node, when its value is at hand. */
    static java.util.Optional<dev.valence.api.MapResult<?>> mapResult(NodeResult n) {
        return MapElements.of(n);
    }

    /** An instant to the second, for tables. */
    static String time(Instant i) {
        return i.truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
    }

    private static String status(WorkflowResult<?> r) {
        return r.orphaned() ? r.status() + " (orphaned)" : r.status().name();
    }

    private static Map<String, Object> summary(WorkflowResult<?> r, boolean withNodes) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", r.dispatchId());
        m.put("workflow", r.workflowName());
        m.put("status", r.status().name());
        m.put("orphaned", r.orphaned());
        m.put("started", r.startedAt().toString());
        m.put("finished", r.finishedAt().map(Instant::toString));
        m.put("error", r.error());
        if (withNodes) {
            m.put("value", r.value().map(String::valueOf));
            m.put("nodes", r.nodes().stream().map(DispatchesCommand::node).toList());
        } else {
            m.put("nodes", r.nodes().size());
            m.put("completed", r.nodes().stream().filter(n -> n.status().succeeded()).count());
        }
        return m;
    }

    private static Map<String, Object> node(NodeResult n) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("node", n.nodeId());
        m.put("task", n.taskName());
        m.put("status", n.status().name());
        m.put("executor", n.executor());
        m.put("job", n.jobName());
        m.put("started", n.startedAt().map(Instant::toString));
        m.put("finished", n.finishedAt().map(Instant::toString));
        m.put("error", n.error());
        m.put("exception", n.exception().map(DispatchesCommand::exception));
        m.put("depends_on", n.dependsOn());
        m.put("parent", n.parent());
        m.put("workflow", n.workflow());
        m.put("reused_from", n.reusedFrom());
        mapResult(n).ifPresent(r -> m.put("map", MapElements.view(r, String::valueOf, String::valueOf, 0)));
        m.put("attempts", n.attempts().stream().map(a -> {
            Map<String, Object> am = new LinkedHashMap<>();
            am.put("number", a.number());
            am.put("job", a.jobName());
            am.put("started", a.startedAt().map(Instant::toString));
            am.put("finished", a.finishedAt().map(Instant::toString));
            am.put("error", a.error());
            return am;
        }).toList());
        return m;
    }

    private static Map<String, Object> exception(TaskError e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", e.type());
        m.put("message", e.message());
        m.put("frames", e.frames());
        m.put("cause", e.cause().map(DispatchesCommand::exception));
        return m;
    }

    /** {@code valence dispatches list}. */
    @Command(name = "list", mixinStandardHelpOptions = true, description = "Lists the recorded dispatches.")
    static final class ListDispatches implements Callable<Integer> {
        @Mixin
        OutputFormat output = new OutputFormat();

        private final Provider<Dispatcher> dispatcher;
        private final CliEnvironment env;

        @Inject
        ListDispatches(Provider<Dispatcher> dispatcher, CliEnvironment env) {
            this.dispatcher = dispatcher;
            this.env = env;
        }

        @Override
        public Integer call() {
            return list(dispatcher, env, output);
        }
    }

    /** {@code valence dispatches show ID}. */
    @Command(name = "show", mixinStandardHelpOptions = true, description = "Shows one dispatch with every node.")
    static final class Show implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "ID", description = "The dispatch id, or a unique prefix of it.")
        String id;

        @Mixin
        OutputFormat output = new OutputFormat();

        private final Provider<Dispatcher> dispatcher;
        private final CliEnvironment env;

        @Inject
        Show(Provider<Dispatcher> dispatcher, CliEnvironment env) {
            this.dispatcher = dispatcher;
            this.env = env;
        }

        @Override
        public Integer call() {
            return show(dispatcher, env, output, id);
        }
    }

    /** {@code valence dispatches cancel ID}. */
    @Command(name = "cancel", mixinStandardHelpOptions = true,
            description = "Cancels a dispatch run by another process: deletes its Jobs, so its Kubernetes tasks end "
                    + "as cancelled (tasks that run locally in that process can only be stopped there).")
    static final class Cancel implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "ID", description = "The dispatch id, or a unique prefix of it.")
        String id;

        private final Provider<Dispatcher> dispatcher;
        private final ClusterJobs jobs;
        private final CliEnvironment env;

        @Inject
        Cancel(Provider<Dispatcher> dispatcher, ClusterJobs jobs, CliEnvironment env) {
            this.dispatcher = dispatcher;
            this.jobs = jobs;
            this.env = env;
        }

        @Override
        public Integer call() {
            Dispatcher d = Failures.unwrapped(dispatcher::get);
            String id = d.resolveId(this.id);
            WorkflowResult<Object> r = d.result(id);
            if (r.status().isFinal()) {
                env.out().println("dispatch " + id + " has already finished: " + r.status());
                env.out().flush();
                return 0;
            }
            return JobsCommand.cancelDispatch(jobs, id, env.out());
        }
    }

    /** {@code valence dispatches resume ID}. */
    @Command(name = "resume", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Goes on with a dispatch whose process died (or that failed or was cancelled), as "
                    + "Valence.resume does: completed nodes are not run again, nodes that were running re-attach to "
                    + "their Jobs, failed nodes run again on fresh Jobs. Then follows it as 'valence run' does.",
                    "The record names the workflow class and arguments 'valence run' was given; the tasks run where "
                            + "they ran before (the cluster, or this JVM) unless --executor says otherwise."})
    static final class Resume implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "ID", description = "The dispatch id, or a unique prefix of it.")
        String id;

        @Option(names = "--executor", paramLabel = "MODE",
                description = "kubernetes or local; default: where the dispatch ran (kubernetes fails when the "
                        + "cluster does not answer).")
        ExecutorChoice.Mode mode;

        @Option(names = "--cluster-timeout", paramLabel = "SECONDS", defaultValue = "5",
                description = "How long to wait for the cluster to answer (default: ${DEFAULT-VALUE} s).")
        int clusterTimeout = 5;

        @Option(names = "--force", description = "Resume a dispatch recorded on another host as running (whether "
                + "its process still runs cannot be checked from here).")
        boolean force;

        @Spec
        CommandSpec spec;

        private final Provider<Dispatcher> dispatcher;
        private final ExecutorChoice choice;
        private final Provider<NamedExecutorPool> named;
        private final DispatchFollower follower;
        private final CliEnvironment env;

        @Inject
        Resume(Provider<Dispatcher> dispatcher, ExecutorChoice choice, DispatchFollower follower, CliEnvironment env,
                Provider<NamedExecutorPool> named) {
            this.named = named;
            this.dispatcher = dispatcher;
            this.choice = choice;
            this.follower = follower;
            this.env = env;
        }

        @Override
        public Integer call() {
            if (clusterTimeout < 1) {
                throw new ParameterException(spec.commandLine(), "--cluster-timeout must be 1 or more seconds, was "
                        + clusterTimeout);
            }
            Dispatcher d = Failures.unwrapped(dispatcher::get);
            String id = d.resolveId(this.id);
            WorkflowResult<Object> r = d.result(id);
            PrintWriter err = env.err();
            if (r.status() == TaskStatus.COMPLETED) {
                err.println("dispatch " + id + " has already completed; nothing to resume ('valence dispatches show "
                        + id + "' shows it)");
                err.flush();
                env.out().println(String.valueOf(r.value().orElse(null)));
                env.out().flush();
                return 0;
            }
            Optional<Dispatcher.Owner> elsewhere = d.runningElsewhere(id);
            if (elsewhere.isPresent() && !(force && elsewhere.get().otherHost())) {
                Dispatcher.Owner o = elsewhere.get();
                throw new ValenceException(ErrorKind.WORKFLOW, "dispatch " + id + " is still running in " + o
                        + (o.otherHost() ? " (another host: whether that process lives cannot be checked from here)"
                        : "") + "; wait for it, or cancel it there (Ctrl-C) or with 'valence dispatches cancel " + id
                        + "'" + (o.otherHost() ? "; if that process is gone, resume with --force" : ""));
            }
            DispatchSource source = d.source(id).orElseThrow(() -> new ValenceException(ErrorKind.WORKFLOW,
                    "dispatch " + id + " (" + r.workflowName() + ") does not record its workflow class and "
                    + "arguments: it was dispatched through the Java API (or by a Valence before 'dispatches resume'); "
                    + "resume it from Java with Valence.resume(\"" + id + "\", workflow, args...)"));
            ExecutorChoice.Mode m = mode != null ? mode : source.executor().equals(RunCommand.KUBERNETES)
                    ? ExecutorChoice.Mode.kubernetes : ExecutorChoice.Mode.local;
            if (m == ExecutorChoice.Mode.auto) {
                throw new ParameterException(spec.commandLine(), "--executor auto is not accepted by resume: say "
                        + "kubernetes or local (the dispatch ran on " + source.executor() + ")");
            }
            Workflow<?> workflow;
            String summary;
            try {
                WorkflowClasses.Factory factory = source.workflowClass().isEmpty() ? null
                        : WorkflowClasses.find(source.workflowClass().get(), Thread.currentThread().getContextClassLoader());
                if (factory != null && factory.named()) {
                    boolean onCluster = m != ExecutorChoice.Mode.local;
                    workflow = onCluster ? Failures.unwrapped(() -> WorkflowClasses.create(factory, named.get()))
                            : WorkflowClasses.create(factory, name -> choice.local());
                    summary = onCluster ? "executors: named, each from its [executors.k8s.<name>] settings"
                            : "executors: local for every name (--executor local)";
                } else {
                    ExecutorChoice.Chosen chosen = choice.choose(m, Duration.ofSeconds(clusterTimeout));
                    workflow = factory == null ? SeedExample.simpleWorkflow(chosen.kubernetes(), chosen.kubernetes())
                            : WorkflowClasses.create(factory, chosen.kubernetes(), chosen.local());
                    summary = chosen.summary();
                }
            } catch (IllegalArgumentException e) {
                throw new ValenceException(ErrorKind.CONFIG, "dispatch " + id + " ran workflow class '"
                        + source.workflowClass().orElse("(the built-in demo)") + "': " + e.getMessage(), e);
            }
            err.println(summary);
            err.println("resuming dispatch " + id + ": workflow " + r.workflowName() + source.workflowClass()
                    .map(c -> " (" + c + ")").orElse(" (the built-in demo)") + " with " + source.args() + "; "
                    + r.nodes().stream().filter(n -> n.status().succeeded()).count() + " of "
                    + r.nodes().size() + " nodes already completed");
            err.flush();
            d.resume(id, workflow, source.args());
            return follower.followAndReport(d, id);
        }
    }
}
