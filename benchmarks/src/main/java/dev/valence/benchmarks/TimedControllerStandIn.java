package dev.valence.benchmarks;

import dev.valence.core.Launcher;
import dev.valence.tck.cluster.ApiServerBed;
import dev.valence.tck.cluster.JobControllerStandIn;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Test stand-in for the Job controller and the kubelet, for benchmarks: does what
 * {@link JobControllerStandIn#runJobsWith} does (pod created, running, the pod's command run,
 * Job marked complete or failed, pods removed when the Job is deleted), with the real launcher
 * run in this JVM ({@link Launcher#run}) as the pod, and records when each step happened so a
 * report can say where the time goes.
 */
final class TimedControllerStandIn implements AutoCloseable {

    /** When each step of one Job happened ({@link System#nanoTime()}). */
    record Timeline(String job, long seen, long podStarted, long podEnded, long markStart, long markEnd, int exitCode) {
    }

    private final ApiServerBed api;
    private final JobControllerStandIn standIn;
    private final Path storeDir;
    private final ExecutorService pool = Executors.newFixedThreadPool(4, r -> {
        Thread t = new Thread(r, "timed-controller-stand-in");
        t.setDaemon(true);
        return t;
    });
    private final Map<String, CompletableFuture<Timeline>> timelines = new ConcurrentHashMap<>();
    private final java.util.Set<String> started = ConcurrentHashMap.newKeySet();
    private final SharedIndexInformer<Job> informer;
    private volatile LongSupplier markDelayMillis = () -> 0;
    private volatile Consumer<String> beforeMark = job -> { };
    private volatile String lastImage = "";

    /** Starts playing the controller for every Valence Job; pods see {@code storeDir} where their hostPath mount is. */
    TimedControllerStandIn(ApiServerBed api, Path storeDir) {
        this.api = api;
        this.standIn = new JobControllerStandIn(api, JobControllerStandIn.Options.builder()
                .completionDelay(java.time.Duration.ZERO).build());
        this.storeDir = storeDir;
        this.informer = api.client().batch().v1().jobs().inAnyNamespace()
                .withLabel("app.kubernetes.io/managed-by", "valence")
                .inform(new ResourceEventHandler<>() {
                    @Override
                    public void onAdd(Job job) {
                        long seen = System.nanoTime();
                        boolean fresh = job.getStatus() == null || job.getStatus().getConditions() == null
                                || job.getStatus().getConditions().isEmpty();
                        if (fresh && started.add(key(job))) {
                            pool.submit(() -> runOne(job, seen));
                        }
                    }

                    @Override
                    public void onUpdate(Job oldJob, Job newJob) {
                    }

                    @Override
                    public void onDelete(Job job, boolean unknownFinalState) {
                        try {
                            standIn.collectGarbage(job.getMetadata().getNamespace(), job.getMetadata().getName());
                        } catch (RuntimeException e) {
                            // interrupted by close(): the pods go with the bed
                        }
                    }
                });
    }

    /** How long to wait between the pod's end and marking the Job complete (default: not at all). */
    void markDelay(LongSupplier millis) {
        this.markDelayMillis = millis;
    }

    /** Called with the Job's name after its pod ran and before the Job is marked. */
    void beforeMark(Consumer<String> hook) {
        this.beforeMark = hook;
    }

    /** The timeline of a Job (in the bed's namespace), once it is marked; waits at most a minute. */
    Timeline timeline(String namespace, String jobName) {
        CompletableFuture<Timeline> f = timelines.computeIfAbsent(namespace + "/" + jobName, k -> new CompletableFuture<>());
        try {
            return f.get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("no timeline for Job " + namespace + "/" + jobName + " within 60 s", e);
        }
    }

    /** Forgets a Job's timeline (so the map does not grow with every iteration). */
    void forget(String namespace, String jobName) {
        timelines.remove(namespace + "/" + jobName);
        started.remove(namespace + "/" + jobName);
    }

    /** The image of the last Job run. */
    String lastImage() {
        return lastImage;
    }

    private static String key(Job job) {
        return job.getMetadata().getNamespace() + "/" + job.getMetadata().getName();
    }

    private void runOne(Job job, long seen) {
        String ns = job.getMetadata().getNamespace();
        String name = job.getMetadata().getName();
        CompletableFuture<Timeline> result = timelines.computeIfAbsent(key(job), k -> new CompletableFuture<>());
        try {
            String pod = standIn.startPod(ns, name);
            standIn.running(ns, name);
            PodSpec spec = job.getSpec().getTemplate().getSpec();
            Container c = spec.getContainers().get(0);
            lastImage = c.getImage();
            Map<String, String> env = new LinkedHashMap<>();
            for (EnvVar e : c.getEnv()) {
                env.put(e.getName(), e.getValue());
            }
            for (VolumeMount m : c.getVolumeMounts()) {
                for (Volume v : spec.getVolumes()) {
                    if (v.getName().equals(m.getName()) && v.getHostPath() != null) {
                        String mount = m.getMountPath();
                        // the store's root (an ancestor of the task's mounted folder) is storeDir itself
                        env.replaceAll((k, val) -> val != null && (val.equals(mount) || val.startsWith(mount + "/"))
                                ? storeDir + val.substring(mount.length())
                                : val != null && val.startsWith("/") && mount.startsWith(val + "/") ? storeDir.toString() : val);
                    }
                }
            }
            ByteArrayOutputStream log = new ByteArrayOutputStream();
            long podStarted = System.nanoTime();
            int code = Launcher.run(env, TimedControllerStandIn.class.getClassLoader(),
                    new PrintStream(log, true, StandardCharsets.UTF_8));
            long podEnded = System.nanoTime();
            api.scriptLog(ns, pod, log.toString(StandardCharsets.UTF_8));
            beforeMark.accept(name);
            long delay = markDelayMillis.getAsLong();
            if (delay > 0) {
                Thread.sleep(delay);
            }
            long markStart = System.nanoTime();
            try {
                if (code == 0) {
                    standIn.succeed(ns, name);
                } else {
                    standIn.fail(ns, name, code);
                }
            } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
                if (e.getCode() != 404) {
                    throw e;
                }
                // the executor finished on the pod's success (issue 21) and deleted the Job before it was marked
            }
            long markEnd = System.nanoTime();
            result.complete(new Timeline(name, seen, podStarted, podEnded, markStart, markEnd, code));
        } catch (Exception e) {
            result.completeExceptionally(e);
            try {
                standIn.fail(ns, name, 1);
            } catch (RuntimeException ignored) {
                // the Job may be gone
            }
        }
    }

    @Override
    public void close() {
        informer.close();
        pool.shutdownNow();
        try {
            pool.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        standIn.close();
    }
}
