package dev.valence.official;

import dev.valence.api.ErrorKind;
import dev.valence.api.ValenceException;
import dev.valence.official.JobVerdicts.Verdict;
import dev.valence.spi.JobListener;
import dev.valence.spi.JobOutcome;
import dev.valence.spi.PodStarted;
import io.kubernetes.client.openapi.models.CoreV1Event;
import io.kubernetes.client.openapi.models.V1Job;
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
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows every in-flight Valence Job of one namespace with ONE periodic list: every {@code poll_freq}
 * it lists the Jobs and the pods labelled {@code app.kubernetes.io/managed-by=valence} and completes
 * the future of each followed Job that has an outcome. One poller serves all tasks of the namespace
 * (a map of Job name to future), not one thread or request per task, and it makes no request while
 * nothing is followed.
 *
 * <p>Why a list and not a watch: client-java watches with chunked HTTP, and the API server the tests
 * run against (fabric8's mock server) serves watches over WebSocket only, so a watch could not be
 * tested here; the list every {@code poll_freq} is the resync every watch needs anyway.
 *
 * <p>API errors during a poll are logged and retried at the next one; a 401 or 403 (which will not
 * heal by itself) fails every followed future with a {@code PERMISSION} error.
 */
final class JobPoller {
    private static final Logger LOG = LoggerFactory.getLogger(JobPoller.class);
    /** Lines of a failed pod's log put in its outcome. */
    static final int LOG_TAIL_LINES = 50;

    private final String namespace;
    private final ClusterReads reads;
    private final Duration unschedulableGrace;
    private final Clock clock;
    private final Map<String, Followed> inFlight = new ConcurrentHashMap<>();
    /** When this poller first saw a pod unschedulable, for pods whose condition has no transition time. */
    private final Map<String, Instant> firstUnschedulable = new HashMap<>();
    private final ScheduledFuture<?> task;
    /** When this poller first saw a Job's pods refused for an exhausted quota. */
    private final Map<String, Instant> firstRefused = new HashMap<>();
    /** The identity may not list events: refused pods are not seen (said once). */
    private volatile boolean eventsDenied;
    private volatile String lastError = "";

    JobPoller(String namespace, ClusterReads reads, ScheduledExecutorService scheduler, Duration pollFreq,
              Duration unschedulableGrace, Clock clock) {
        this.namespace = namespace;
        this.reads = reads;
        this.unschedulableGrace = unschedulableGrace;
        this.clock = clock;
        this.task = scheduler.scheduleWithFixedDelay(this::pollSafely, 0, pollFreq.toMillis(), TimeUnit.MILLISECONDS);
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
        return followed.future();
    }

    /** How many Jobs are followed now. */
    int inFlight() {
        return inFlight.size();
    }

    private void pollSafely() {
        try {
            poll();
        } catch (ValenceException e) {
            if (e.kind() == ErrorKind.PERMISSION) {
                LOG.warn("following Jobs in namespace {} failed: {}", namespace, e.getMessage());
                Set.copyOf(inFlight.values()).forEach(f -> f.future().completeExceptionally(e));
            } else if (!e.getMessage().equals(lastError)) {
                LOG.warn("following Jobs in namespace {}: {} (retrying every poll_freq)", namespace, e.getMessage());
            }
            lastError = e.getMessage();
        } catch (RuntimeException e) {
            LOG.warn("following Jobs in namespace {} failed unexpectedly; retrying", namespace, e);
        }
    }

    /** One round: list, judge every followed Job, complete the decided ones. */
    void poll() {
        if (inFlight.isEmpty()) {
            firstUnschedulable.clear();
            return;
        }
        Set<String> followed = new HashSet<>(inFlight.keySet());
        List<V1Job> jobs = reads.jobs(namespace, JobManifest.managedSelector());
        List<V1Pod> pods = reads.pods(namespace, JobManifest.managedSelector());
        if (!lastError.isEmpty()) {
            LOG.info("following Jobs in namespace {} works again", namespace);
            lastError = "";
        }
        Instant now = clock.instant();
        Map<String, V1Job> byName = new HashMap<>();
        jobs.forEach(j -> byName.put(j.getMetadata().getName(), j));
        Set<String> seenPods = new HashSet<>();
        List<V1Job> podless = new java.util.ArrayList<>();
        for (String name : followed) {
            V1Job job = byName.get(name);
            if (job == null) {
                complete(name, JobOutcome.failed("Deleted", "Job " + namespace + "/" + name
                        + " was deleted before it finished (by a cancel, a TTL, or someone else)", "", ""));
                continue;
            }
            if (job.getMetadata().getDeletionTimestamp() != null) {
                continue; // being deleted: its disappearance decides
            }
            List<V1Pod> mine = JobVerdicts.podsOf(job, pods);
            mine.forEach(p -> seenPods.add(p.getMetadata().getName()));
            Followed f = inFlight.get(name);
            if (f != null) {
                mine.forEach(p -> JobVerdicts.started(p).ifPresent(f::tell));
                mine.forEach(p -> JobVerdicts.succeeded(p).ifPresent(f::tellSucceeded));
            }
            Optional<Verdict> verdict = JobVerdicts.judge(job, mine, now, unschedulableGrace, this::unschedulableSince);
            if (verdict.isEmpty() && mine.isEmpty()) {
                podless.add(job);
            }
            verdict.filter(v -> v.succeeded() && f != null && !v.podName().isEmpty())
                    .ifPresent(v -> f.tell(new PodStarted(v.podName(), "", now))); // it ran, between two polls
            verdict.ifPresent(v -> complete(name, v.succeeded() ? JobOutcome.succeeded(v.podName())
                    : JobOutcome.failed(v.reason(), v.message(), v.podName(),
                            reads.logTailQuietly(namespace, v.podName(), LOG_TAIL_LINES))));
        }
        firstUnschedulable.keySet().retainAll(seenPods);
        checkRefused(podless, now);
    }

    /**
     * For the followed Jobs that have no pod: one list of the namespace's events tells whether the
     * API server refused their pods ({@code FailedCreate}: Pod Security, a missing service account, a
     * quota...). Such a Job ends at once with the event's message, except for an exhausted quota,
     * which may free up: that one ends after {@code unschedulable_grace}.
     */
    private void checkRefused(List<V1Job> podless, Instant now) {
        firstRefused.keySet().retainAll(inFlight.keySet());
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
                LOG.debug("listing events of namespace {} failed; next poll", namespace, e);
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
            // callers' dependent stages run off the poller's thread
            future.completeAsync(() -> outcome);
        }
    }

    /** Stops polling; followed futures are cancelled. */
    void close() {
        task.cancel(false);
        Set.copyOf(inFlight.values()).forEach(f -> f.future().cancel(false));
        inFlight.clear();
    }
}
