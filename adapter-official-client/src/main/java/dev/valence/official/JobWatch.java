package dev.valence.official;

import dev.valence.api.ErrorKind;
import dev.valence.api.ValenceException;
import dev.valence.official.JobVerdicts.Verdict;
import dev.valence.spi.JobListener;
import dev.valence.spi.JobOutcome;
import dev.valence.spi.PodStarted;
import io.kubernetes.client.openapi.models.CoreV1Event;
import io.kubernetes.client.openapi.models.V1Job;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1Pod;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows every in-flight Valence Job of one namespace with ONE watch of Jobs and ONE of pods, both
 * selected by {@code app.kubernetes.io/managed-by=valence}, over a cache of what they saw: each event
 * re-judges the Job it concerns, so an outcome is noticed when the API server tells it, whatever
 * {@code poll_freq}. One watch serves all tasks of the namespace (a map of Job name to future), not a
 * thread or request per task.
 *
 * <p>As an informer does: a list gives the cache and the {@code resourceVersion} the watch starts
 * from; every event moves that version on (bookmarks too); a watch that ends is reopened from it at
 * once, one that fails is reopened with backoff (200 ms doubling to {@code poll_freq}, at most 30 s);
 * a {@code 410 Gone} (the version is older than the server's history) lists again. The list every
 * {@code poll_freq} is kept while Jobs are followed: it is the resync (an object changes in the cache
 * only for a newer {@code resourceVersion}, so a list never undoes a newer event) and the stand-in while
 * a watch cannot reopen; it also asks for the events of Jobs that have no pod ({@code FailedCreate}).
 *
 * <p>API errors are logged once and retried; a 401 or 403 (which will not heal by itself) fails every
 * followed future with a {@code PERMISSION} error.
 */
final class JobWatch {
    private static final Logger LOG = LoggerFactory.getLogger(JobWatch.class);
    /** Lines of a failed pod's log put in its outcome. */
    static final int LOG_TAIL_LINES = 50;
    private static final Duration FIRST_BACKOFF = Duration.ofMillis(200);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);
    /** The server ends a watch after about this long (jittered), as informers ask; it is reopened at once. */
    private static final int WATCH_SECONDS = 300;

    private final String namespace;
    private final ClusterReads reads;
    private final ScheduledExecutorService scheduler;
    private final Duration pollFreq;
    private final Duration unschedulableGrace;
    private final Clock clock;
    private final ExecutorService watchThreads;
    private final Map<String, Followed> inFlight = new ConcurrentHashMap<>();
    /** What the watches and lists saw: Jobs and pods by name. Guarded by {@code this}. */
    private final Map<String, V1Job> jobs = new HashMap<>();
    private final Map<String, V1Pod> pods = new HashMap<>();
    private final Kind jobKind = new Kind(false);
    private final Kind podKind = new Kind(true);
    /** When this follower first saw a pod unschedulable, for pods whose condition has no transition time. */
    private final Map<String, Instant> firstUnschedulable = new ConcurrentHashMap<>();
    private ScheduledFuture<?> resync;
    private final java.util.concurrent.atomic.AtomicBoolean confirmPending = new java.util.concurrent.atomic.AtomicBoolean();
    /** When this follower first saw a Job's pods refused for an exhausted quota. */
    private final Map<String, Instant> firstRefused = new HashMap<>();
    /** The identity may not list events: refused pods are not seen (said once). */
    private volatile boolean eventsDenied;
    private volatile boolean closed;
    private volatile String lastError = "";
    /** Followed Jobs whose judgement is asked for and has not started yet ({@link #judgeSoon}). */
    private final Set<String> judgementDue = ConcurrentHashMap.newKeySet();

    JobWatch(String namespace, ClusterReads reads, ScheduledExecutorService scheduler, Duration pollFreq,
             Duration unschedulableGrace, Clock clock) {
        this.namespace = namespace;
        this.reads = reads;
        this.scheduler = scheduler;
        this.pollFreq = pollFreq;
        this.unschedulableGrace = unschedulableGrace;
        this.clock = clock;
        this.watchThreads = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "valence-official-watch-" + namespace);
            t.setDaemon(true);
            return t;
        });
    }

    /** A followed Job: its outcome and who to tell of its pods. */
    private record Followed(CompletableFuture<JobOutcome> future, List<JobListener> listeners) {
        Followed() {
            this(new CompletableFuture<>(), new CopyOnWriteArrayList<>());
        }

        void tell(PodStarted pod) {
            listeners.forEach(l -> l.podStarted(pod));
        }

        void tellSucceeded(String podName) {
            listeners.forEach(l -> l.podSucceeded(podName));
        }

        void tellFailed(V1Pod pod) {
            listeners.forEach(l -> l.podFailed(pod.getMetadata().getName(), JobVerdicts.completionIndex(pod),
                    JobVerdicts.failureReason(pod)));
        }
    }

    /** The state of the watch of one kind (Jobs or pods). */
    private final class Kind {
        final boolean isPod;
        /** Where the watch goes on from; null: list first. */
        volatile String resourceVersion;
        volatile boolean watching;
        volatile boolean running;
        volatile okhttp3.Call call;
        Duration backoff = FIRST_BACKOFF;

        Kind(boolean isPod) {
            this.isPod = isPod;
        }

        String resource() {
            return isPod ? "pods" : "jobs.batch";
        }
    }

    /**
     * The outcome of the named Job, telling {@code listener} of each pod that starts; following a
     * Job twice gives the same future.
     */
    CompletableFuture<JobOutcome> follow(String name, JobListener listener) {
        Followed followed = inFlight.computeIfAbsent(name, n -> {
            Followed f = new Followed();
            // a caller that cancels stops following
            f.future().whenComplete((o, e) -> inFlight.remove(name, f));
            return f;
        });
        followed.listeners().add(JobListener.oncePerPod(listener));
        start();
        // the watch may not have seen this Job yet (or it finished long ago): one list for all new follows
        if (confirmPending.compareAndSet(false, true)) {
            scheduler.execute(this::confirmFollowed);
        }
        return followed.future();
    }

    /** How many Jobs are followed now. */
    int inFlight() {
        return inFlight.size();
    }

    /** Whether both watches are open now. */
    boolean watching() {
        return jobKind.watching && podKind.watching;
    }

    private synchronized void start() {
        if (resync == null && !closed) {
            resync = scheduler.scheduleWithFixedDelay(this::resyncSafely, 0, pollFreq.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /**
     * Judges the followed Jobs from the cache; when some are not in it (followed before the watch
     * delivered them), one list of Jobs decides: a Job it lacks was deleted (it was created before
     * it was followed, so a list read after the follow has it unless it is gone).
     */
    private void confirmFollowed() {
        confirmPending.set(false);
        Set<String> followed = new HashSet<>(inFlight.keySet());
        try {
            if (!missing(followed).isEmpty()) {
                listInto(jobKind);
                missing(followed).forEach(this::deleted);
            }
            judge(followed);
        } catch (ValenceException e) {
            failed(e, "list", "jobs.batch");
        } catch (RuntimeException e) {
            LOG.debug("judging the Jobs followed in namespace {} failed; the watch or the next resync decides", namespace, e);
        }
    }

    private synchronized Set<String> missing(Set<String> names) {
        Set<String> out = new HashSet<>(names);
        out.removeIf(jobs::containsKey);
        return out;
    }

    private void resyncSafely() {
        try {
            if (closed) {
                return;
            }
            if (inFlight.isEmpty()) {
                firstUnschedulable.clear();
                return;
            }
            resync();
        } catch (ValenceException e) {
            failed(e, "list", "jobs.batch and pods");
        } catch (RuntimeException e) {
            LOG.warn("following Jobs in namespace {} failed unexpectedly; retrying", namespace, e);
        }
    }

    /** One round of the resync: list, merge, judge every followed Job; (re)open a watch that is not running. */
    void resync() {
        Set<String> followed = new HashSet<>(inFlight.keySet()); // each created before this list
        listInto(jobKind);
        listInto(podKind);
        recovered();
        missing(followed).forEach(this::deleted);
        judge(followed);
        checkRefused(clock.instant());
        openWatch(jobKind);
        openWatch(podKind);
    }

    private void listInto(Kind kind) {
        String selector = JobManifest.managedSelector();
        if (kind.isPod) {
            ClusterReads.Listed<V1Pod> listed = reads.listPods(namespace, selector);
            synchronized (this) {
                merge(pods, listed.items(), listed.resourceVersion(), p -> p.getMetadata());
            }
            setVersionIfUnset(kind, listed.resourceVersion());
        } else {
            ClusterReads.Listed<V1Job> listed = reads.listJobs(namespace, selector);
            synchronized (this) {
                merge(jobs, listed.items(), listed.resourceVersion(), j -> j.getMetadata());
            }
            setVersionIfUnset(kind, listed.resourceVersion());
        }
    }

    private static void setVersionIfUnset(Kind kind, String listed) {
        if (kind.resourceVersion == null && !kind.running) {
            kind.resourceVersion = listed;
        }
    }

    /**
     * A list into the cache: an object is replaced unless the cache holds a newer version of it (the
     * watch went on meanwhile); an object the list lacks is dropped unless the cache's is newer than the
     * list.
     */
    private static <T> void merge(Map<String, T> cache, List<T> items, String listVersion,
                                  java.util.function.Function<T, V1ObjectMeta> meta) {
        Set<String> listed = new HashSet<>();
        for (T item : items) {
            String name = meta.apply(item).getName();
            listed.add(name);
            putIfNewer(cache, name, item, meta);
        }
        cache.entrySet().removeIf(e -> !listed.contains(e.getKey())
                && !newer(meta.apply(e.getValue()).getResourceVersion(), listVersion));
    }

    private static void putIfNewer(Map<String, V1Job> cache, String name, V1Job job) {
        putIfNewer(cache, name, job, V1Job::getMetadata);
    }

    private static <T> void putIfNewer(Map<String, T> cache, String name, T item,
                                       java.util.function.Function<T, V1ObjectMeta> meta) {
        T old = cache.get(name);
        if (old == null || !newer(meta.apply(old).getResourceVersion(), meta.apply(item).getResourceVersion())) {
            cache.put(name, item);
        }
    }

    /**
     * Whether version {@code a} is newer than {@code b}. Versions are opaque to clients, but every API
     * server writes them as increasing integers (etcd's revision); anything else is never newer.
     */
    static boolean newer(String a, String b) {
        if (a == null || b == null) {
            return false;
        }
        try {
            return Long.parseLong(a) > Long.parseLong(b);
        } catch (NumberFormatException e) {
            return false;
        }
    }

    // ---- the watches ----

    private void openWatch(Kind kind) {
        synchronized (kind) {
            if (kind.running || closed) {
                return;
            }
            kind.running = true;
        }
        watchThreads.execute(() -> watchLoop(kind));
    }

    /** Watches until the stream ends or fails; then reopens (at once, after a backoff, or after a list). */
    private void watchLoop(Kind kind) {
        Duration delay = Duration.ZERO;
        try {
            if (kind.resourceVersion == null) {
                listInto(kind); // a 410 said the version is too old
                judge(new HashSet<>(inFlight.keySet()));
            }
            String from = kind.resourceVersion;
            okhttp3.Call call = reads.watchCall(kind.isPod, namespace, JobManifest.managedSelector(), from,
                    WATCH_SECONDS + java.util.concurrent.ThreadLocalRandom.current().nextInt(60));
            kind.call = call;
            if (closed) {
                return;
            }
            try (okhttp3.Response response = call.execute()) {
                if (!response.isSuccessful()) {
                    String body = response.body() == null ? "" : response.body().string();
                    throw new io.kubernetes.client.openapi.ApiException(response.message(), response.code(),
                            response.headers().toMultimap(), body);
                }
                kind.watching = true;
                recovered();
                LOG.debug("watching {} in namespace {} from resourceVersion {}", kind.resource(), namespace, from);
                java.io.BufferedReader lines = new java.io.BufferedReader(new java.io.InputStreamReader(
                        response.body().byteStream(), java.nio.charset.StandardCharsets.UTF_8));
                String line;
                while (!closed && (line = lines.readLine()) != null) {
                    if (!line.isBlank()) {
                        onEvent(kind, line);
                        kind.backoff = FIRST_BACKOFF; // events flow: the next failure starts a fresh backoff
                    }
                }
            }
        } catch (io.kubernetes.client.openapi.ApiException e) {
            if (closed) {
                return;
            }
            if (e.getCode() == 410) {
                kind.resourceVersion = null;
            } else {
                failed(reads.translate(ApiCalls.Op.of("watch", kind.resource(), namespace), e), "watch", kind.resource());
                delay = nextBackoff(kind);
            }
        } catch (ValenceException e) {
            if (!closed) {
                failed(e, "watch", kind.resource());
                delay = nextBackoff(kind);
            }
        } catch (java.io.IOException | RuntimeException e) {
            if (!closed) {
                failed(new ValenceException(ErrorKind.CLUSTER, "the watch of " + kind.resource() + " in namespace "
                        + namespace + " broke (" + e + ")", e), "watch", kind.resource());
                delay = nextBackoff(kind);
            }
        } finally {
            kind.watching = false;
            kind.call = null;
        }
        if (closed) {
            return;
        }
        LOG.debug("watch of {} in namespace {} ended; reopening in {} ms", kind.resource(), namespace, delay.toMillis());
        Runnable reopen = () -> watchThreads.execute(() -> watchLoop(kind));
        try {
            if (delay.isZero()) {
                reopen.run();
            } else {
                scheduler.schedule(reopen, delay.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (java.util.concurrent.RejectedExecutionException e) {
            kind.running = false; // closing
        }
    }

    private void recovered() {
        if (!lastError.isEmpty() && watching()) {
            LOG.info("following Jobs in namespace {} works again", namespace);
            lastError = "";
        }
    }

    private Duration nextBackoff(Kind kind) {
        Duration d = kind.backoff;
        Duration cap = pollFreq.compareTo(MAX_BACKOFF) < 0 ? pollFreq : MAX_BACKOFF;
        kind.backoff = d.multipliedBy(2).compareTo(cap) > 0 ? (cap.compareTo(FIRST_BACKOFF) > 0 ? cap : FIRST_BACKOFF)
                : d.multipliedBy(2);
        return d;
    }

    /** One line of the stream: {@code {"type":"MODIFIED","object":{...}}}. */
    private void onEvent(Kind kind, String line) throws io.kubernetes.client.openapi.ApiException {
        com.google.gson.JsonObject event = com.google.gson.JsonParser.parseString(line).getAsJsonObject();
        String type = event.has("type") ? event.get("type").getAsString() : "";
        com.google.gson.JsonObject object = event.has("object") && event.get("object").isJsonObject()
                ? event.getAsJsonObject("object") : new com.google.gson.JsonObject();
        if (type.equals("ERROR")) {
            int code = object.has("code") ? object.get("code").getAsInt() : 500;
            String message = object.has("message") ? object.get("message").getAsString() : line;
            throw new io.kubernetes.client.openapi.ApiException(message, code, Map.of(), object.toString());
        }
        V1ObjectMeta meta = LenientJson.read(object.get("metadata"), V1ObjectMeta.class);
        if (meta == null) {
            return;
        }
        if (meta.getResourceVersion() != null) {
            kind.resourceVersion = meta.getResourceVersion();
        }
        if (type.equals("BOOKMARK") || meta.getName() == null) {
            return;
        }
        String name = meta.getName();
        String job;
        if (kind.isPod) {
            V1Pod pod = LenientJson.read(object, V1Pod.class);
            synchronized (this) {
                if (type.equals("DELETED")) {
                    pods.remove(name);
                } else {
                    putIfNewer(pods, name, pod, V1Pod::getMetadata);
                }
            }
            job = jobNameOf(pod);
        } else {
            V1Job j = LenientJson.read(object, V1Job.class);
            if (type.equals("DELETED")) {
                synchronized (this) {
                    jobs.remove(name);
                }
                deleted(name);
                return;
            }
            synchronized (this) {
                putIfNewer(jobs, name, j);
            }
            job = name;
        }
        if (job != null && inFlight.containsKey(job)) {
            if (kind.isPod) {
                judgeSoon(job);
            } else {
                judge(Set.of(job));
            }
        }
    }

    /**
     * Judges the Job on the scheduler, once for all the pod events that came before it ran: an Indexed Job's
     * N pods send ~4 N events and each judgement reads all N pods (O(N²) when judged per event). An event after
     * the judgement started asks for another one, so none is lost. A Job's own events are judged at once.
     */
    private void judgeSoon(String job) {
        if (closed || !judgementDue.add(job)) {
            return;
        }
        try {
            scheduler.execute(() -> {
                judgementDue.remove(job);
                if (!closed && inFlight.containsKey(job)) {
                    judge(Set.of(job));
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException closing) {
            judgementDue.remove(job);
        }
    }

    private static String jobNameOf(V1Pod pod) {
        Map<String, String> labels = pod.getMetadata().getLabels() == null ? Map.of() : pod.getMetadata().getLabels();
        return JobVerdicts.JOB_NAME_LABELS.stream().map(labels::get).filter(java.util.Objects::nonNull).findFirst()
                .orElse(null);
    }

    /**
     * A failed list, read or watch: a 401 or 403 ends every follow with a {@code PERMISSION} error;
     * anything else is logged once and tried again.
     */
    private void failed(ValenceException e, String verb, String resource) {
        if (closed) {
            return; // closing interrupts what was under way
        }
        if (e.kind() == ErrorKind.PERMISSION) {
            LOG.warn("following Jobs in namespace {} failed: {}", namespace, e.getMessage());
            Set.copyOf(inFlight.values()).forEach(f -> f.future().completeExceptionally(e));
            inFlight.clear();
        } else if (lastError.isEmpty()) {
            LOG.warn("following Jobs in namespace {}: {} (retrying; the list every poll_freq stands in meanwhile)",
                    namespace, e.getMessage());
        } else {
            LOG.debug("following Jobs in namespace {}: {} {} failed again: {}", namespace, verb, resource, e.getMessage());
        }
        lastError = e.getMessage();
    }

    // ---- judging ----

    private void deleted(String name) {
        complete(name, JobOutcome.failed("Deleted", "Job " + namespace + "/" + name
                + " was deleted before it finished (by a cancel, a TTL, or someone else)", "", ""));
    }

    /** Judges the named followed Jobs from the cache and completes the decided ones. */
    private void judge(Set<String> names) {
        Instant now = clock.instant();
        for (String name : names) {
            Followed f = inFlight.get(name);
            V1Job job;
            List<V1Pod> mine;
            synchronized (this) {
                job = jobs.get(name);
                mine = job == null ? List.of() : JobVerdicts.podsOf(job, List.copyOf(pods.values()));
            }
            if (f == null || job == null || job.getMetadata().getDeletionTimestamp() != null) {
                continue; // unknown yet, or being deleted: its disappearance decides
            }
            Optional<Verdict> verdict = JobVerdicts.judge(job, mine, now, unschedulableGrace, this::unschedulableSince);
            if (verdict.isPresent() && (!verdict.get().succeeded() || mine.isEmpty())) {
                // the Job's end can arrive before its pod's (two watches): read the pods once, for the pod
                // that ran (its start is reported) and a failed one's termination
                try {
                    listInto(podKind);
                    synchronized (this) {
                        mine = JobVerdicts.podsOf(job, List.copyOf(pods.values()));
                    }
                    verdict = JobVerdicts.judge(job, mine, now, unschedulableGrace, this::unschedulableSince);
                } catch (ValenceException e) {
                    LOG.debug("reading the pods of failed Job {}/{} failed; judging from the watch", namespace, name, e);
                }
            }
            mine.forEach(p -> JobVerdicts.started(p).ifPresent(f::tell));
            mine.forEach(p -> JobVerdicts.succeeded(p).ifPresent(f::tellSucceeded));
            mine.stream().filter(JobVerdicts::failed).forEach(f::tellFailed);
            verdict.filter(v -> v.succeeded() && !v.podName().isEmpty())
                    .ifPresent(v -> f.tell(new PodStarted(v.podName(), "", now))); // it ran, unseen running
            verdict.ifPresent(v -> complete(name, v.succeeded() ? JobOutcome.succeeded(v.podName())
                    : JobOutcome.failed(v.reason(), v.message(), v.podName(),
                            reads.logTailQuietly(namespace, v.podName(), LOG_TAIL_LINES))));
        }
        synchronized (this) {
            firstUnschedulable.keySet().retainAll(pods.keySet());
        }
    }

    /** The followed Jobs that have no pod in the cache. */
    private List<V1Job> podless() {
        List<V1Job> out = new java.util.ArrayList<>();
        synchronized (this) {
            for (String name : inFlight.keySet()) {
                V1Job job = jobs.get(name);
                if (job != null && job.getMetadata().getDeletionTimestamp() == null
                        && JobVerdicts.podsOf(job, List.copyOf(pods.values())).isEmpty()) {
                    out.add(job);
                }
            }
        }
        return out;
    }

    /**
     * For the followed Jobs that have no pod: one list of the namespace's events tells whether the
     * API server refused their pods ({@code FailedCreate}: Pod Security, a missing service account, a
     * quota...). Such a Job ends at once with the event's message, except for an exhausted quota,
     * which may free up: that one ends after {@code unschedulable_grace}.
     */
    private void checkRefused(Instant now) {
        firstRefused.keySet().retainAll(inFlight.keySet());
        List<V1Job> podless = podless();
        if (podless.isEmpty() || eventsDenied) {
            return;
        }
        List<CoreV1Event> events;
        try {
            events = reads.events(namespace);
        } catch (ValenceException e) {
            if (e.kind() == ErrorKind.PERMISSION) {
                eventsDenied = true;
                LOG.warn("cannot list events in namespace {}: a Job whose pods the API server refuses (Pod Security, "
                        + "quota, missing service account) is not seen and waits until cancelled; grant 'events: list' "
                        + "(infra/rbac.yaml)", namespace);
            } else {
                LOG.debug("listing events of namespace {} failed; next resync", namespace, e);
            }
            return;
        }
        for (V1Job job : podless) {
            String name = job.getMetadata().getName();
            refusal(job, events).ifPresent(message -> {
                Instant first = firstRefused.computeIfAbsent(name, n -> now);
                if (!message.contains("exceeded quota") || !now.isBefore(first.plus(unschedulableGrace))) {
                    complete(name, JobOutcome.failed("FailedCreate", message, "", ""));
                }
            });
        }
    }

    /** The message of the newest {@code FailedCreate} event of this very Job, if any. */
    static Optional<String> refusal(V1Job job, List<CoreV1Event> events) {
        String name = job.getMetadata().getName();
        String uid = job.getMetadata().getUid();
        return events.stream()
                .filter(e -> "FailedCreate".equals(e.getReason()) && e.getInvolvedObject() != null
                        && "Job".equals(e.getInvolvedObject().getKind()) && name.equals(e.getInvolvedObject().getName())
                        && (uid == null || e.getInvolvedObject().getUid() == null || uid.equals(e.getInvolvedObject().getUid())))
                .max(java.util.Comparator.comparing(e -> String.valueOf(e.getLastTimestamp())))
                .map(e -> String.valueOf(e.getMessage()));
    }

    private Instant unschedulableSince(V1Pod pod) {
        Instant seen = firstUnschedulable.computeIfAbsent(pod.getMetadata().getName(), p -> clock.instant());
        return JobVerdicts.unschedulableTransition(pod).filter(t -> t.isBefore(seen)).orElse(seen);
    }

    private void complete(String name, JobOutcome outcome) {
        Followed followed = inFlight.remove(name);
        if (followed != null) {
            CompletableFuture<JobOutcome> future = followed.future();
            LOG.debug("Job {}/{}: {} {}", namespace, name, outcome.succeeded() ? "succeeded" : "failed", outcome.reason());
            // callers' dependent stages run off the watch's thread
            future.completeAsync(() -> outcome);
        }
    }

    /** Stops watching; followed futures are cancelled. */
    void close() {
        closed = true;
        synchronized (this) {
            if (resync != null) {
                resync.cancel(false);
            }
        }
        for (Kind kind : List.of(jobKind, podKind)) {
            okhttp3.Call call = kind.call;
            if (call != null) {
                call.cancel();
            }
        }
        watchThreads.shutdownNow();
        Set.copyOf(inFlight.values()).forEach(f -> f.future().cancel(false));
        inFlight.clear();
    }
}
