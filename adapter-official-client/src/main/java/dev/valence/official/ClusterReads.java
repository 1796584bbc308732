package dev.valence.official;

import dev.valence.official.ApiCalls.Op;
import dev.valence.api.ValenceException;
import io.kubernetes.client.openapi.apis.BatchV1Api;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.CoreV1Event;
import io.kubernetes.client.openapi.models.CoreV1EventList;
import io.kubernetes.client.openapi.models.V1Job;
import io.kubernetes.client.openapi.models.V1JobList;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The reads the gateway and its poller share: Jobs and pods by label, a Job by name, a pod's log tail. */
final class ClusterReads {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterReads.class);

    private final BatchV1Api batch;
    private final CoreV1Api core;
    private final ApiCalls calls;

    ClusterReads(BatchV1Api batch, CoreV1Api core, ApiCalls calls) {
        this.batch = batch;
        this.core = core;
        this.calls = calls;
    }

    List<V1Job> jobs(String namespace, String selector) {
        V1JobList list = calls.run(Op.of("list", "jobs.batch", namespace),
                () -> LenientJson.send(batch.listNamespacedJob(namespace).labelSelector(selector).buildCall(null), V1JobList.class));
        return list.getItems() == null ? List.of() : list.getItems();
    }

    List<V1Pod> pods(String namespace, String selector) {
        V1PodList list = calls.run(Op.of("list", "pods", namespace),
                () -> LenientJson.send(core.listNamespacedPod(namespace).labelSelector(selector).buildCall(null), V1PodList.class));
        return list.getItems() == null ? List.of() : list.getItems();
    }

    /** A list and the {@code resourceVersion} it was read at (a watch goes on from there). */
    record Listed<T>(List<T> items, String resourceVersion) {
    }

    Listed<V1Job> listJobs(String namespace, String selector) {
        V1JobList list = calls.run(Op.of("list", "jobs.batch", namespace),
                () -> LenientJson.send(batch.listNamespacedJob(namespace).labelSelector(selector).buildCall(null), V1JobList.class));
        return new Listed<>(list.getItems() == null ? List.of() : list.getItems(),
                list.getMetadata() == null ? null : list.getMetadata().getResourceVersion());
    }

    Listed<V1Pod> listPods(String namespace, String selector) {
        V1PodList list = calls.run(Op.of("list", "pods", namespace),
                () -> LenientJson.send(core.listNamespacedPod(namespace).labelSelector(selector).buildCall(null), V1PodList.class));
        return new Listed<>(list.getItems() == null ? List.of() : list.getItems(),
                list.getMetadata() == null ? null : list.getMetadata().getResourceVersion());
    }

    /**
     * The request of a watch of Jobs ({@code pods} false) or pods by label from {@code resourceVersion}, with
     * client-java's authentication, on a copy of its HTTP client without read timeout (a quiet watch is not
     * dead); the server ends it after {@code timeoutSeconds}.
     */
    okhttp3.Call watchCall(boolean pods, String namespace, String selector, String resourceVersion, int timeoutSeconds)
            throws io.kubernetes.client.openapi.ApiException {
        okhttp3.Call call = pods
                ? core.listNamespacedPod(namespace).labelSelector(selector).resourceVersion(resourceVersion)
                        .allowWatchBookmarks(true).timeoutSeconds(timeoutSeconds).watch(true).buildCall(null)
                : batch.listNamespacedJob(namespace).labelSelector(selector).resourceVersion(resourceVersion)
                        .allowWatchBookmarks(true).timeoutSeconds(timeoutSeconds).watch(true).buildCall(null);
        okhttp3.OkHttpClient http = batch.getApiClient().getHttpClient().newBuilder()
                .readTimeout(java.time.Duration.ZERO).build();
        return http.newCall(call.request());
    }

    /** The {@link ValenceException} for a failed call (a watch's). */
    ValenceException translate(Op op, io.kubernetes.client.openapi.ApiException e) {
        return calls.translate(op, e);
    }

    /** The namespace's events (the Job controller's {@code FailedCreate} among them). */
    List<CoreV1Event> events(String namespace) {
        CoreV1EventList list = calls.run(Op.of("list", "events", namespace),
                () -> LenientJson.send(core.listNamespacedEvent(namespace).buildCall(null), CoreV1EventList.class));
        return list.getItems() == null ? List.of() : list.getItems();
    }

    Optional<V1Job> job(String namespace, String name) {
        return calls.runUnless(Op.of("get", "jobs.batch", namespace, name),
                () -> LenientJson.send(batch.readNamespacedJob(name, namespace).buildCall(null), V1Job.class), 404);
    }

    /** The pods of one Job, newest first (the pod template carries {@code managed-by=valence}). */
    List<V1Pod> podsOf(V1Job job) {
        String ns = job.getMetadata().getNamespace();
        return JobVerdicts.podsOf(job, pods(ns, JobManifest.managedSelector()));
    }

    /** The last lines of the task container's log; empty when there is none yet. */
    String logTail(String namespace, String pod, int lines) {
        return calls.runUnless(Op.of("get", "pods/log", namespace, pod),
                () -> LenientJson.<String>send(core.readNamespacedPodLog(pod, namespace).container(JobManifest.CONTAINER)
                        .tailLines(lines).buildCall(null), String.class),
                400, 404).orElse("");
    }

    /** Like {@link #logTail} but never throws: a failed task's outcome must not be lost for want of its log. */
    String logTailQuietly(String namespace, String pod, int lines) {
        if (pod.isEmpty()) {
            return "";
        }
        try {
            return logTail(namespace, pod, lines);
        } catch (ValenceException e) {
            LOG.debug("no log for pod {}/{}: {}", namespace, pod, e.getMessage());
            return "";
        }
    }
}
