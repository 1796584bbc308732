package dev.valence.core;

import dev.valence.api.Attempt;
import dev.valence.api.ErrorKind;
import dev.valence.api.NodeResult;
import dev.valence.api.TaskError;
import dev.valence.api.TaskStatus;
import dev.valence.api.ValenceException;
import dev.valence.api.WorkflowGraph;
import dev.valence.api.WorkflowResult;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;

/**
 * The on-disk record of one dispatch, {@code record.properties} (a plain Java properties file that
 * any process can read), rewritten atomically as the dispatch changes; node values are kept
 * beside it in {@code nodes/<node>.value} so that a resumed dispatch does not run them again.
 */
final class DispatchRecord {
    static final String FILE = "record.properties";

    private static final class NodeState {
        String task;
        TaskStatus status = TaskStatus.NEW;
        String executor = "";
        String job;
        Instant started;
        Instant finished;
        String error;
        TaskError exception;
        List<String> deps = List.of();
        String parent;
        boolean workflow;
        String key;
        String reusedFrom;
        final List<AttemptState> attempts = new ArrayList<>();
    }

    private static final class AttemptState {
        final int number;
        String job;
        Instant started;
        Instant finished;
        String error;

        AttemptState(int number) {
            this.number = number;
        }

        Attempt toAttempt() {
            return new Attempt(number, Optional.ofNullable(job), Optional.ofNullable(started),
                    Optional.ofNullable(finished), Optional.ofNullable(error));
        }
    }

    private final Path dir;
    private final String id;
    private final String workflowName;
    private final Instant startedAt;
    private final long pid;
    private final String host;
    private final Map<String, NodeState> nodes = new LinkedHashMap<>();
    private TaskStatus status = TaskStatus.RUNNING;
    private Instant finishedAt;
    private String error;
    private boolean closedEarly;
    private DispatchSource source;
    private boolean dirty = true;
    private boolean detached;
    private int segments;
    private final Object writeLock = new Object();
    private final Map<String, Optional<Object>> pendingValues = new LinkedHashMap<>();
    /** Values of completed nodes at hand: as they complete in this process, or loaded from the segments. */
    private final Map<String, Optional<Object>> values = new java.util.concurrent.ConcurrentHashMap<>();

    private DispatchRecord(Path dir, String id, String workflowName, Instant startedAt, long pid, String host) {
        this.dir = dir;
        this.id = id;
        this.workflowName = workflowName;
        this.startedAt = startedAt;
        this.pid = pid;
        this.host = host;
    }

    /** A new record for a graph, keeping what an earlier record said about nodes already completed. */
    static DispatchRecord create(Path dir, String id, WorkflowGraph graph, Set<String> completed,
            Optional<DispatchSource> source) {
        return create(dir, id, graph, completed, source, Map.of(), Map.of(), null);
    }

    /**
     * As above, with each node's key ({@link NodeKeys}: what a redispatch compares), and the nodes whose
     * values a redispatch reuses from dispatch {@code reusedFrom}.
     */
    static DispatchRecord create(Path dir, String id, WorkflowGraph graph, Set<String> completed,
            Optional<DispatchSource> source, Map<String, String> keys, Map<String, Object> reused, String reusedFrom) {
        DispatchRecord earlier = Files.isRegularFile(dir.resolve(FILE)) ? read(dir, id) : null;
        DispatchRecord r = new DispatchRecord(dir, id, graph.workflowName(),
                earlier != null ? earlier.startedAt : Instant.now(), ProcessHandle.current().pid(), localHost());
        r.source = source.orElse(earlier != null ? earlier.source : null);
        for (WorkflowGraph.Step s : graph.steps()) {
            NodeState n = earlier != null && completed.contains(s.nodeId()) ? earlier.nodes.get(s.nodeId()) : new NodeState();
            n.task = s.name();
            n.deps = s.dependencies();
            n.parent = s.parent().orElse(null);
            n.workflow = s.isWorkflow();
            n.key = keys.getOrDefault(s.nodeId(), n.key);
            if (completed.contains(s.nodeId())) {
                n.status = TaskStatus.COMPLETED;
            }
            if (reused.containsKey(s.nodeId())) {
                n.status = TaskStatus.COMPLETED;
                n.reusedFrom = reusedFrom;
                n.executor = "reused";
                Optional<Object> v = Optional.ofNullable(reused.get(s.nodeId()));
                r.values.put(s.nodeId(), v);
                r.pendingValues.put(s.nodeId(), v);
            }
            r.nodes.put(s.nodeId(), n);
        }
        return r;
    }

    /** Reads a record; an unknown id is a clear error. */
    static DispatchRecord read(Path dir, String id) {
        Path file = dir.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            throw new ValenceException(ErrorKind.WORKFLOW, "no dispatch '" + id + "' under " + dir.getParent()
                    + " (see the dispatches there with: valence dispatches)");
        }
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + file, e);
        }
        DispatchRecord r = new DispatchRecord(dir, id, p.getProperty("workflow"), Instant.parse(p.getProperty("started")),
                Long.parseLong(p.getProperty("pid", "-1")), p.getProperty("host", ""));
        r.status = TaskStatus.valueOf(p.getProperty("status"));
        r.finishedAt = instant(p.getProperty("finished"));
        r.error = p.getProperty("error");
        r.closedEarly = Boolean.parseBoolean(p.getProperty("closed_early", "false"));
        r.source = readSource(p);
        String list = p.getProperty("nodes", "");
        for (String node : list.isEmpty() ? new String[0] : list.split(",")) {
            NodeState n = new NodeState();
            String k = "node." + node + ".";
            n.task = p.getProperty(k + "task");
            n.status = TaskStatus.valueOf(p.getProperty(k + "status"));
            n.executor = p.getProperty(k + "executor", "");
            n.job = p.getProperty(k + "job");
            n.started = instant(p.getProperty(k + "started"));
            n.finished = instant(p.getProperty(k + "finished"));
            n.error = p.getProperty(k + "error");
            n.exception = readException(p, k + "exception.", 0);
            String deps = p.getProperty(k + "depends_on", "");
            n.deps = deps.isEmpty() ? List.of() : Arrays.asList(deps.split(","));
            n.parent = p.getProperty(k + "parent");
            n.workflow = Boolean.parseBoolean(p.getProperty(k + "workflow", "false"));
            n.key = p.getProperty(k + "key");
            n.reusedFrom = p.getProperty(k + "reused_from");
            int attempts = Integer.parseInt(p.getProperty(k + "attempts", "0"));
            for (int i = 1; i <= attempts; i++) {
                String a = k + "attempt." + i + ".";
                AttemptState at = new AttemptState(i);
                at.job = p.getProperty(a + "job");
                at.started = instant(p.getProperty(a + "started"));
                at.finished = instant(p.getProperty(a + "finished"));
                at.error = p.getProperty(a + "error");
                n.attempts.add(at);
            }
            r.nodes.put(node, n);
        }
        r.dirty = false;
        return r;
    }

    String workflowName() {
        return workflowName;
    }

    /** What builds the workflow again, when the dispatch recorded it. */
    synchronized Optional<DispatchSource> source() {
        return Optional.ofNullable(source);
    }

    /** The process that wrote the record. */
    Dispatcher.Owner owner() {
        return new Dispatcher.Owner(pid, host, ownerOnAnotherHost());
    }

    /**
     * Whether the process that wrote this record is known to be alive: this host, a pid other than
     * this process's, and that pid still running. (Another host: not known.)
     */
    boolean ownerAlive() {
        return !closedEarly && host.equals(localHost()) && pid != ProcessHandle.current().pid()
                && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    /** Whether the record was written on another host (so whether its process lives is not known here). */
    boolean ownerOnAnotherHost() {
        return !host.isEmpty() && !host.equals(localHost());
    }

    synchronized List<String> nodeIds() {
        return List.copyOf(nodes.keySet());
    }

    synchronized List<NodeResult> nodes() {
        List<NodeResult> out = new ArrayList<>();
        nodes.forEach((id, n) -> out.add(NodeResult.builder().nodeId(id).taskName(n.task).status(n.status)
                .executor(n.executor).jobName(n.job).startedAt(n.started).finishedAt(n.finished).error(n.error)
                .dependsOn(n.deps).exception(n.exception).value(values.getOrDefault(id, Optional.empty()))
                .attempts(n.attempts.stream().map(AttemptState::toAttempt).toList()).parent(n.parent)
                .workflow(n.workflow).reusedFrom(n.reusedFrom).build()));
        return out;
    }

    /** Each node's key (see {@link NodeKeys}); a node without one is never reused by a redispatch. */
    synchronized Map<String, String> keys() {
        Map<String, String> out = new LinkedHashMap<>();
        nodes.forEach((id, n) -> {
            if (n.key != null) {
                out.put(id, n.key);
            }
        });
        return out;
    }

    /** A completed node's value when it is at hand (see {@link #loadValues}); empty Optional inside for null. */
    Optional<Optional<Object>> keptValue(String nodeId) {
        return Optional.ofNullable(values.get(nodeId));
    }

    /** Loads the values of completed nodes from the segments, for a record read from disk. */
    @SuppressWarnings("unchecked")
    void loadValues() {
        Path nodesDir = dir.resolve("nodes");
        if (!Files.isDirectory(nodesDir)) {
            return;
        }
        try (var files = Files.list(nodesDir)) {
            for (Path segment : files.filter(f -> f.getFileName().toString().endsWith(".values")).sorted().toList()) {
                Optional<Optional<Object>> map = Dispatcher.readValue(segment);
                Map<String, byte[]> m = map.flatMap(o -> o.map(x -> (Map<String, byte[]>) x)).orElse(Map.of());
                m.forEach((node, bytes) -> values.put(node, Optional.ofNullable(PayloadCodec.decodeOutput(
                        new java.io.ByteArrayInputStream(bytes), "value of node '" + node + "' in " + segment,
                        Thread.currentThread().getContextClassLoader()).value())));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("reading node values in " + nodesDir, e);
        }
    }

    /** A completed node's value, from the value segments; empty when it was not kept. */
    @SuppressWarnings("unchecked")
    Optional<Optional<Object>> nodeValue(String nodeId) {
        Path nodesDir = dir.resolve("nodes");
        if (!Files.isDirectory(nodesDir)) {
            return Optional.empty();
        }
        try (var files = Files.list(nodesDir)) {
            for (Path segment : files.filter(f -> f.getFileName().toString().endsWith(".values")).sorted().toList()) {
                Optional<Optional<Object>> map = Dispatcher.readValue(segment);
                byte[] bytes = map.flatMap(m -> m.map(o -> ((Map<String, byte[]>) o).get(nodeId))).orElse(null);
                if (bytes != null) {
                    return Optional.of(Optional.ofNullable(PayloadCodec.decodeOutput(new java.io.ByteArrayInputStream(bytes),
                            "value of node '" + nodeId + "' in " + segment, Thread.currentThread().getContextClassLoader()).value()));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("reading node values in " + nodesDir, e);
        }
        return Optional.empty();
    }

    /**
     * Node values completed since the last flush go into one segment file (one file per flush,
     * not per node: small-file writes dominate on slow disks). A value that cannot be serialized
     * is left out; that node runs again on resume.
     */
    private void writeSegment(Map<String, Optional<Object>> values) {
        if (values.isEmpty()) {
            return;
        }
        java.util.HashMap<String, byte[]> encoded = new java.util.HashMap<>();
        values.forEach((node, v) -> {
            java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
            try {
                PayloadCodec.write(bytes, PayloadCodec.Output.value(v.orElse(null)));
                encoded.put(node, bytes.toByteArray());
            } catch (IOException e) {
                org.slf4j.LoggerFactory.getLogger(DispatchRecord.class)
                        .debug("value of node {} is not kept ({}); it will run again on resume", node, e.toString());
            }
        });
        Dispatcher.writeValue(dir.resolve("nodes").resolve(String.format("%019d-%d.values", System.nanoTime() & Long.MAX_VALUE,
                ++segments)), encoded);
    }

    synchronized TaskStatus status(String nodeId) {
        return nodes.get(nodeId).status;
    }

    synchronized boolean anyFailed() {
        return nodes.values().stream().anyMatch(n -> n.status == TaskStatus.FAILED);
    }

    synchronized void started(String nodeId, String executor, String job) {
        started(nodeId, executor, job, 1);
    }

    /** Attempt {@code attempt} of a node started on an executor, as Job {@code job} (or {@code null}). */
    synchronized void started(String nodeId, String executor, String job, int attempt) {
        NodeState n = nodes.get(nodeId);
        n.status = TaskStatus.RUNNING;
        n.executor = executor;
        n.job = job;
        Instant now = Instant.now();
        if (n.started == null || attempt == 1) {
            n.started = now;
        }
        if (attempt == 1) {
            n.attempts.clear();
        }
        AttemptState a = new AttemptState(attempt);
        a.job = job;
        a.started = now;
        n.attempts.add(a);
        for (String p = n.parent; p != null; p = nodes.get(p).parent) {
            NodeState group = nodes.get(p);
            if (group.status == TaskStatus.NEW) {
                group.status = TaskStatus.RUNNING;
                group.started = now;
                group.executor = "workflow";
            }
        }
        dirty = true;
    }

    /** An attempt failed and another follows. */
    synchronized void attemptFailed(String nodeId, String why) {
        NodeState n = nodes.get(nodeId);
        if (!n.attempts.isEmpty()) {
            AttemptState a = n.attempts.get(n.attempts.size() - 1);
            a.finished = Instant.now();
            a.error = why;
        }
        dirty = true;
    }

    /** A node completed: its value is written with the next flush, before the record that says so. */
    synchronized void completed(String nodeId, Object value) {
        pendingValues.put(nodeId, Optional.ofNullable(value));
        values.put(nodeId, Optional.ofNullable(value));
        finished(nodeId, TaskStatus.COMPLETED, null);
    }

    /** A node's output came from the call cache (no Job): as {@link #completed}, with status {@code CACHED}. */
    synchronized void cached(String nodeId, Object value) {
        pendingValues.put(nodeId, Optional.ofNullable(value));
        values.put(nodeId, Optional.ofNullable(value));
        finished(nodeId, TaskStatus.CACHED, null);
    }

    synchronized void finished(String nodeId, TaskStatus s, String why) {
        finished(nodeId, s, why, null);
    }

    /** A node finished; {@code exception} is what it failed with, or {@code null}. */
    synchronized void finished(String nodeId, TaskStatus s, String why, TaskError exception) {
        NodeState n = nodes.get(nodeId);
        n.status = s;
        n.finished = Instant.now();
        n.error = why;
        n.exception = exception;
        if (!n.attempts.isEmpty() && n.attempts.get(n.attempts.size() - 1).finished == null) {
            AttemptState a = n.attempts.get(n.attempts.size() - 1);
            a.finished = n.finished;
            a.error = why;
        }
        if (n.workflow && n.started == null) {
            n.started = n.finished;
            n.executor = "workflow";
        }
        dirty = true;
    }

    void finishDispatch(TaskStatus s, Object value, String why) {
        if (s == TaskStatus.COMPLETED) {
            Dispatcher.writeValue(dir.resolve("result.value"), value);
        }
        synchronized (this) {
            status = s;
            error = why;
            finishedAt = Instant.now();
            dirty = true;
        }
        flush();
    }

    /**
     * Marks a dispatch whose dispatcher closed before it finished, writes that, and stops writing:
     * the record stays as a crash would leave it, for a later resume.
     */
    void closedEarly() {
        synchronized (this) {
            if (status.isFinal() || detached) {
                return;
            }
            closedEarly = true;
            dirty = true;
        }
        flush();
        synchronized (this) {
            detached = true;
        }
    }

    @SuppressWarnings("unchecked")
    <R> WorkflowResult<R> result() {
        Optional<R> value = Optional.empty();
        TaskStatus s;
        synchronized (this) {
            s = status;
        }
        if (s == TaskStatus.COMPLETED) {
            value = Dispatcher.readValue(dir.resolve("result.value")).flatMap(v -> (Optional<R>) v);
        }
        synchronized (this) {
            return new WorkflowResult<>(id, workflowName, status, value, Optional.ofNullable(error), startedAt,
                    Optional.ofNullable(finishedAt), nodes(), !status.isFinal() && orphaned());
        }
    }

    private boolean orphaned() {
        if (closedEarly) {
            return true;
        }
        if (!host.equals(localHost()) || pid == ProcessHandle.current().pid()) {
            return false;
        }
        return ProcessHandle.of(pid).map(h -> !h.isAlive()).orElse(true);
    }

    void flushIfDirty() {
        boolean d;
        synchronized (this) {
            d = dirty;
        }
        if (d) {
            flush();
        }
    }

    /** Writes the record atomically (temp file, then rename). */
    void flush() {
        synchronized (writeLock) {
            write();
        }
    }

    private void write() {
        Properties p = new Properties();
        Map<String, Optional<Object>> values;
        synchronized (this) {
            if (detached) {
                return;
            }
            values = new LinkedHashMap<>(pendingValues);
            pendingValues.clear();
            p.setProperty("id", id);
            p.setProperty("workflow", workflowName);
            p.setProperty("status", status.name());
            p.setProperty("started", startedAt.toString());
            put(p, "finished", finishedAt);
            put(p, "error", error);
            p.setProperty("pid", Long.toString(pid));
            p.setProperty("host", host);
            p.setProperty("closed_early", Boolean.toString(closedEarly));
            writeSource(p, source);
            p.setProperty("nodes", String.join(",", nodes.keySet()));
            nodes.forEach((node, n) -> {
                String k = "node." + node + ".";
                p.setProperty(k + "task", n.task);
                p.setProperty(k + "status", n.status.name());
                p.setProperty(k + "executor", n.executor);
                put(p, k + "job", n.job);
                put(p, k + "started", n.started);
                put(p, k + "finished", n.finished);
                put(p, k + "error", n.error);
                writeException(p, k + "exception.", 0, n.exception);
                p.setProperty(k + "depends_on", String.join(",", n.deps));
                put(p, k + "parent", n.parent);
                if (n.workflow) {
                    p.setProperty(k + "workflow", "true");
                }
                put(p, k + "key", n.key);
                put(p, k + "reused_from", n.reusedFrom);
                if (!n.attempts.isEmpty()) {
                    p.setProperty(k + "attempts", Integer.toString(n.attempts.size()));
                    for (AttemptState a : n.attempts) {
                        String ak = k + "attempt." + a.number + ".";
                        put(p, ak + "job", a.job);
                        put(p, ak + "started", a.started);
                        put(p, ak + "finished", a.finished);
                        put(p, ak + "error", a.error);
                    }
                }
            });
            dirty = false;
        }
        writeSegment(values);
        try {
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, ".record", ".tmp");
            try (OutputStream out = Files.newOutputStream(tmp)) {
                p.store(out, "Valence dispatch " + id);
            }
            Files.move(tmp, dir.resolve(FILE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("writing dispatch record in " + dir, e);
        }
    }

    /**
     * The exception chain as flat keys: {@code <k>0.type}, {@code <k>0.message}, {@code <k>0.frames}
     * (one frame a line), then {@code <k>1.*} for its cause, and so on.
     */
    private static void writeException(Properties p, String k, int depth, TaskError e) {
        if (e == null) {
            return;
        }
        p.setProperty(k + depth + ".type", e.type());
        p.setProperty(k + depth + ".message", e.message());
        p.setProperty(k + depth + ".frames", String.join("\n", e.frames()));
        writeException(p, k, depth + 1, e.cause().orElse(null));
    }

    /** The chain {@link #writeException} wrote; {@code null} in a record without one (older records too). */
    private static TaskError readException(Properties p, String k, int depth) {
        String type = p.getProperty(k + depth + ".type");
        if (type == null || depth >= TaskError.MAX_CAUSES) {
            return null;
        }
        String frames = p.getProperty(k + depth + ".frames", "");
        return TaskError.builder().type(type).message(p.getProperty(k + depth + ".message", ""))
                .frames(frames.isEmpty() ? List.of() : frames.lines().toList())
                .cause(readException(p, k, depth + 1)).build();
    }

    private static void writeSource(Properties p, DispatchSource source) {
        if (source == null) {
            return;
        }
        source.workflowClass().ifPresent(c -> p.setProperty("source.workflow_class", c));
        p.setProperty("source.executor", source.executor());
        p.setProperty("source.args", Integer.toString(source.args().size()));
        for (int i = 0; i < source.args().size(); i++) {
            p.setProperty("source.arg." + i, source.args().get(i));
        }
    }

    private static DispatchSource readSource(Properties p) {
        String executor = p.getProperty("source.executor");
        if (executor == null) {
            return null;
        }
        int count = Integer.parseInt(p.getProperty("source.args", "0"));
        List<String> args = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            args.add(p.getProperty("source.arg." + i, ""));
        }
        return new DispatchSource(Optional.ofNullable(p.getProperty("source.workflow_class")), args, executor);
    }

    private static void put(Properties p, String key, Object value) {
        if (value != null) {
            p.setProperty(key, value.toString());
        }
    }

    private static Instant instant(String s) {
        return s == null ? null : Instant.parse(s);
    }

    private static String localHost() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }
}
