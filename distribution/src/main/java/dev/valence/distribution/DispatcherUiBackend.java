package dev.valence.distribution;

import dev.valence.api.ErrorKind;
import dev.valence.api.Settings;
import dev.valence.api.ValenceException;
import dev.valence.api.WorkflowResult;
import dev.valence.core.Dispatcher;
import dev.valence.core.JobNames;
import dev.valence.distribution.ui.UiBackend;
import dev.valence.spi.ClusterGateway;
import dev.valence.spi.JobInfo;
import dev.valence.spi.JobRef;
import dev.valence.spi.PodInfo;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;

/** {@code valence ui}'s reads and actions through the dispatcher's records and the cluster port, as the CLI does them. */
final class DispatcherUiBackend implements UiBackend {
    private final Supplier<Dispatcher> dispatcher;
    private final ClusterJobs jobs;
    private final Supplier<Settings> settings;
    private final Function<String, String> resume;

    /**
     * @param resume resumes a dispatch and says what it did (the CLI runs {@code dispatches resume ID} in
     *               this process)
     */
    DispatcherUiBackend(Supplier<Dispatcher> dispatcher, ClusterJobs jobs, Supplier<Settings> settings,
            Function<String, String> resume) {
        this.dispatcher = dispatcher;
        this.jobs = jobs;
        this.settings = settings;
        this.resume = resume;
    }

    @Override
    public List<WorkflowResult<Object>> list() {
        return dispatcher.get().list();
    }

    @Override
    public Optional<WorkflowResult<Object>> find(String dispatchId) {
        if (!dispatchId.matches("[A-Za-z0-9_.-]{1,64}") || dispatchId.startsWith(".")) {
            return Optional.empty();
        }
        Dispatcher d = dispatcher.get();
        if (!Files.isDirectory(d.recordsDir().resolve(dispatchId))) {
            return Optional.empty();
        }
        return Optional.of(d.result(dispatchId));
    }

    @Override
    public Optional<List<?>> args(String dispatchId) {
        try {
            return dispatcher.get().source(dispatchId).map(s -> s.args());
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    @Override
    public String cancel(String dispatchId) {
        Dispatcher d = dispatcher.get();
        WorkflowResult<Object> r = d.result(dispatchId);
        if (r.status().isFinal()) {
            throw new ValenceException(ErrorKind.WORKFLOW, "dispatch " + dispatchId + " has already finished: "
                    + r.status());
        }
        if (d.runningElsewhere(dispatchId).isEmpty() && !r.orphaned()) {
            // it runs in this process: cancel its nodes here, local ones included
            d.cancel(dispatchId);
            return "dispatch " + dispatchId + " cancelled: its running nodes were stopped";
        }
        StringWriter text = new StringWriter();
        JobsCommand.cancelDispatch(jobs, dispatchId, new PrintWriter(text));
        return text.toString();
    }

    @Override
    public String resume(String dispatchId) {
        return resume.apply(dispatchId);
    }

    @Override
    public JobLog logs(String jobName, int tail) {
        ClusterGateway g = jobs.gateway();
        Optional<JobInfo> job = jobs.find(jobName);
        String text = g.logs(new JobRef(JobNames.requireValid(jobName), g.namespace(), false), tail);
        String note = job.isEmpty() ? "Job " + jobName + " is gone from namespace " + g.namespace()
                : "Job " + jobName + ": " + job.get().phase();
        return new JobLog(text, job.isPresent() && !ClusterJobs.finished(job.get()), note);
    }

    @Override
    public List<PodInfo> pods(String jobName) {
        ClusterGateway g = jobs.gateway();
        return g.pods(new JobRef(JobNames.requireValid(jobName), g.namespace(), false));
    }

    @Override
    public String podLog(String podName, int tail) {
        ClusterGateway g = jobs.gateway();
        return g.podLogs(g.namespace(), podName, tail);
    }

    @Override
    public Map<String, String> settings() {
        Settings s = settings.get();
        Map<String, String> out = new LinkedHashMap<>();
        s.entries().forEach(e -> out.put(e.key(), s.display(e.key())));
        return out;
    }

    @Override
    public List<String> secretValues() {
        try {
            Settings s = settings.get();
            return s.entries().stream().filter(e -> s.isSensitive(e.key())).map(e -> String.valueOf(e.value()))
                    .filter(v -> !v.isEmpty() && !v.equals("null")).toList();
        } catch (RuntimeException e) {
            return List.of();
        }
    }
}
