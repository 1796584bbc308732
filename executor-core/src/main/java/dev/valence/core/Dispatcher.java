package dev.valence.core;

import dev.valence.api.ErrorKind;
import dev.valence.api.NodeResult;
import dev.valence.api.TaskCall;
import dev.valence.api.TaskError;
import dev.valence.api.TaskRun;
import dev.valence.api.TaskStatus;
import dev.valence.api.ValenceException;
import dev.valence.api.Workflow;
import dev.valence.api.WorkflowGraph;
import dev.valence.api.WorkflowResult;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs workflow graphs: each node as soon as its inputs (and its {@code after} nodes) are ready,
 * independent nodes in parallel, each on its task's executor with its task's overrides; a node that
 * fails in a way Kubernetes does not retry ({@link #retryable}) is tried again after a backoff, up to
 * its task's {@code attempts}. Every dispatch is recorded under {@code <cache_dir>/dispatches/<id>/}
 * as it changes ({@code record.properties}, each completed node's value, the arguments), so another
 * process can read it, a dispatch whose process died can be resumed without re-running completed
 * nodes, and a redispatch can reuse the outputs of nodes whose code and inputs did not change.
 */
public final class Dispatcher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Dispatcher.class);

    private static final java.util.regex.Pattern NOT_RETRIED_BY_KUBERNETES = java.util.regex.Pattern.compile(
            "(?i)\\bevicted\\b|NodeLost|node lost|node .* (was )?(deleted|lost|gone)|DisruptionTarget|DeletionByPodGC");

    private final Path root;
    private final Map<String, Dispatch> live = new ConcurrentHashMap<>();
    private final ScheduledExecutorService flusher = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "valence-dispatch-records");
        t.setDaemon(true);
        return t;
    });

    /** Where this dispatcher keeps its records: {@code <cache_dir>/dispatches}. */
    public Path recordsDir() {
        return root;
    }

    /** A dispatcher keeping its records under {@code cacheDir/dispatches}. */
    public Dispatcher(Path cacheDir) {
        this.root = cacheDir.resolve("dispatches");
        flusher.scheduleWithFixedDelay(() -> live.values().forEach(Dispatch::flushIfDirty), 100, 100,
                TimeUnit.MILLISECONDS);
    }

    /** Records the workflow's graph for these arguments, starts it, and returns its dispatch id at once. */
    public String dispatch(Workflow<?> workflow, List<?> args) {
        return dispatch(workflow, args, Optional.empty());
    }

    /**
     * As {@link #dispatch(Workflow, List)}, recording {@code source} — what builds the workflow again —
     * so that another process can resume the dispatch from its record alone ({@code valence dispatches
     * resume}).
     */
    public String dispatch(Workflow<?> workflow, List<?> args, DispatchSource source) {
        return dispatch(workflow, args, Optional.of(source));
    }

    private String dispatch(Workflow<?> workflow, List<?> args, Optional<DispatchSource> source) {
        WorkflowGraph graph = workflow.graph(args);
        String id = TaskCall.newDispatchId();
        Path dir = root.resolve(id);
        writeValue(dir.resolve(ARGS), new ArrayList<>(args));
        start(new Dispatch(id, graph, DispatchRecord.create(dir, id, graph, Set.of(), source, NodeKeys.of(graph),
                Map.of(), null), Map.of(), Set.of(), Map.of()));
        LOG.info("dispatched workflow '{}' as {} ({} nodes)", workflow.name(), id, graph.steps().size());
        return id;
    }

    private static final String ARGS = "args.value";

    /**
     * Runs a dispatch again as a new dispatch (its id is returned at once), with the same arguments when
     * {@code args} is empty or with new ones; a node whose key — its code, overrides and inputs, see
     * {@link NodeKeys} — is the same as in the earlier dispatch, where it completed with a kept value, is
     * not run: its output is reused (shown as {@code reusedFrom} in the result). An unknown id is an error.
     */
    public String redispatch(String dispatchId, Workflow<?> workflow, Optional<List<?>> args) {
        Path earlierDir = dir(dispatchId);
        DispatchRecord earlier = DispatchRecord.read(earlierDir, dispatchId);
        List<?> values = args.isPresent() ? args.get() : earlierArgs(earlierDir, dispatchId, workflow);
        WorkflowGraph graph = workflow.graph(values);
        Map<String, String> keys = NodeKeys.of(graph);
        Map<String, String> earlierKeys = earlier.keys();
        Map<String, NodeResult> earlierNodes = new java.util.HashMap<>();
        earlier.nodes().forEach(n -> earlierNodes.put(n.nodeId(), n));
        earlier.loadValues();
        Map<String, Object> reused = new java.util.HashMap<>();
        Set<String> kept = new java.util.HashSet<>();
        for (WorkflowGraph.Step s : graph.steps()) {
            String key = keys.get(s.nodeId());
            NodeResult before = earlierNodes.get(s.nodeId());
            if (key != null && key.equals(earlierKeys.get(s.nodeId())) && before != null
                    && before.status().succeeded()) {
                Optional<Optional<Object>> v = earlier.keptValue(s.nodeId());
                if (v.isPresent()) {
                    reused.put(s.nodeId(), v.get().orElse(null));
                    kept.add(s.nodeId());
                }
            }
        }
        String id = TaskCall.newDispatchId();
        Path dir = root.resolve(id);
        writeValue(dir.resolve(ARGS), new ArrayList<>(values));
        DispatchRecord record = DispatchRecord.create(dir, id, graph, Set.of(), earlier.source(), keys, reused,
                dispatchId);
        Map<String, Object> done = new java.util.HashMap<>(reused);
        start(new Dispatch(id, graph, record, done, Set.of(), Map.of()));
        LOG.info("redispatched {} ({}) as {}: {} of {} nodes reused", dispatchId, graph.workflowName(), id,
                kept.size(), graph.steps().size());
        return id;
    }

    @SuppressWarnings("unchecked")
    private static List<?> earlierArgs(Path dir, String dispatchId, Workflow<?> workflow) {
        return readValue(dir.resolve(ARGS)).map(v -> (List<Object>) v.orElse(List.of()))
                .orElseThrow(() -> new ValenceException(ErrorKind.WORKFLOW, "dispatch " + dispatchId
                        + " did not keep its arguments (they were not serializable, or it predates redispatch); "
                        + "redispatch it with the arguments: Valence.redispatch(\"" + dispatchId + "\", "
                        + workflow.name() + ", args...)"));
    }

    /**
     * Goes on with a dispatch whose process died (or was cancelled): nodes that completed are not
     * run again; the others run, re-attaching to their Kubernetes Jobs where those still exist.
     */
    public String resume(String dispatchId, Workflow<?> workflow, List<?> args) {
        if (live.containsKey(dispatchId) && !live.get(dispatchId).done.isDone()) {
            throw new ValenceException(ErrorKind.WORKFLOW, "dispatch " + dispatchId + " is still running in this process");
        }
        DispatchRecord record = DispatchRecord.read(dir(dispatchId), dispatchId);
        if (!record.result().status().isFinal() && record.ownerAlive()) {
            throw new ValenceException(ErrorKind.WORKFLOW, "dispatch " + dispatchId + " is still running in "
                    + record.owner() + "; wait for it, or cancel it there (Ctrl-C) or with: valence dispatches cancel "
                    + dispatchId);
        }
        WorkflowGraph graph = workflow.graph(args);
        if (!graph.workflowName().equals(record.workflowName())
                || !graph.steps().stream().map(WorkflowGraph.Step::nodeId).toList().equals(record.nodeIds())) {
            throw new ValenceException(ErrorKind.WORKFLOW, "dispatch " + dispatchId + " ran workflow '"
                    + record.workflowName() + "' with nodes " + record.nodeIds() + "; '" + graph.workflowName()
                    + "' with these arguments has nodes " + graph.steps().stream().map(WorkflowGraph.Step::nodeId).toList());
        }
        Map<String, Object> done = new java.util.HashMap<>();
        Set<String> again = new java.util.HashSet<>();
        Map<String, Integer> attemptOf = new java.util.HashMap<>();
        for (NodeResult n : record.nodes()) {
            if (n.status() != TaskStatus.FAILED && n.attempts().size() > 1) {
                attemptOf.put(n.nodeId(), n.attempts().size()); // re-attach to the Job of the attempt that was going on
            }
            if (n.status().succeeded()) {
                record.nodeValue(n.nodeId()).ifPresent(v -> done.put(n.nodeId(), v.orElse(null)));
            } else if (n.status() == TaskStatus.FAILED) {
                // run afresh, not re-attached to the Job the failed run left; a CANCELLED node's Job
                // was deleted by its cancel, or goes on when its executor was closed: re-attach to it
                again.add(n.nodeId());
            }
        }
        LOG.info("resuming dispatch {} ({}): {} of {} nodes already completed", dispatchId, graph.workflowName(),
                done.size(), graph.steps().size());
        start(new Dispatch(dispatchId, graph, DispatchRecord.create(dir(dispatchId), dispatchId, graph, done.keySet(),
                Optional.empty(), NodeKeys.of(graph), Map.of(), null), done, again, attemptOf));
        return dispatchId;
    }

    /** What builds the dispatch's workflow again, when it was dispatched with one; an unknown id is an error. */
    public Optional<DispatchSource> source(String dispatchId) {
        Dispatch d = live.get(dispatchId);
        return (d != null ? d.record : DispatchRecord.read(dir(dispatchId), dispatchId)).source();
    }

    /** The process that runs (or ran) a dispatch, as its record names it. */
    public record Owner(long pid, String host, boolean otherHost) {
        @Override
        public String toString() {
            return "process " + pid + " on host " + host;
        }
    }

    /**
     * The process running the dispatch when that is another process, alive on this host or on another
     * host (where whether it lives cannot be checked); empty when the dispatch finished, is orphaned,
     * or runs in this process.
     */
    public Optional<Owner> runningElsewhere(String dispatchId) {
        if (live.containsKey(dispatchId)) {
            return Optional.empty();
        }
        DispatchRecord r = DispatchRecord.read(dir(dispatchId), dispatchId);
        WorkflowResult<Object> now = r.result();
        if (now.status().isFinal() || now.orphaned()) {
            return Optional.empty();
        }
        return Optional.of(r.owner());
    }

    /** The dispatch as it stands now. */
    public <R> WorkflowResult<R> result(String dispatchId) {
        return result(dispatchId, false);
    }

    /** The dispatch as it stands, after waiting for it to finish when {@code wait} is true. */
    @SuppressWarnings("unchecked")
    public <R> WorkflowResult<R> result(String dispatchId, boolean wait) {
        Dispatch d = live.get(dispatchId);
        if (d != null) {
            if (wait) {
                try {
                    d.done.get(); // interruptible, unlike join(): a caller's timeout can end the wait
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new ValenceException(ErrorKind.CANCELLED, "interrupted while waiting for dispatch " + dispatchId, e);
                } catch (java.util.concurrent.ExecutionException e) {
                    // the dispatch's outcome is in its snapshot
                }
            }
            return (WorkflowResult<R>) d.snapshot();
        }
        Path dir = dir(dispatchId);
        while (true) {
            DispatchRecord record = DispatchRecord.read(dir, dispatchId);
            WorkflowResult<R> r = (WorkflowResult<R>) record.result();
            if (!wait || r.status().isFinal() || r.orphaned()) {
                record.loadValues();
                return (WorkflowResult<R>) record.result();
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ValenceException(ErrorKind.CANCELLED, "interrupted while waiting for dispatch " + dispatchId, e);
            }
        }
    }

    /** Cancels every running node of a dispatch running in this process; false if it had finished. */
    public boolean cancel(String dispatchId) {
        Dispatch d = live.get(dispatchId);
        if (d == null) {
            DispatchRecord.read(dir(dispatchId), dispatchId); // unknown id → clear error
            throw new ValenceException(ErrorKind.WORKFLOW, "dispatch " + dispatchId
                    + " is not running in this process; cancel its Jobs with: valence jobs cancel --dispatch " + dispatchId);
        }
        return d.cancel();
    }

    /**
     * The full id of the one recorded dispatch whose id is {@code idOrPrefix} or starts with it (as
     * {@code git} and {@code docker} take short ids); a prefix that matches none or several is a
     * {@code WORKFLOW} error listing the candidates.
     */
    public String resolveId(String idOrPrefix) {
        return findId(idOrPrefix).orElseThrow(() -> new ValenceException(ErrorKind.WORKFLOW, "no dispatch '" + idOrPrefix
                + "' under " + root + " (nor one whose id starts with it); 'valence dispatches' lists them"));
    }

    /**
     * The full id of the one recorded dispatch whose id is {@code idOrPrefix} or starts with it; empty when none
     * is recorded here (its Jobs may come from another machine); a prefix of several is a {@code WORKFLOW} error
     * listing them.
     */
    public Optional<String> findId(String idOrPrefix) {
        dir(idOrPrefix); // checks the characters
        if (live.containsKey(idOrPrefix) || Files.isDirectory(root.resolve(idOrPrefix))) {
            return Optional.of(idOrPrefix);
        }
        List<String> matches = new ArrayList<>();
        if (Files.isDirectory(root)) {
            try (Stream<Path> dirs = Files.list(root)) {
                dirs.filter(Files::isDirectory).map(d -> d.getFileName().toString())
                        .filter(id -> id.startsWith(idOrPrefix)).sorted().forEach(matches::add);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        if (matches.size() <= 1) {
            return matches.stream().findFirst();
        }
        throw new ValenceException(ErrorKind.WORKFLOW, "dispatch id prefix '" + idOrPrefix + "' is ambiguous: it "
                + "matches " + matches.size() + " dispatches (" + String.join(", ", matches) + "); give more of the id");
    }

    /** Every recorded dispatch, newest first. */
    public List<WorkflowResult<Object>> list() {
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        try (Stream<Path> dirs = Files.list(root)) {
            List<WorkflowResult<Object>> out = new ArrayList<>();
            for (Path d : dirs.filter(Files::isDirectory).toList()) {
                String id = d.getFileName().toString();
                Dispatch l = live.get(id);
                try {
                    out.add(l != null ? l.snapshot() : DispatchRecord.read(d, id).result());
                } catch (ValenceException e) {
                    LOG.debug("skipping {}: {}", d, e.getMessage());
                }
            }
            out.sort((a, b) -> b.startedAt().compareTo(a.startedAt()));
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Path dir(String dispatchId) {
        if (!dispatchId.matches("[A-Za-z0-9_.-]{1,64}")) {
            throw new ValenceException(ErrorKind.WORKFLOW, "dispatch id '" + dispatchId
                    + "' is not valid: expected letters, digits, '_', '.' or '-'");
        }
        return root.resolve(dispatchId);
    }

    private void start(Dispatch d) {
        live.put(d.id, d);
        d.run();
    }

    @Override
    public void close() {
        live.values().forEach(d -> d.record.closedEarly());
        flusher.shutdownNow();
    }

    /** One running dispatch. */
    private final class Dispatch {
        final String id;
        final WorkflowGraph graph;
        final DispatchRecord record;
        final Map<String, CompletableFuture<Object>> values = new ConcurrentHashMap<>();
        final Map<String, TaskRun<Object>> runs = new ConcurrentHashMap<>();
        final CompletableFuture<Void> done = new CompletableFuture<>();
        /** Nodes that ran before, in the dispatch being resumed, and failed. */
        final Set<String> rerun;
        volatile boolean cancelled;

        /** The attempt a resumed node was at, to re-attach to that attempt's Job. */
        final Map<String, Integer> firstAttempt;

        Dispatch(String id, WorkflowGraph graph, DispatchRecord record, Map<String, Object> completed, Set<String> rerun,
                Map<String, Integer> firstAttempt) {
            this.id = id;
            this.firstAttempt = Map.copyOf(firstAttempt);
            this.rerun = Set.copyOf(rerun);
            this.graph = graph;
            this.record = record;
            for (WorkflowGraph.Step s : graph.steps()) {
                CompletableFuture<Object> f = new CompletableFuture<>();
                if (completed.containsKey(s.nodeId())) {
                    f.complete(completed.get(s.nodeId()));
                }
                values.put(s.nodeId(), f);
            }
        }

        void run() {
            record.flush();
            for (WorkflowGraph.Step step : graph.steps()) {
                CompletableFuture<Object> mine = values.get(step.nodeId());
                if (mine.isDone()) {
                    continue;
                }
                CompletableFuture<?>[] deps = step.dependencies().stream().map(values::get).toArray(CompletableFuture[]::new);
                CompletableFuture.allOf(deps).whenComplete((ignored, error) -> {
                    if (error != null) {
                        String failedInput = step.dependencies().stream()
                                .filter(dep -> values.get(dep).isCompletedExceptionally()).findFirst().orElse("?");
                        boolean wasCancelled = cancelled || values.get(failedInput).isCancelled()
                                || record.status(failedInput) == TaskStatus.CANCELLED;
                        String why = "not run: its input '" + failedInput + "' " + (wasCancelled ? "was cancelled" : "failed");
                        record.finished(step.nodeId(), wasCancelled ? TaskStatus.CANCELLED : TaskStatus.FAILED, why);
                        mine.completeExceptionally(new ValenceException(wasCancelled ? ErrorKind.CANCELLED : ErrorKind.WORKFLOW,
                                "node '" + step.nodeId() + "' " + why, Causes.unwrap(error)));
                        return;
                    }
                    if (cancelled) {
                        record.finished(step.nodeId(), TaskStatus.CANCELLED, "dispatch cancelled");
                        mine.cancel(false);
                        return;
                    }
                    if (step.isWorkflow()) {
                        completeWorkflow(step, mine);
                    } else {
                        submit(step, mine, firstAttempt.getOrDefault(step.nodeId(), 1), false);
                    }
                });
            }
            CompletableFuture.allOf(values.values().toArray(CompletableFuture[]::new)).whenComplete((v, e) -> finish());
        }

        /** A sub-workflow's node: all its nodes finished; its value is its output. */
        private void completeWorkflow(WorkflowGraph.Step step, CompletableFuture<Object> mine) {
            try {
                Object value = resolve(step.inputs().get(0));
                record.completed(step.nodeId(), value);
                mine.complete(value);
            } catch (RuntimeException e) {
                record.finished(step.nodeId(), TaskStatus.FAILED, String.valueOf(e), TaskError.of(e));
                mine.completeExceptionally(e);
            }
        }

        private Object resolve(WorkflowGraph.Input in) {
            if (in instanceof WorkflowGraph.Constant c) {
                return c.value();
            }
            if (in instanceof WorkflowGraph.Gathered g) {
                List<Object> list = new ArrayList<>(g.items().size());
                for (WorkflowGraph.Input i : g.items()) {
                    list.add(resolve(i));
                }
                return list;
            }
            return values.get(((WorkflowGraph.FromStep) in).nodeId()).join();
        }

        /** Submits attempt {@code attempt} of a step; {@code retry}: after a failed attempt of this run. */
        private void submit(WorkflowGraph.Step step, CompletableFuture<Object> mine, int attempt, boolean retry) {
            if (cancelled) {
                record.finished(step.nodeId(), TaskStatus.CANCELLED, "dispatch cancelled");
                mine.cancel(false);
                return;
            }
            dev.valence.api.Task<?> task = step.task().orElseThrow();
            try {
                List<Object> args = new ArrayList<>();
                for (WorkflowGraph.Input in : step.inputs()) {
                    args.add(resolve(in));
                }
                TaskCall call = TaskCall.builder().dispatchId(id).nodeId(step.nodeId()).taskName(task.name())
                        .body(task.body()).args(args).options(task.options()).attempt(attempt).map(step.map())
                        .rerun(retry || rerun.contains(step.nodeId())).build();
                TaskRun<Object> run = task.executor().submit(call);
                runs.put(step.nodeId(), run);
                record.started(step.nodeId(), task.executor().name(), run.jobName().orElse(null), attempt);
                if (cancelled) {
                    run.cancel();
                }
                run.result().whenComplete((value, error) -> {
                    if (error == null) {
                        if (run.status() == TaskStatus.CACHED) {
                            record.cached(step.nodeId(), value);
                        } else {
                            record.completed(step.nodeId(), value);
                        }
                        mine.complete(value);
                    } else {
                        Throwable cause = Causes.unwrap(error);
                        // a CANCELLED error: the run was cancelled, or its executor closed while its Job goes
                        // on; either way not a failure of the node, and a resume re-attaches instead of re-running
                        boolean wasCancelled = cause instanceof CancellationException
                                || (cause instanceof ValenceException v && v.kind() == ErrorKind.CANCELLED);
                        int attempts = task.options().attempts();
                        if (!wasCancelled && !cancelled && attempt < attempts && retryable(cause)) {
                            java.time.Duration wait = task.options().backoffBefore(attempt + 1);
                            LOG.info("node '{}' of dispatch {}: attempt {} of {} failed ({}); trying again in {} ms",
                                    step.nodeId(), id, attempt, attempts, cause.getMessage(), wait.toMillis());
                            record.attemptFailed(step.nodeId(), String.valueOf(cause));
                            flusher.schedule(() -> submit(step, mine, attempt + 1, true), wait.toMillis(), TimeUnit.MILLISECONDS);
                            return;
                        }
                        record.finished(step.nodeId(), wasCancelled ? TaskStatus.CANCELLED : TaskStatus.FAILED,
                                wasCancelled ? "cancelled" : String.valueOf(cause),
                                wasCancelled ? null : TaskError.of(cause));
                        mine.completeExceptionally(cause);
                    }
                });
            } catch (RuntimeException e) {
                record.finished(step.nodeId(), TaskStatus.FAILED, String.valueOf(e), TaskError.of(e));
                mine.completeExceptionally(e);
            }
        }

        private void finish() {
            Object value = null;
            String error = null;
            TaskStatus status = TaskStatus.COMPLETED;
            try {
                value = resolve(graph.output());
            } catch (CancellationException | CompletionException e) {
                status = cancelled ? TaskStatus.CANCELLED : TaskStatus.FAILED;
                error = String.valueOf(Causes.unwrap(e));
            }
            if (status == TaskStatus.COMPLETED && record.anyFailed()) {
                status = TaskStatus.FAILED;
                error = "a node failed";
            }
            record.finishDispatch(status, value, error);
            LOG.info("dispatch {} ({}) {}", id, graph.workflowName(), status);
            done.complete(null);
        }

        boolean cancel() {
            if (done.isDone()) {
                return false;
            }
            cancelled = true;
            runs.values().forEach(TaskRun::cancel);
            values.forEach((node, f) -> {
                if (!runs.containsKey(node) && !f.isDone()) {
                    record.finished(node, TaskStatus.CANCELLED, "dispatch cancelled");
                    f.cancel(false);
                }
            });
            return true;
        }

        WorkflowResult<Object> snapshot() {
            return record.result();
        }

        void flushIfDirty() {
            record.flushIfDirty();
        }

        void flush() {
            record.flush();
        }

    }

    /**
     * Whether a failed attempt is tried again by the dispatcher: an error of the cluster's API that the
     * client's own retries did not get past ({@link ErrorKind#CLUSTER}), and a pod that failed for a
     * reason Kubernetes does not retry under {@code restartPolicy: Never} with the Job's backoff spent —
     * evicted, its node lost or deleted, a disruption ({@link ErrorKind#POD_FAILED} with such a reason).
     * Never the task's own exception, a cancel, a timeout, a refused pod spec or a bad image.
     */
    static boolean retryable(Throwable error) {
        if (!(error instanceof ValenceException v)) {
            return false;
        }
        return v.kind() == ErrorKind.CLUSTER || (v.kind() == ErrorKind.POD_FAILED && v.getMessage() != null
                && NOT_RETRIED_BY_KUBERNETES.matcher(v.getMessage()).find());
    }

    /** Writes a value with the payload codec (used for node outputs). */
    static void writeValue(Path file, Object value) {
        try {
            Files.createDirectories(file.getParent());
            Path tmp = Files.createTempFile(file.getParent(), ".value", ".tmp");
            try (OutputStream out = Files.newOutputStream(tmp)) {
                PayloadCodec.write(out, PayloadCodec.Output.value(value));
            }
            Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } catch (java.io.NotSerializableException e) {
            LOG.debug("value for {} is not serializable; it will not survive a resume", file);
        } catch (IOException e) {
            throw new UncheckedIOException("writing " + file, e);
        }
    }

    /** Reads a value written by {@link #writeValue}; empty Optional inside when it is missing. */
    static Optional<Optional<Object>> readValue(Path file) {
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try (InputStream in = Files.newInputStream(file)) {
            PayloadCodec.Output out = PayloadCodec.decodeOutput(in, file.toString(),
                    Thread.currentThread().getContextClassLoader());
            return Optional.of(Optional.ofNullable(out.value()));
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + file, e);
        }
    }
}
