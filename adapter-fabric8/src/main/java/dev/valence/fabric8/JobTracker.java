package dev.valence.fabric8;

import dev.valence.api.ValenceException;
import dev.valence.spi.ClusterGateway;
import dev.valence.spi.JobListener;
import dev.valence.spi.JobOutcome;
import dev.valence.spi.PodStarted;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows every in-flight Job of one namespace with ONE shared informer on Jobs and ONE on pods,
 * both selected by {@code app.kubernetes.io/managed-by=valence}, with {@code poll_freq} as the
 * resync period. A followed Job is an entry in a map (name → future); each event re-evaluates
 * only the Job it concerns. No thread or poller per task: the informers' own watch threads, plus
 * the gateway's scheduler for unschedulable-grace deadlines and log reads. The informers re-list
 * and re-watch by themselves when a watch closes or the server answers 410 Gone; a Job deleted
 * meanwhile is reported as a delete by the re-list.
 */
final class JobTracker implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(JobTracker.class);
    private static final String BY_JOB = "job";
    static final int LOG_TAIL_LINES = 50;
    private static final Duration START_WAIT = Duration.ofSeconds(30);

    private final KubernetesClient client;
    private final String namespace;
    private final Duration resync;
    private final Duration grace;
    private final ScheduledExecutorService scheduler;
    private final ApiErrors errors;
    private final BiFunction<String, Integer, String> podLogTail;
    private final Map<String, Tracked> tracked = new ConcurrentHashMap<>();
    private SharedIndexInformer<Job> jobs;
    private SharedIndexInformer<Pod> pods;
    private CompletableFuture<Void> started;
    private volatile boolean closed;
    private volatile String lastError = "";
    private volatile Instant watchDownSince;
    private ScheduledFuture<?> watchdog;
    /** The identity may not list events: refused pods are not seen (said once). */
    private volatile boolean eventsDenied;
    /** Followed Jobs whose judgement is asked for and has not started yet ({@link #evaluateSoon}). */
    private final java.util.Set<String> evaluationDue = ConcurrentHashMap.newKeySet();

    private static final class Tracked {
        final CompletableFuture<JobOutcome> future = new CompletableFuture<>();
        final Map<String, Instant> firstSeen = new ConcurrentHashMap<>();
        final List<JobListener> listeners = new CopyOnWriteArrayList<>();
        /**
         * Pods every listener was told started of: not read again (reading a pod's start parses its
         * timestamps, and an Indexed Job's judgements see all N pods each time). A new listener clears it.
         */
        final java.util.Set<String> toldStarted = ConcurrentHashMap.newKeySet();
        volatile Instant recheckAt;

        void addListener(JobListener listener) {
            listeners.add(JobListener.oncePerPod(listener));
            toldStarted.clear();
        }

        void tellStarted(Pod pod) {
            String name = pod.getMetadata().getName();
            if (!toldStarted.contains(name)) {
                JobVerdict.started(pod).ifPresent(started -> {
                    tell(started);
                    toldStarted.add(name);
                });
            }
        }

        void tell(PodStarted pod) {
            listeners.forEach(l -> l.podStarted(pod));
        }

        void tellSucceeded(String podName) {
            listeners.forEach(l -> l.podSucceeded(podName));
        }

        void tellFailed(Pod pod) {
            listeners.forEach(l -> l.podFailed(pod.getMetadata().getName(), JobVerdict.completionIndex(pod),
                    JobVerdict.failureReason(pod)));
        }
    }

    JobTracker(KubernetesClient client, String namespace, Duration resync, Duration grace,
               ScheduledExecutorService scheduler, ApiErrors errors, BiFunction<String, Integer, String> podLogTail) {
        this.client = client;
        this.namespace = namespace;
        this.resync = resync;
        this.grace = grace;
        this.scheduler = scheduler;
        this.errors = errors;
        this.podLogTail = podLogTail;
    }

    /**
     * Follows the Job, telling {@code listener} of each pod that starts; the returned future is the
     * caller's own (cancelling it stops nothing else).
     */
    CompletableFuture<JobOutcome> follow(String name, JobListener listener) {
        if (closed) {
            return CompletableFuture.failedFuture(new IllegalStateException("gateway closed"));
        }
        Tracked t = tracked.computeIfAbsent(name, n -> new Tracked());
        t.addListener(listener);
        CompletableFuture<Void> ready = ensureStarted();
        try {
            // the first follow waits until the informers have listed and are watching, so nothing
            // that happens after follow() returns can fall between the list and the watch
            ready.get(START_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            LOG.debug("informers not started yet; following {} once they are", name, e);
        }
        if (ready.isDone() && !ready.isCompletedExceptionally()) {
            if (jobs.getStore().getByKey(namespace + "/" + name) == null) {
                checkExists(name);
            } else {
                evaluate(name);
            }
        }
        return t.future.copy();
    }

    /** The Job was deleted by us: end its follow with {@code Deleted}. */
    void cancelled(String name) {
        finish(name, new JobVerdict.Finished(false, "Deleted", "Job " + namespace + "/" + name
                + " was deleted (cancelled)", "", false));
    }

    /** How many Jobs are being followed. */
    int inFlight() {
        return tracked.size();
    }

    private synchronized CompletableFuture<Void> ensureStarted() {
        if (started != null) {
            return started;
        }
        long resyncMillis = resync.toMillis();
        jobs = client.batch().v1().jobs().inNamespace(namespace)
                .withLabel(ClusterGateway.MANAGED_BY, JobManifest.MANAGED_BY_VALUE)
                .runnableInformer(resyncMillis);
        pods = client.pods().inNamespace(namespace)
                .withLabel(ClusterGateway.MANAGED_BY, JobManifest.MANAGED_BY_VALUE)
                .runnableInformer(resyncMillis);
        pods.addIndexers(Map.of(BY_JOB, p -> jobNameOf(p).map(List::of).orElse(List.of())));
        jobs.exceptionHandler((isStarted, t) -> retryAfter(isStarted, t, "jobs"));
        pods.exceptionHandler((isStarted, t) -> retryAfter(isStarted, t, "pods"));
        jobs.addEventHandler(new Handler<>(j -> Optional.of(j.getMetadata().getName()), true));
        pods.addEventHandler(new Handler<>(JobTracker::jobNameOf, false));
        CompletableFuture<Void> both = CompletableFuture.allOf(jobs.start().toCompletableFuture(),
                pods.start().toCompletableFuture());
        started = both;
        both.whenCompleteAsync((v, e) -> {
            if (e != null) {
                LOG.debug("informers failed to start", e);
                failAll(errors.map(e instanceof RuntimeException r ? r : new RuntimeException(e), "watch", "jobs and pods", ""));
            } else {
                LOG.debug("following Jobs in {} with one shared informer (resync {})", namespace, resync);
                startWatchdog();
                new ArrayList<>(tracked.keySet()).forEach(n -> {
                    if (jobs.getStore().getByKey(namespace + "/" + n) == null) {
                        confirmExists(n);
                    } else {
                        evaluate(n);
                    }
                });
            }
        }, scheduler);
        return both;
    }

    /**
     * Whether an informer that failed to list or watch tries again. Until it has started, only after a
     * 410 Gone (its first watch came after the listed version was compacted, or the connection was cut
     * and the server no longer has it: the next list heals it); anything else is for the first follow
     * to report. Once started, yes, with the client's backoff (5xx, 429, a lost connection, a watch
     * closed with an error: fabric8 alone would stop its informer on the last), except for a 401 or
     * 403, which does not heal by itself: every follow then ends with a {@code PERMISSION} error, and
     * the next follow starts the informers afresh.
     */
    private boolean retryAfter(boolean isStarted, Throwable t, String resource) {
        if (closed) {
            return false;
        }
        if (!isStarted) {
            return code(t) == 410;
        }
        return !endedByPermission(t, "watch", resource);
    }

    /** The client's exception in {@code t} or its causes (a watch's or a request's), or null. */
    private static KubernetesClientException clientException(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof WatcherException w) {
                return w.asClientException();
            }
            if (c instanceof KubernetesClientException k) {
                return k;
            }
        }
        return null;
    }

    private static int code(Throwable t) {
        KubernetesClientException k = clientException(t);
        return k == null ? 0 : k.getCode();
    }

    /**
     * A failed read of the followed Jobs or pods: a 401 or 403 ends every follow with a
     * {@code PERMISSION} error (true); anything else is logged once and tried again (false).
     */
    private boolean endedByPermission(Throwable t, String verb, String resource) {
        int code = code(t);
        if (code == 401 || code == 403) {
            ValenceException error = errors.map(clientException(t), verb, resource, "");
            LOG.warn("following Jobs in namespace {} stopped: {}", namespace, error.getMessage());
            scheduler.execute(() -> failAll(error)); // not on an informer's own thread: it stops the informers
            return true;
        }
        String message = String.valueOf(t.getMessage());
        if (!message.equals(lastError)) {
            LOG.warn("following Jobs in namespace {}: {} {} failed ({}); trying again", namespace, verb, resource, message);
            lastError = message;
        }
        return false;
    }

    /**
     * Every resync period: when a watch has been down for a whole period (its reconnections keep
     * failing, which fabric8 retries for ever without telling the informer), one list of Jobs and
     * one of pods judge the followed Jobs instead, until the watch is back. A list refused with 401
     * or 403 ends the follows with a {@code PERMISSION} error; other failures are tried again.
     */
    private synchronized void startWatchdog() {
        if (watchdog == null && !closed) {
            long period = Math.max(resync.toMillis(), 200);
            watchdog = scheduler.scheduleWithFixedDelay(() -> {
                checkWatches();
                checkRefused();
            }, period, period, TimeUnit.MILLISECONDS);
        }
    }

    /** The Job and pod informers, once both have started (else empty: nothing to check yet). */
    private record Informers(SharedIndexInformer<Job> jobs, SharedIndexInformer<Pod> pods) {
    }

    private synchronized Optional<Informers> runningInformers() {
        if (started == null || !started.isDone() || started.isCompletedExceptionally()) {
            return Optional.empty();
        }
        return Optional.of(new Informers(jobs, pods));
    }

    private void checkWatches() {
        try {
            Informers running = runningInformers().orElse(null);
            if (running == null) {
                return;
            }
            SharedIndexInformer<Job> j = running.jobs();
            SharedIndexInformer<Pod> p = running.pods();
            if (closed || tracked.isEmpty() || (j.isWatching() && p.isWatching())) {
                boolean wasDown = watchDownSince != null;
                watchDownSince = null;
                if (!lastError.isEmpty() && j.isWatching() && p.isWatching()) {
                    LOG.info("following Jobs in namespace {} works again", namespace);
                    lastError = "";
                }
                if (wasDown && !closed && !tracked.isEmpty()) {
                    // a watch reopened from its last resource version may not replay what changed while it
                    // was down (a server without that history, a 410 the client retried instead of
                    // re-listing): one list catches up
                    listInstead();
                }
                return;
            }
            if (watchDownSince == null) {
                watchDownSince = Instant.now(); // one period to reopen by itself
                return;
            }
            listInstead();
        } catch (RuntimeException e) {
            LOG.debug("checking the watches of namespace {} failed", namespace, e);
        }
    }

    /**
     * Every resync period, for the followed Jobs that have no pod: one list of the namespace's events
     * tells whether the API server refused their pods ({@code FailedCreate}: Pod Security, a missing
     * service account, a quota...). Such a Job ends at once with the event's message, except for an
     * exhausted quota, which may free up: that one ends after {@code unschedulable_grace}.
     */
    private void checkRefused() {
        try {
            Informers running = runningInformers().orElse(null);
            if (running == null) {
                return;
            }
            SharedIndexInformer<Job> j = running.jobs();
            SharedIndexInformer<Pod> p = running.pods();
            List<Job> podless = new ArrayList<>();
            for (String name : tracked.keySet()) {
                Job job = j.getStore().getByKey(namespace + "/" + name);
                if (job != null && job.getMetadata().getDeletionTimestamp() == null
                        && ofThisJob(job, p.getIndexer().byIndex(BY_JOB, name)).isEmpty()) {
                    podless.add(job);
                }
            }
            if (podless.isEmpty() || eventsDenied || closed) {
                return;
            }
            List<Event> events;
            try {
                events = client.v1().events().inNamespace(namespace).list().getItems();
            } catch (KubernetesClientException e) {
                if (e.getCode() == 401 || e.getCode() == 403) {
                    eventsDenied = true;
                    LOG.warn("cannot list events in namespace {} ({}): a Job whose pods the API server refuses (Pod "
                            + "Security, quota, missing service account) is not seen and waits until cancelled; grant "
                            + "'events: list' (infra/rbac.yaml)", namespace, e.getCode());
                } else {
                    LOG.debug("listing events of namespace {} failed; next period", namespace, e);
                }
                return;
            }
            Instant now = Instant.now();
            for (Job job : podless) {
                String name = job.getMetadata().getName();
                refusal(job, events).ifPresent(message -> {
                    Tracked t = tracked.get(name);
                    if (t == null) {
                        return;
                    }
                    Instant first = t.firstSeen.computeIfAbsent("FailedCreate", k -> now);
                    if (!message.contains("exceeded quota") || !now.isBefore(first.plus(grace))) {
                        finish(name, new JobVerdict.Finished(false, "FailedCreate", message, "", false));
                    }
                });
            }
        } catch (RuntimeException e) {
            LOG.debug("checking for refused pods in namespace {} failed", namespace, e);
        }
    }

    /** The message of the newest {@code FailedCreate} event of this very Job, if any. */
    static Optional<String> refusal(Job job, List<Event> events) {
        String name = job.getMetadata().getName();
        String uid = job.getMetadata().getUid();
        return events.stream()
                .filter(e -> "FailedCreate".equals(e.getReason()) && e.getInvolvedObject() != null
                        && "Job".equals(e.getInvolvedObject().getKind()) && name.equals(e.getInvolvedObject().getName())
                        && (uid == null || e.getInvolvedObject().getUid() == null || uid.equals(e.getInvolvedObject().getUid())))
                .max(java.util.Comparator.comparing(e -> String.valueOf(e.getLastTimestamp())))
                .map(e -> String.valueOf(e.getMessage()));
    }

    private void listInstead() {
        List<Job> jobList;
        List<Pod> podList;
        String resource = "jobs";
        try {
            jobList = client.batch().v1().jobs().inNamespace(namespace)
                    .withLabel(ClusterGateway.MANAGED_BY, JobManifest.MANAGED_BY_VALUE).list().getItems();
            resource = "pods";
            podList = client.pods().inNamespace(namespace)
                    .withLabel(ClusterGateway.MANAGED_BY, JobManifest.MANAGED_BY_VALUE).list().getItems();
        } catch (RuntimeException e) {
            endedByPermission(e, "list", resource);
            return;
        }
        LOG.debug("watch of namespace {} down since {}: judged {} followed Jobs from a list", namespace, watchDownSince,
                tracked.size());
        Map<String, Job> byName = new java.util.HashMap<>();
        jobList.forEach(job -> byName.put(job.getMetadata().getName(), job));
        Map<String, List<Pod>> podsByJob = new java.util.HashMap<>();
        podList.forEach(pod -> jobNameOf(pod).ifPresent(n -> podsByJob.computeIfAbsent(n, k -> new ArrayList<>()).add(pod)));
        for (String name : new ArrayList<>(tracked.keySet())) {
            Job job = byName.get(name);
            if (job == null) {
                deletedBeforeItFinished(name);
            } else {
                evaluate(name, job, podsByJob.getOrDefault(name, List.of()));
            }
        }
    }

    /** The followed Job went away without our cancel: its follow ends with {@code Deleted}. */
    private void deletedBeforeItFinished(String name) {
        finish(name, new JobVerdict.Finished(false, "Deleted", "Job " + namespace + "/" + name
                + " was deleted before it finished (by someone else, or its ttl_after_finished passed)", "", false));
    }

    /** Ends every follow with {@code error}; the next follow starts the informers afresh. */
    private void failAll(ValenceException error) {
        synchronized (this) {
            stopInformers();
            started = null;
        }
        new ArrayList<>(tracked.keySet()).forEach(n -> {
            Tracked t = tracked.remove(n);
            if (t != null) {
                t.future.completeExceptionally(error);
            }
        });
    }

    /** A followed Job the informer has not seen: one GET tells a Job not yet delivered from one that is gone. */
    private void confirmExists(String name) {
        scheduler.execute(() -> checkExists(name));
    }

    private void checkExists(String name) {
        if (!tracked.containsKey(name)) {
            return;
        }
        try {
            Job job = client.batch().v1().jobs().inNamespace(namespace).withName(name).get();
            if (job == null) {
                finish(name, new JobVerdict.Finished(false, "Deleted", "Job " + namespace + "/" + name
                        + " does not exist (deleted, or never created)", "", false));
            } else {
                evaluate(name);
            }
        } catch (RuntimeException e) {
            LOG.debug("checking Job {} failed; the watch will tell", name, e);
        }
    }

    /**
     * Judges the Job on the scheduler, once for all the pod events that came before it ran: an Indexed Job's
     * N pods send ~4 N events and each judgement reads all N pods (O(N²) when judged per event). An event after
     * the judgement started asks for another one, so none is lost.
     */
    private void evaluateSoon(String name) {
        if (!tracked.containsKey(name) || closed || !evaluationDue.add(name)) {
            return;
        }
        try {
            scheduler.execute(() -> {
                evaluationDue.remove(name);
                evaluate(name);
            });
        } catch (java.util.concurrent.RejectedExecutionException closing) {
            evaluationDue.remove(name);
        }
    }

    private void evaluate(String name) {
        if (tracked.get(name) == null || closed) {
            return;
        }
        Job job = jobs.getStore().getByKey(namespace + "/" + name);
        if (job == null) {
            return;
        }
        evaluate(name, job, pods.getIndexer().byIndex(BY_JOB, name));
    }

    /** Judges the Job from these objects (the informers' cache, or a list when the watches are down). */
    private void evaluate(String name, Job job, List<Pod> namedPods) {
        Tracked t = tracked.get(name);
        if (t == null || closed) {
            return;
        }
        List<Pod> jobPods = ofThisJob(job, namedPods);
        jobPods.forEach(t::tellStarted);
        jobPods.forEach(p -> JobVerdict.succeeded(p).ifPresent(t::tellSucceeded));
        jobPods.stream().filter(JobVerdict::failed).forEach(t::tellFailed);
        Instant now = Instant.now();
        JobVerdict verdict = JobVerdict.of(job, jobPods, now, grace,
                key -> t.firstSeen.computeIfAbsent(key, k -> now));
        if (verdict instanceof JobVerdict.Finished f) {
            finish(name, f);
        } else if (verdict instanceof JobVerdict.Going g && g.recheckAt().isPresent()) {
            Instant at = g.recheckAt().get();
            if (t.recheckAt == null || !t.recheckAt.equals(at)) {
                t.recheckAt = at;
                long delay = Math.max(0, Duration.between(now, at).toMillis()) + 10;
                scheduler.schedule(() -> evaluate(name), delay, TimeUnit.MILLISECONDS);
            }
        }
    }

    private void finish(String name, JobVerdict.Finished f) {
        Tracked t = tracked.remove(name);
        if (t == null) {
            return;
        }
        if (f.succeeded()) {
            LOG.debug("Job {}/{} succeeded", namespace, name);
            if (!f.podName().isEmpty()) {
                // the Job's condition can arrive before the pod's running status (separate watches): it ran
                t.tell(startedOf(f.podName()));
            }
            JobOutcome ok = new JobOutcome(true, f.reason(), f.message(), f.podName(), "", Instant.now());
            scheduler.execute(() -> t.future.complete(ok)); // off the informer thread: callers' stages run here
            return;
        }
        // DEBUG: the executor says a task's failure at INFO; after a task finished early, this is its Job's clean-up
        LOG.debug("Job {}/{} failed: {}: {}", namespace, name, f.reason(), f.message());
        Instant at = Instant.now();
        scheduler.execute(() -> {
            String tail = f.wantLog() && !f.podName().isEmpty() ? podLogTail.apply(f.podName(), LOG_TAIL_LINES) : "";
            t.future.complete(new JobOutcome(false, f.reason(), f.message(), f.podName(), tail, at));
        });
    }

    private PodStarted startedOf(String podName) {
        Pod pod = pods.getStore().getByKey(namespace + "/" + podName);
        Optional<PodStarted> started = pod == null ? Optional.empty() : JobVerdict.started(pod);
        return started.orElseGet(() -> new PodStarted(podName,
                pod == null || pod.getSpec() == null ? "" : pod.getSpec().getNodeName(), Instant.now()));
    }

    /**
     * The pods of this very Job among those carrying its name: a pod whose controller uid (label or
     * owner reference) is another Job's belongs to an earlier Job of the same name, being deleted.
     */
    static List<Pod> ofThisJob(Job job, List<Pod> pods) {
        String uid = job.getMetadata().getUid();
        if (uid == null) {
            return pods;
        }
        return pods.stream().filter(p -> {
            Map<String, String> labels = p.getMetadata().getLabels() == null ? Map.of() : p.getMetadata().getLabels();
            String owner = labels.getOrDefault("batch.kubernetes.io/controller-uid", labels.get("controller-uid"));
            if (owner == null && p.getMetadata().getOwnerReferences() != null) {
                owner = p.getMetadata().getOwnerReferences().stream().filter(o -> "Job".equals(o.getKind()))
                        .map(o -> o.getUid()).findFirst().orElse(null);
            }
            return owner == null || owner.equals(uid);
        }).toList();
    }

    static Optional<String> jobNameOf(HasMetadata pod) {
        Map<String, String> labels = pod.getMetadata().getLabels();
        if (labels == null) {
            return Optional.empty();
        }
        String name = labels.getOrDefault("batch.kubernetes.io/job-name", labels.get("job-name"));
        return Optional.ofNullable(name);
    }

    private synchronized void stopInformers() {
        if (watchdog != null) {
            watchdog.cancel(false);
            watchdog = null;
        }
        watchDownSince = null;
        if (jobs != null) {
            jobs.close();
        }
        if (pods != null) {
            pods.close();
        }
    }

    @Override
    public void close() {
        closed = true;
        stopInformers();
        new ArrayList<>(tracked.keySet()).forEach(n -> {
            Tracked t = tracked.remove(n);
            if (t != null) {
                t.future.cancel(false);
            }
        });
    }

    /** Routes an informer event to the Job it concerns. */
    private final class Handler<T extends HasMetadata> implements ResourceEventHandler<T> {
        private final java.util.function.Function<T, Optional<String>> jobName;
        private final boolean isJob;

        Handler(java.util.function.Function<T, Optional<String>> jobName, boolean isJob) {
            this.jobName = jobName;
            this.isJob = isJob;
        }

        @Override
        public void onAdd(T obj) {
            jobName.apply(obj).ifPresent(isJob ? JobTracker.this::evaluate : JobTracker.this::evaluateSoon);
        }

        @Override
        public void onUpdate(T oldObj, T newObj) {
            jobName.apply(newObj).ifPresent(isJob ? JobTracker.this::evaluate : JobTracker.this::evaluateSoon);
        }

        @Override
        public void onDelete(T obj, boolean deletedFinalStateUnknown) {
            Optional<String> name = jobName.apply(obj);
            if (isJob && name.isPresent()) {
                deletedBeforeItFinished(name.get());
            }
        }
    }
}
