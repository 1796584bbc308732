package dev.valence.tck.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceQuotaBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The stand-in's automatic mode as a control plane: admission, scheduling, retries, the Job's late Complete. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class JobControllerStandInTest {
    static ApiServerBed bed;
    static JobControllerStandIn standIn;
    static final Map<String, AtomicInteger> runs = new ConcurrentHashMap<>();

    @BeforeAll
    static void start() {
        bed = ApiServerBed.start();
        standIn = new JobControllerStandIn(bed, JobControllerStandIn.Options.builder()
                .completionDelay(Duration.ofSeconds(3)).podRetryDelay(Duration.ZERO).failedCreateRetry(Duration.ofMillis(200))
                .nodeAllocatable("2", "8Gi").nodeLabel("pool", "cpu").build());
        standIn.runJobsWith(pod -> {
            String index = pod.env().get("JOB_COMPLETION_INDEX");
            if (index != null) { // an Indexed Job's pod: index 2 fails once ("indexed-flaky") or always ("indexed-bad")
                int tries = runs.computeIfAbsent(pod.jobName() + "#" + index, k -> new AtomicInteger()).incrementAndGet();
                boolean fails = index.equals("2") && (pod.jobName().contains("bad") || tries == 1);
                return JobControllerStandIn.Result.exited(fails ? 1 : 0, "index " + index + "\n");
            }
            int n = runs.computeIfAbsent(pod.jobName(), k -> new AtomicInteger()).incrementAndGet();
            boolean failFirst = pod.jobName().contains("flaky") && n == 1;
            return JobControllerStandIn.Result.exited(failFirst ? 3 : 0, "run " + n + "\n");
        });
    }

    @AfterAll
    static void stop() {
        standIn.close();
        bed.close();
    }

    @Test
    void theJobIsCompleteOnlySomeTimeAfterItsPodSucceeded() {
        Job job = submit("late-complete", ApiServerBed.NAMESPACE, spec -> { });
        Pod pod = await(() -> pods(job).stream().filter(p -> "Succeeded".equals(p.getStatus().getPhase())).findFirst());
        assertEquals("Completed", pod.getStatus().getContainerStatuses().get(0).getState().getTerminated().getReason());
        assertFalse(conditions(job).contains("Complete"), "a real controller writes Complete later: " + conditions(job));
        await(() -> conditions(job).contains("Complete") ? Optional.of(true) : Optional.empty());
    }

    @Test
    void aFailedPodIsReplacedWhileTheBackoffLimitAllows() {
        Job job = submit("flaky", ApiServerBed.NAMESPACE, spec -> { }, 1);
        await(() -> conditions(job).contains("Complete") ? Optional.of(true) : Optional.empty());
        List<Pod> pods = pods(job);
        assertEquals(2, pods.size(), "the failed pod and its replacement");
        assertEquals(List.of("Failed", "Succeeded"), pods.stream().map(p -> p.getStatus().getPhase()).sorted().toList());
        assertEquals(1, job(job).getStatus().getFailed());
    }

    static Job submitIndexed(String name, int completions, int parallelism, Integer backoffLimitPerIndex) {
        PodSpecBuilder spec = new PodSpecBuilder().withRestartPolicy("Never").addNewContainer().withName("task")
                .withImage("example.test/task@sha256:" + "a".repeat(64)).endContainer();
        return bed.client().batch().v1().jobs().inNamespace(ApiServerBed.NAMESPACE).resource(new JobBuilder()
                .withNewMetadata().withName(name).withNamespace(ApiServerBed.NAMESPACE)
                .addToLabels("app.kubernetes.io/managed-by", "valence").endMetadata()
                .withNewSpec().withCompletionMode("Indexed").withCompletions(completions).withParallelism(parallelism)
                .withBackoffLimitPerIndex(backoffLimitPerIndex).withBackoffLimit(backoffLimitPerIndex == null ? 0 : null)
                .withNewTemplate().withSpec(spec.build()).endTemplate().endSpec().build()).create();
    }

    @Test
    void anIndexedJobRunsAPodPerIndexNamedAndAnnotatedByItAndReplacesAFailedOneWithinItsPerIndexLimit() {
        Job job = submitIndexed("indexed-flaky", 4, 2, 1);
        await(() -> conditions(job).contains("Complete") ? Optional.of(true) : Optional.empty());
        List<Pod> pods = pods(job);
        assertEquals(5, pods.size(), "a pod per index, and the replacement of index 2's failed one");
        for (Pod p : pods) {
            String index = p.getMetadata().getAnnotations().get(JobControllerStandIn.COMPLETION_INDEX);
            assertTrue(p.getMetadata().getName().matches("indexed-flaky-" + index + "-[a-z0-9]{5}"), p.getMetadata().getName());
            assertEquals(index, p.getMetadata().getLabels().get(JobControllerStandIn.COMPLETION_INDEX));
        }
        var status = job(job).getStatus();
        assertEquals("0-3", status.getCompletedIndexes());
        assertEquals(4, status.getSucceeded());
        assertEquals(1, status.getFailed());
        assertEquals(0, status.getActive());
    }

    @Test
    void anIndexedJobsPodEndsWithTheStatusAKubeletLeavesOneContainerTerminatedAndEachConditionOnce() {
        Job job = submitIndexed("indexed-status", 2, 2, 0);
        await(() -> conditions(job).contains("Complete") ? Optional.of(true) : Optional.empty());
        for (Pod p : pods(job)) {
            var status = p.getStatus();
            assertEquals("Succeeded", status.getPhase());
            assertEquals(1, status.getContainerStatuses().size(), "one status per container, as a strategic merge "
                    + "by container name leaves it: " + status.getContainerStatuses());
            var state = status.getContainerStatuses().get(0).getState();
            assertTrue(state.getTerminated() != null && state.getTerminated().getExitCode() == 0
                    && state.getRunning() == null && state.getWaiting() == null, state.toString());
            List<String> types = status.getConditions().stream().map(c -> c.getType()).toList();
            assertEquals(types.stream().distinct().toList(), types, "each condition once, by type: " + types);
        }
    }

    @Test
    void anIndexOverItsPerIndexLimitIsAFailedIndexAndTheOthersStillRun() {
        Job job = submitIndexed("indexed-bad", 5, 5, 0);
        await(() -> conditions(job).contains("Failed") ? Optional.of(true) : Optional.empty());
        var status = job(job).getStatus();
        assertEquals("0-1,3-4", status.getCompletedIndexes());
        assertEquals("2", status.getFailedIndexes());
        assertEquals("FailedIndexes", status.getConditions().stream().filter(c -> c.getType().equals("Failed"))
                .findFirst().orElseThrow().getReason());
    }

    @Test
    void withoutPerIndexLimitsAFailedPodOverTheBackoffLimitFailsTheWholeIndexedJob() {
        Job job = submitIndexed("indexed-bad-old", 3, 1, null);
        await(() -> conditions(job).contains("Failed") ? Optional.of(true) : Optional.empty());
        assertEquals("BackoffLimitExceeded", job(job).getStatus().getConditions().stream()
                .filter(c -> c.getType().equals("Failed")).findFirst().orElseThrow().getReason());
        assertEquals("0-1", job(job).getStatus().getCompletedIndexes(), "index 2 failed, the Job with it");
    }

    @Test
    void completedIndexesAreWrittenAsCompressedRanges() {
        assertEquals("0-3,5,7-8", JobControllerStandIn.ranges(new java.util.TreeSet<>(List.of(0, 1, 2, 3, 5, 7, 8))));
        assertEquals("4", JobControllerStandIn.ranges(new java.util.TreeSet<>(List.of(4))));
        assertEquals(null, JobControllerStandIn.ranges(new java.util.TreeSet<>()));
    }

    @Test
    void aMissingServiceAccountIsFailedCreateOnTheJob() {
        Job job = submit("no-sa", ApiServerBed.NAMESPACE, spec -> spec.withServiceAccountName("runner"));
        Event e = failedCreate(job);
        assertTrue(e.getMessage().matches("Error creating: pods \"no-sa-[a-z0-9]{5}\" is forbidden: error looking up "
                + "service account valence-test/runner: serviceaccount \"runner\" not found"), e.getMessage());
        assertTrue(pods(job).isEmpty());
        await(() -> Optional.ofNullable(failedCreate(job).getCount()).filter(c -> c > 1)); // the controller retries
    }

    @Test
    void anExhaustedQuotaIsFailedCreateWithTheQuotasWords() {
        String ns = "quota-ns";
        bed.createNamespace(ns);
        bed.client().resourceQuotas().inNamespace(ns).resource(new ResourceQuotaBuilder().withNewMetadata().withName("small")
                .endMetadata().withNewSpec().withHard(Map.of("requests.memory", new Quantity("1Gi"))).endSpec().build()).create();
        Job job = submit("big-ask", ns, spec -> spec.editFirstContainer().withNewResources()
                .withRequests(Map.of("memory", new Quantity("2Gi"))).endResources().endContainer());
        assertTrue(failedCreate(job).getMessage().endsWith("is forbidden: exceeded quota: small, requested: "
                + "requests.memory=2Gi, used: requests.memory=0, limited: requests.memory=1Gi"), failedCreate(job).getMessage());
    }

    @Test
    void restrictedPodSecurityListsEveryViolationOfAHostPathPod() {
        String ns = "restricted-ns";
        bed.client().namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns)
                .withLabels(Map.of("pod-security.kubernetes.io/enforce", "restricted")).endMetadata().build()).create();
        Job job = submit("hostpath", ns, spec -> spec.addNewVolume().withName("data").withNewHostPath().withPath("/data")
                .endHostPath().endVolume());
        String message = failedCreate(job).getMessage();
        assertTrue(message.contains("violates PodSecurity \"restricted:latest\": hostPath volumes (volume \"data\"), "
                + "restricted volume types (volume \"data\" uses restricted volume type \"hostPath\"), "
                + "allowPrivilegeEscalation != false (container \"task\" must set securityContext.allowPrivilegeEscalation=false), "
                + "unrestricted capabilities (container \"task\" must set securityContext.capabilities.drop=[\"ALL\"]), "
                + "runAsNonRoot != true (pod or container \"task\" must set securityContext.runAsNonRoot=true), "
                + "seccompProfile (pod or container \"task\" must set securityContext.seccompProfile.type to "
                + "\"RuntimeDefault\" or \"Localhost\")"), message);
    }

    @Test
    void aNodeSelectorNoNodeMatchesLeavesThePodPending() {
        Job job = submit("gpu-pool", ApiServerBed.NAMESPACE, spec -> spec.withNodeSelector(Map.of("pool", "gpu")));
        Pod pod = await(() -> pods(job).stream().filter(p -> p.getStatus().getConditions() != null
                && !p.getStatus().getConditions().isEmpty()).findFirst());
        assertEquals("Pending", pod.getStatus().getPhase());
        assertEquals("0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector. preemption: 0/1 nodes "
                + "are available: 1 Preemption is not helpful for scheduling.", pod.getStatus().getConditions().get(0).getMessage());
        Node node = bed.client().nodes().withName(JobControllerStandIn.NODE).get();
        assertEquals("cpu", node.getMetadata().getLabels().get("pool"), "the bed's node is in the API, with its labels");
        assertEquals(new Quantity("8Gi"), node.getStatus().getAllocatable().get("memory"));
    }

    // ---- helpers ----

    static Job submit(String name, String ns, Consumer<PodSpecBuilder> customize) {
        return submit(name, ns, customize, 0);
    }

    static Job submit(String name, String ns, Consumer<PodSpecBuilder> customize, int backoffLimit) {
        PodSpecBuilder spec = new PodSpecBuilder().withRestartPolicy("Never").addNewContainer().withName("task")
                .withImage("example.test/task@sha256:" + "a".repeat(64)).endContainer();
        customize.accept(spec);
        return bed.client().batch().v1().jobs().inNamespace(ns).resource(new JobBuilder().withNewMetadata().withName(name)
                .withNamespace(ns).addToLabels("app.kubernetes.io/managed-by", "valence").endMetadata()
                .withNewSpec().withBackoffLimit(backoffLimit).withNewTemplate().withSpec(spec.build()).endTemplate().endSpec()
                .build()).create();
    }

    static Job job(Job job) {
        return bed.client().batch().v1().jobs().inNamespace(job.getMetadata().getNamespace()).withName(job.getMetadata().getName())
                .get();
    }

    static List<String> conditions(Job job) {
        Job j = job(job);
        return j.getStatus() == null || j.getStatus().getConditions() == null ? List.of()
                : j.getStatus().getConditions().stream().map(c -> c.getType()).toList();
    }

    static List<Pod> pods(Job job) {
        return bed.client().pods().inNamespace(job.getMetadata().getNamespace()).withLabel("job-name", job.getMetadata().getName())
                .list().getItems();
    }

    static Event failedCreate(Job job) {
        Event e = await(() -> bed.client().v1().events().inNamespace(job.getMetadata().getNamespace()).list().getItems().stream()
                .filter(x -> "FailedCreate".equals(x.getReason()) && job.getMetadata().getName().equals(x.getInvolvedObject().getName()))
                .findFirst());
        assertEquals("Warning", e.getType());
        assertEquals("Job", e.getInvolvedObject().getKind());
        assertEquals("batch/v1", e.getInvolvedObject().getApiVersion());
        assertEquals(job.getMetadata().getUid(), e.getInvolvedObject().getUid());
        assertEquals("job-controller", e.getSource().getComponent());
        return e;
    }

    static <T> T await(Supplier<Optional<T>> probe) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            Optional<T> v = probe.get();
            if (v.isPresent()) {
                return v.get();
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not reached within 30 s");
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
