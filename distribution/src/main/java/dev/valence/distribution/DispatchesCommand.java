package dev.valence.distribution;

import dev.valence.api.NodeResult;
import dev.valence.api.TaskStatus;
import dev.valence.api.WorkflowResult;
import dev.valence.core.Dispatcher;
import jakarta.inject.Inject;
import jakarta.inject.Provider;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code valence dispatches}: the recorded dispatches under cache_dir, or one with every node. */
@Command(name = "dispatches", mixinStandardHelpOptions = true,
        description = {"Lists the recorded dispatches (newest first), or shows one with every node: status, "
                + "executor, Job, times, error. A dispatch whose process died before it finished is shown as "
                + "orphaned.", "Records live under <cache_dir>/dispatches."},
        subcommands = {DispatchesCommand.ListDispatches.class, DispatchesCommand.Show.class,
                DispatchesCommand.Cancel.class})
final class DispatchesCommand implements Callable<Integer> {

    @Parameters(index = "0", arity = "0..1", paramLabel = "ID", description = "Show this dispatch.")
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
        if (output.json()) {
            out.println(Json.write(all.stream().map(r -> summary(r, false)).toList()));
        } else if (all.isEmpty()) {
            out.println("no dispatches recorded (run one with 'valence run')");
        } else {
            Table t = Table.of("ID", "WORKFLOW", "STATUS", "NODES", "STARTED", "FINISHED");
            for (WorkflowResult<Object> r : all) {
                long done = r.nodes().stream().filter(n -> n.status() == TaskStatus.COMPLETED).count();
                t.row(r.dispatchId(), r.workflowName(), status(r), done + "/" + r.nodes().size(), time(r.startedAt()),
                        r.finishedAt().map(DispatchesCommand::time).orElse("-"));
            }
            t.print(out);
        }
        out.flush();
        return 0;
    }

    static int show(Provider<Dispatcher> dispatcher, CliEnvironment env, OutputFormat output, String id) {
        WorkflowResult<Object> r = Failures.unwrapped(dispatcher::get).result(id);
        PrintWriter out = env.out();
        if (output.json()) {
            out.println(Json.write(summary(r, true)));
        } else {
            out.println("dispatch " + r.dispatchId() + ": workflow " + r.workflowName() + ", " + status(r));
            out.println("started " + time(r.startedAt()) + r.finishedAt().map(f -> ", finished " + time(f)).orElse(""));
            r.value().ifPresent(v -> out.println("value: " + v));
            r.error().ifPresent(e -> out.println("error: " + e));
            if (r.orphaned()) {
                out.println("orphaned: the process that ran it is gone; Valence.resume(\"" + r.dispatchId()
                        + "\", workflow, args...) goes on without re-running completed nodes, and 'valence jobs cancel "
                        + "--dispatch " + r.dispatchId() + "' deletes its Jobs");
            }
            out.println();
            Table t = Table.of("NODE", "TASK", "STATUS", "EXECUTOR", "JOB", "STARTED", "FINISHED", "ERROR");
            for (NodeResult n : r.nodes()) {
                t.row(n.nodeId(), n.taskName(), n.status(), n.executor().isEmpty() ? "-" : n.executor(),
                        n.jobName().orElse("-"), n.startedAt().map(DispatchesCommand::time).orElse("-"),
                        n.finishedAt().map(DispatchesCommand::time).orElse("-"),
                        n.error().map(e -> e.lines().findFirst().orElse("")).orElse(""));
            }
            t.print(out);
        }
        out.flush();
        return 0;
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
            m.put("completed", r.nodes().stream().filter(n -> n.status() == TaskStatus.COMPLETED).count());
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
        m.put("depends_on", n.dependsOn());
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
        @Parameters(index = "0", paramLabel = "ID", description = "The dispatch id.")
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
        @Parameters(index = "0", paramLabel = "ID", description = "The dispatch id.")
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
            WorkflowResult<Object> r = Failures.unwrapped(dispatcher::get).result(id);
            if (r.status().isFinal()) {
                env.out().println("dispatch " + id + " has already finished: " + r.status());
                env.out().flush();
                return 0;
            }
            return JobsCommand.cancelDispatch(jobs, id, env.out());
        }
    }
}
