package dev.valence.distribution;

import dev.valence.api.ErrorKind;
import dev.valence.api.ValenceException;
import dev.valence.core.JobNames;
import dev.valence.spi.ClusterGateway;
import dev.valence.spi.JobInfo;
import dev.valence.spi.JobRef;
import jakarta.inject.Inject;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.locks.LockSupport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code valence jobs}: Valence's Jobs in the namespace (labelled app.kubernetes.io/managed-by=valence). */
@Command(name = "jobs", mixinStandardHelpOptions = true,
        description = "Valence's Jobs in the namespace (labelled app.kubernetes.io/managed-by=valence).",
        subcommands = {JobsCommand.ListJobs.class, JobsCommand.Logs.class, JobsCommand.Cancel.class,
                JobsCommand.Clean.class})
final class JobsCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "say what to do: list, logs, cancel or clean");
    }

    static Map<String, Object> row(JobInfo j) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", j.name());
        m.put("namespace", j.namespace());
        m.put("status", j.phase().name());
        m.put("dispatch", j.labels().getOrDefault(ClusterGateway.DISPATCH_LABEL, ""));
        m.put("node", j.labels().getOrDefault(ClusterGateway.NODE_LABEL, ""));
        m.put("task", j.labels().getOrDefault("valence.dev/task", ""));
        m.put("created", j.created().toString());
        j.progress().ifPresent(p -> m.put("progress", Map.of("completions", p.completions(), "succeeded", p.succeeded(),
                "failed", p.failed(), "active", p.active())));
        return m;
    }

    /** The phase, and for an Indexed Job (a map) its progress: {@code RUNNING [4 succeeded, 1 failed, 3 active of 10]}. */
    static String status(JobInfo j) {
        return j.phase() + j.progress().map(p -> " [" + p + "]").orElse("");
    }

    static String age(Instant created) {
        Duration d = Duration.between(created, Instant.now());
        if (d.isNegative() || created.equals(Instant.EPOCH)) {
            return "?";
        }
        if (d.toDays() > 0) {
            return d.toDays() + "d";
        }
        if (d.toHours() > 0) {
            return d.toHours() + "h";
        }
        return d.toMinutes() > 0 ? d.toMinutes() + "m" : d.toSeconds() + "s";
    }

    /** {@code valence jobs list}. */
    @Command(name = "list", mixinStandardHelpOptions = true, description = "Lists Valence's Jobs in the namespace.")
    static final class ListJobs implements Callable<Integer> {
        @Mixin
        OutputFormat output = new OutputFormat();

        @Option(names = "--dispatch", paramLabel = "ID", description = "Only the Jobs of this dispatch.")
        String dispatch;

        private final ClusterJobs jobs;
        private final CliEnvironment env;
        private final jakarta.inject.Provider<dev.valence.core.Dispatcher> dispatcher;

        @Inject
        ListJobs(ClusterJobs jobs, CliEnvironment env, jakarta.inject.Provider<dev.valence.core.Dispatcher> dispatcher) {
            this.jobs = jobs;
            this.env = env;
            this.dispatcher = dispatcher;
        }

        @Override
        public Integer call() {
            String dispatch = this.dispatch == null ? null : fullDispatchId(dispatcher, this.dispatch);
            List<JobInfo> list = jobs.list(Optional.ofNullable(dispatch));
            PrintWriter out = env.out();
            if (output.structured()) {
                out.print(output.write(list.stream().map(JobsCommand::row).toList()));
            } else if (list.isEmpty()) {
                out.println("no Valence Jobs in namespace " + jobs.gateway().namespace()
                        + (dispatch == null ? "" : " for dispatch " + dispatch));
            } else {
                Table t = output.wide()
                        ? Table.of("NAME", "STATUS", "DISPATCH", "NODE", "AGE", "NAMESPACE", "CREATED", "PODS")
                        : Table.of("NAME", "STATUS", "DISPATCH", "NODE", "AGE");
                list.forEach(j -> {
                    if (output.wide()) {
                        t.row(j.name(), status(j), row(j).get("dispatch"), row(j).get("node"), age(j.created()),
                                j.namespace(), j.created(), j.progress().map(Object::toString).orElse("-"));
                    } else {
                        t.row(j.name(), status(j), row(j).get("dispatch"), row(j).get("node"), age(j.created()));
                    }
                });
                t.print(out);
            }
            out.flush();
            return 0;
        }
    }

    /** {@code valence jobs logs NAME}. */
    @Command(name = "logs", mixinStandardHelpOptions = true,
            description = {"Prints the log of a Job's pod.",
                    "-f polls the log every --interval seconds (the cluster port reads logs, it does not stream "
                            + "them) and prints new lines until the Job finishes or is deleted."})
    static final class Logs implements Callable<Integer> {
        /** {@code --tail -1}: every line (kubectl's meaning). */
        static final int ALL_LINES = -1;

        @Parameters(index = "0", paramLabel = "NAME", description = "The Job's name (see 'valence jobs list').")
        String name;

        @Option(names = {"-f", "--follow"}, description = "Keep printing new lines until the Job finishes.")
        boolean follow;

        @Option(names = "--tail", paramLabel = "N", defaultValue = "100",
                description = "How many of the last lines to print; -1 prints them all, as kubectl "
                        + "(default: ${DEFAULT-VALUE}).")
        int tail = 100;

        @Option(names = "--interval", paramLabel = "SECONDS", defaultValue = "2",
                description = "With -f, seconds between polls (default: ${DEFAULT-VALUE}).")
        double interval = 2;

        @Spec
        CommandSpec spec;

        private final ClusterJobs jobs;
        private final CliEnvironment env;

        @Inject
        Logs(ClusterJobs jobs, CliEnvironment env) {
            this.jobs = jobs;
            this.env = env;
        }

        @Override
        public Integer call() {
            if (tail < 1 && tail != ALL_LINES) {
                throw new ParameterException(spec.commandLine(), "--tail must be 1 or more, or -1 for every line, was "
                        + tail);
            }
            int lines = tail == ALL_LINES ? Integer.MAX_VALUE : tail;
            if (interval <= 0) {
                throw new ParameterException(spec.commandLine(), "--interval must be more than 0, was " + interval);
            }
            ClusterGateway g = jobs.gateway();
            JobRef ref = new JobRef(JobNames.requireValid(name), g.namespace(), false);
            if (jobs.find(name).isEmpty()) {
                throw new ValenceException(ErrorKind.CLUSTER, "no Valence Job '" + name + "' in namespace "
                        + g.namespace() + "; see them with 'valence jobs list'");
            }
            PrintWriter out = env.out();
            String printed = g.logs(ref, lines);
            out.print(printed);
            out.flush();
            if (printed.isEmpty() && !follow) {
                env.err().println("no log yet: the pod of Job " + name + " has not started (or is gone); "
                        + "-f waits for it");
                env.err().flush();
            }
            if (!follow) {
                return 0;
            }
            int window = Math.max(lines, 10_000);
            while (true) {
                Optional<JobInfo> job = jobs.find(name);
                LockSupport.parkNanos((long) (interval * 1e9));
                String now = g.logs(ref, window);
                String fresh = newText(printed, now);
                out.print(fresh);
                out.flush();
                printed = now;
                if (job.isEmpty() || ClusterJobs.finished(job.get())) {
                    env.err().println(job.isEmpty() ? "Job " + name + " was deleted" : "Job " + name + " "
                            + job.get().phase());
                    return 0;
                }
                if (Thread.currentThread().isInterrupted()) {
                    return 0;
                }
            }
        }

        /** What {@code now} has that {@code before} did not: the text after their longest overlap. */
        static String newText(String before, String now) {
            if (now.startsWith(before)) {
                return now.substring(before.length());
            }
            // the window moved: find where the end of the old text sits in the new one
            for (int keep = Math.min(before.length(), now.length()); keep > 0; keep--) {
                if (now.startsWith(before.substring(before.length() - keep))) {
                    return now.substring(keep);
                }
            }
            return now;
        }
    }

    /** {@code valence jobs cancel}. */
    @Command(name = "cancel", mixinStandardHelpOptions = true,
            description = "Deletes a Job and its pods (the task that waits for it fails as cancelled), or every Job of "
                    + "a dispatch.")
    static final class Cancel implements Callable<Integer> {
        @Parameters(index = "0", arity = "0..1", paramLabel = "NAME", description = "The Job's name.")
        String name;

        @Option(names = "--dispatch", paramLabel = "ID", description = "Every Job of this dispatch instead.")
        String dispatch;

        @Spec
        CommandSpec spec;

        private final ClusterJobs jobs;
        private final CliEnvironment env;
        private final jakarta.inject.Provider<dev.valence.core.Dispatcher> dispatcher;

        @Inject
        Cancel(ClusterJobs jobs, CliEnvironment env, jakarta.inject.Provider<dev.valence.core.Dispatcher> dispatcher) {
            this.jobs = jobs;
            this.env = env;
            this.dispatcher = dispatcher;
        }

        @Override
        public Integer call() {
            if ((name == null) == (dispatch == null)) {
                throw new ParameterException(spec.commandLine(), "give a Job NAME or --dispatch ID (one of them)");
            }
            PrintWriter out = env.out();
            if (dispatch != null) {
                return cancelDispatch(jobs, fullDispatchId(dispatcher, dispatch), out);
            }
            if (!jobs.cancel(name)) {
                throw new ValenceException(ErrorKind.CLUSTER, "no Job '" + name + "' in namespace "
                        + jobs.gateway().namespace() + "; see them with 'valence jobs list'");
            }
            out.println("Job " + name + " deleted (with its pods)");
            out.flush();
            return 0;
        }
    }

    /**
     * A {@code --dispatch} value as a full id: a unique prefix of a dispatch recorded here, as {@code valence
     * dispatches} takes; a value recorded nowhere here is used as given (the Jobs may come from another machine).
     */
    static String fullDispatchId(jakarta.inject.Provider<dev.valence.core.Dispatcher> dispatcher, String given) {
        return Failures.unwrapped(dispatcher::get).findId(given).orElse(given);
    }

    /** Deletes every Job of a dispatch; says how many. */
    static int cancelDispatch(ClusterJobs jobs, String dispatch, PrintWriter out) {
        List<JobInfo> list = jobs.list(Optional.of(dispatch));
        if (list.isEmpty()) {
            out.println("no Jobs of dispatch " + dispatch + " in namespace " + jobs.gateway().namespace()
                    + " (its tasks ran locally, or have finished and been cleaned)");
        }
        for (JobInfo j : list) {
            boolean deleted = jobs.cancel(j.name());
            out.println("Job " + j.name() + (deleted ? " deleted" : " was already gone"));
        }
        out.flush();
        return 0;
    }

    /** {@code valence jobs clean}. */
    @Command(name = "clean", mixinStandardHelpOptions = true,
            description = {"Deletes the Valence Jobs nobody follows any more (--all-finished: those that succeeded or "
                    + "failed, and those of a dispatch recorded as over, pending or not), or every Job of one dispatch "
                    + "(--dispatch), with the stored input and output of their tasks. --dispatch also deletes what the "
                    + "dispatch left in the data store when its Jobs are gone (use --named NAME for a named executor's "
                    + "store).",
                    "--dry-run says what would be deleted and deletes nothing."})
    static final class Clean implements Callable<Integer> {
        @Option(names = "--dispatch", paramLabel = "ID", description = "Every Job of this dispatch, finished or not.")
        String dispatch;

        @Option(names = "--all-finished", description = "Every Job that succeeded or failed, and every Job of a "
                + "dispatch this machine recorded as over (completed, failed, cancelled), of any dispatch.")
        boolean allFinished;

        @Option(names = "--dry-run", description = "Only list what would be deleted.")
        boolean dryRun;

        @Option(names = "--keep-artifacts", description = "Delete the Jobs but keep the stored input and output.")
        boolean keepArtifacts;

        @Spec
        CommandSpec spec;

        private final ClusterJobs jobs;
        private final CliEnvironment env;
        private final jakarta.inject.Provider<dev.valence.core.Dispatcher> dispatcher;

        @Inject
        Clean(ClusterJobs jobs, CliEnvironment env, jakarta.inject.Provider<dev.valence.core.Dispatcher> dispatcher) {
            this.jobs = jobs;
            this.env = env;
            this.dispatcher = dispatcher;
        }

        /** Dispatch label values of the dispatches recorded here as over: their Jobs are followed by nobody. */
        private java.util.Set<String> overDispatches() {
            java.util.Set<String> over = new java.util.HashSet<>();
            for (var r : Failures.unwrapped(dispatcher::get).list()) {
                if (r.status() != dev.valence.api.TaskStatus.RUNNING && r.status() != dev.valence.api.TaskStatus.NEW) {
                    over.add(dev.valence.core.JobNames.labelValue(r.dispatchId()));
                }
            }
            return over;
        }

        @Override
        public Integer call() {
            if (dispatch == null && !allFinished) {
                throw new ParameterException(spec.commandLine(), "say which Jobs: --all-finished, or --dispatch ID");
            }
            String dispatch = this.dispatch == null ? null : fullDispatchId(dispatcher, this.dispatch);
            List<JobInfo> chosen = new ArrayList<>();
            java.util.Set<String> over = allFinished ? overDispatches() : java.util.Set.of();
            for (JobInfo j : jobs.list(Optional.ofNullable(dispatch))) {
                if (dispatch != null && !allFinished || ClusterJobs.finished(j)
                        || over.contains(j.labels().getOrDefault(ClusterGateway.DISPATCH_LABEL, ""))) {
                    chosen.add(j);
                }
            }
            PrintWriter out = env.out();
            // a dispatch's stored artifacts go too, whether or not its Jobs remain (TTL, deleted by hand)
            List<String> stored = dispatch != null && !keepArtifacts ? jobs.storedArtifacts(dispatch) : List.of();
            if (chosen.isEmpty() && stored.isEmpty()) {
                out.println("nothing to clean in namespace " + jobs.gateway().namespace()
                        + (dispatch != null && !keepArtifacts ? " nor in the data store" : ""));
            }
            for (JobInfo j : chosen) {
                if (dryRun) {
                    out.println("would delete Job " + j.name() + " (" + j.phase() + ")"
                            + (keepArtifacts ? "" : " and its artifacts"));
                    continue;
                }
                boolean deleted = jobs.cancel(j.name());
                String artifacts = keepArtifacts ? "artifacts kept" : jobs.deleteArtifacts(j);
                out.println("Job " + j.name() + " (" + j.phase() + ") " + (deleted ? "deleted" : "was already gone")
                        + "; " + artifacts);
            }
            if (dispatch != null && !keepArtifacts) {
                List<String> left = dryRun ? stored : jobs.storedArtifacts(dispatch);
                if (!left.isEmpty()) {
                    out.println(dryRun ? "would delete " + left.size() + " stored object(s) of dispatch " + dispatch
                            : jobs.deleteDispatchArtifacts(dispatch));
                }
            }
            out.flush();
            return 0;
        }
    }
}
