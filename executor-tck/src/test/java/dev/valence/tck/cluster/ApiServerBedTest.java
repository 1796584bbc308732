package dev.valence.tck.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ApiServerBedTest {
    static ApiServerBed bed;
    static JobControllerStandIn controller;
    static final String NS = ApiServerBed.NAMESPACE;

    @BeforeAll
    static void start() {
        bed = ApiServerBed.start();
        controller = new JobControllerStandIn(bed);
    }

    @AfterAll
    static void stop() {
        controller.close();
        bed.close();
    }

    static Job job(String name) {
        return bed.client().batch().v1().jobs().inNamespace(NS).resource(new JobBuilder().withNewMetadata().withName(name)
                .addToLabels("app.kubernetes.io/managed-by", "valence").endMetadata()
                .withNewSpec().withBackoffLimit(0).withNewTemplate().withNewMetadata().addToLabels("team", "ml").endMetadata()
                .withNewSpec().withRestartPolicy("Never")
                .addNewContainer().withName("task").withImage("busybox").withCommand("sh", "-c", "true").endContainer()
                .endSpec().endTemplate().endSpec().build()).create();
    }

    @Test
    void kubeconfigPointsAtTheServerWithContextAndNamespace() throws Exception {
        String yaml = Files.readString(bed.kubeconfig());
        assertTrue(yaml.contains("server: " + bed.url()), yaml);
        assertTrue(yaml.contains("current-context: " + ApiServerBed.CONTEXT), yaml);
        assertTrue(yaml.contains("namespace: " + NS), yaml);
        var config = io.fabric8.kubernetes.client.Config.fromKubeconfig(null, bed.kubeconfig().toFile());
        try (KubernetesClient c = new KubernetesClientBuilder().withConfig(config).build()) {
            assertEquals(NS, c.getNamespace());
            assertNotNull(c.namespaces().withName(NS).get());
            assertEquals("31", c.getKubernetesVersion().getMinor());
        }
    }

    @Test
    void standInCreatesThePodWithTheControllersLabelsAndWritesStatuses() {
        Job job = job("bed-ok");
        String pod = controller.startPod(NS, "bed-ok");
        Pod p = bed.client().pods().inNamespace(NS).withName(pod).get();
        assertEquals("bed-ok", p.getMetadata().getLabels().get("job-name"));
        assertEquals("bed-ok", p.getMetadata().getLabels().get("batch.kubernetes.io/job-name"));
        assertEquals(job.getMetadata().getUid(), p.getMetadata().getLabels().get("controller-uid"));
        assertEquals("ml", p.getMetadata().getLabels().get("team"));
        assertEquals("Pending", p.getStatus().getPhase());
        controller.running(NS, "bed-ok");
        assertEquals("Running", bed.client().pods().inNamespace(NS).withName(pod).get().getStatus().getPhase());
        assertEquals(1, bed.client().batch().v1().jobs().inNamespace(NS).withName("bed-ok").get().getStatus().getActive());
        controller.succeed(NS, "bed-ok");
        Job done = bed.client().batch().v1().jobs().inNamespace(NS).withName("bed-ok").get();
        assertEquals(1, done.getStatus().getSucceeded());
        assertTrue(done.getStatus().getConditions().stream().anyMatch(c -> c.getType().equals("Complete")));
        assertEquals(pod, controller.startPod(NS, "bed-ok"), "one pod per Job");
    }

    @Test
    void standInWritesFailureReasons() {
        job("bed-oom");
        controller.oomKill(NS, "bed-oom");
        Pod p = bed.client().pods().inNamespace(NS).withLabel("job-name", "bed-oom").list().getItems().get(0);
        assertEquals("OOMKilled", p.getStatus().getContainerStatuses().get(0).getState().getTerminated().getReason());
        job("bed-pull");
        controller.waiting(NS, "bed-pull", "ImagePullBackOff", "Back-off pulling image");
        p = bed.client().pods().inNamespace(NS).withLabel("job-name", "bed-pull").list().getItems().get(0);
        assertEquals("ImagePullBackOff", p.getStatus().getContainerStatuses().get(0).getState().getWaiting().getReason());
        job("bed-deadline");
        controller.deadlineExceeded(NS, "bed-deadline");
        Job j = bed.client().batch().v1().jobs().inNamespace(NS).withName("bed-deadline").get();
        assertTrue(j.getStatus().getConditions().stream()
                .anyMatch(c -> c.getType().equals("Failed") && c.getReason().equals("DeadlineExceeded")));
    }

    @Test
    void watchSeesStatusWrites() throws Exception {
        BlockingQueue<String> events = new LinkedBlockingQueue<>();
        try (Watch w = bed.client().batch().v1().jobs().inNamespace(NS).withLabel("app.kubernetes.io/managed-by", "valence")
                .watch(new Watcher<Job>() {
                    @Override
                    public void eventReceived(Action action, Job resource) {
                        events.add(action + " " + resource.getMetadata().getName() + " "
                                + (resource.getStatus() == null ? "" : resource.getStatus().getFailed()));
                    }

                    @Override
                    public void onClose(WatcherException cause) {
                    }
                })) {
            job("bed-watch");
            controller.fail(NS, "bed-watch", 1);
            String e;
            boolean sawFailed = false;
            while (!sawFailed && (e = events.poll(10, TimeUnit.SECONDS)) != null) {
                sawFailed = e.equals("MODIFIED bed-watch 1");
            }
            assertTrue(sawFailed, "watch saw the failed status");
        }
    }

    @Test
    void automaticModeRunsEachNewJobThroughTheRunner() throws Exception {
        BlockingQueue<JobControllerStandIn.PodRun> runs = new LinkedBlockingQueue<>();
        try (JobControllerStandIn auto = new JobControllerStandIn(bed)) {
            auto.runJobsWith(pod -> {
                runs.add(pod);
                return new JobControllerStandIn.Result(pod.jobName().endsWith("ok") ? 0 : 4, "ran " + pod.jobName() + "\n");
            });
            job("bed-auto-ok");
            job("bed-auto-bad");
            var jobs = bed.client().batch().v1().jobs().inNamespace(NS);
            Job ok = jobs.withName("bed-auto-ok").waitUntilCondition(j -> j.getStatus() != null
                    && j.getStatus().getSucceeded() != null && j.getStatus().getSucceeded() == 1, 20, TimeUnit.SECONDS);
            Job bad = jobs.withName("bed-auto-bad").waitUntilCondition(j -> j.getStatus() != null
                    && j.getStatus().getFailed() != null && j.getStatus().getFailed() == 1, 20, TimeUnit.SECONDS);
            assertNotNull(ok);
            assertNotNull(bad);
            JobControllerStandIn.PodRun run = runs.poll(5, TimeUnit.SECONDS);
            assertNotNull(run);
            assertEquals(List.of("sh", "-c", "true"), run.command());
            assertEquals("busybox", run.image());
            String pod = controller.podName(NS, "bed-auto-bad");
            assertEquals("ran bed-auto-bad\n", bed.client().pods().inNamespace(NS).withName(pod).getLog());
        }
    }

    @Test
    void scriptedLogsHonourTailLines() {
        job("bed-log");
        controller.writeLog(NS, "bed-log", "a\nb\nc\n");
        String pod = controller.podName(NS, "bed-log");
        assertEquals("b\nc\n", bed.client().pods().inNamespace(NS).withName(pod).tailingLines(2).getLog());
        assertEquals("a\nb\nc\n", bed.client().pods().inNamespace(NS).withName(pod).getLog());
        assertEquals("c", ApiServerBed.tail("a\nb\nc", 1));
    }

    @Test
    void faultsAreServedThenTheServerRecovers() {
        bed.failNext("GET", "/api/v1/namespaces/" + NS, 1, 403, "forbidden here");
        KubernetesClientException e = assertThrows(KubernetesClientException.class,
                () -> bed.client().namespaces().withName(NS).get());
        assertEquals(403, e.getCode());
        assertNotNull(bed.client().namespaces().withName(NS).get());
    }

    @Test
    void recordsRequestsOfOtherClientsOnly() {
        bed.takeRequests();
        bed.client().pods().inNamespace(NS).withName("test-side").get();
        try (KubernetesClient other = new KubernetesClientBuilder()
                .withConfig(io.fabric8.kubernetes.client.Config.fromKubeconfig(null, bed.kubeconfig().toFile())).build()) {
            other.pods().inNamespace(NS).withName("nope").get();
        }
        List<ApiServerBed.Request> seen = bed.takeRequests();
        assertEquals(1, seen.size(), seen.toString());
        assertEquals("GET", seen.get(0).method());
        assertEquals("/api/v1/namespaces/" + NS + "/pods/nope", seen.get(0).path());
        assertTrue(bed.takeRequests().isEmpty());
    }

    @Test
    void normalisedStoredJobDropsServerFields() {
        job("bed-norm");
        controller.succeed(NS, "bed-norm");
        Map<String, Object> m = StoredManifests.job(bed.client(), NS, "bed-norm");
        @SuppressWarnings("unchecked")
        Map<String, Object> md = (Map<String, Object>) m.get("metadata");
        assertEquals(Map.of("name", "bed-norm", "namespace", NS, "labels", Map.of("app.kubernetes.io/managed-by", "valence")), md);
        assertTrue(!m.containsKey("status"));
        assertEquals(0L, ((Map<?, ?>) m.get("spec")).get("backoffLimit"));
        assertEquals(null, StoredManifests.job(bed.client(), NS, "no-such-job"));
    }
}
