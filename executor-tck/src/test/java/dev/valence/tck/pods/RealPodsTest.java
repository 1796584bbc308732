package dev.valence.tck.pods;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.valence.tck.cluster.ApiServerBed;
import dev.valence.tck.cluster.JobControllerStandIn;
import dev.valence.tck.image.RegistryBed;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStateWaiting;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real-pod bed on its own: Jobs written straight to the mock API server, run by the stand-in
 * with {@link RuncPodRunner} on the {@link JreImage} pulled from a registry bed; the probe program
 * comes from this module's test classes through a hostPath mount.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class RealPodsTest {
    static ApiServerBed api;
    static RegistryBed registry;
    static JobControllerStandIn standIn;
    static RuncPodRunner runner;
    static String jre;
    static final String NS = ApiServerBed.NAMESPACE;
    static final Path CLASSES = Path.of(PodProbe.class.getProtectionDomain().getCodeSource().getLocation().getPath());

    @TempDir
    static Path work;

    @BeforeAll
    static void beds() {
        api = ApiServerBed.start();
        registry = RegistryBed.start();
        jre = JreImage.pushTo(registry);
        runner = RuncPodRunner.builder().client(api.client()).workDir(work.resolve("pods"))
                .hostPath("/node/classes", CLASSES).hostPath("/node/data", work.resolve("data")).build();
        standIn = new JobControllerStandIn(api, JobControllerStandIn.Options.builder().completionDelay(java.time.Duration.ZERO)
                .nodeAllocatable("2", "4Gi").build());
        standIn.runJobsWith(runner);
    }

    @AfterAll
    static void close() {
        if (standIn != null) {
            standIn.close();
        }
        if (runner != null) {
            runner.close();
        }
        if (registry != null) {
            registry.close();
        }
        if (api != null) {
            api.close();
        }
    }

    @Test
    void aPodRunsAsTheImagesUserWithAReadOnlyRootAndItsMemoryLimit() {
        Job job = submit("real-identity", NS, spec -> spec
                .addNewVolume().withName("tmp").withNewEmptyDir().endEmptyDir().endVolume()
                .editFirstContainer().addNewVolumeMount().withName("tmp").withMountPath("/tmp").endVolumeMount()
                .withNewSecurityContext().withReadOnlyRootFilesystem(true).withAllowPrivilegeEscalation(false)
                .withNewCapabilities().withDrop("ALL").endCapabilities().endSecurityContext()
                .withNewResources().withLimits(Map.of("memory", new Quantity("256Mi"))).endResources()
                .endContainer(), "identity", "write:/", "write:/tmp", "write:/opt", "maxmem");
        Pod pod = finished(job);
        assertEquals(0, terminated(pod).getExitCode(), log(pod));
        assertEquals("Completed", terminated(pod).getReason());
        String log = log(pod);
        assertTrue(log.contains("Uid: " + JreImage.UID + " " + JreImage.UID), log);
        assertTrue(log.contains("NoNewPrivs: 1"), log);
        assertTrue(log.contains("CapEff: 0000000000000000"), log);
        assertTrue(log.contains("write /: FileSystemException /probe-1: Read-only file system"), log);
        assertTrue(log.contains("write /opt: FileSystemException /opt/probe-1: Read-only file system"), log);
        assertTrue(log.lines().anyMatch(l -> l.startsWith("write /tmp: ok " + JreImage.UID + ":" + JreImage.GID)),
                "an emptyDir at /tmp stays writable: " + log);
        long max = Long.parseLong(log.lines().filter(l -> l.startsWith("maxMemory=")).findFirst().orElseThrow().substring(10));
        assertTrue(max < 256L << 20, "the JVM sized its heap from the cgroup limit: " + max);
        assertEquals("Complete", waitForJob(job, "Complete", "Failed"));
    }

    @Test
    void securityContextUserAndFsGroupOwnTheEmptyDir() {
        Job job = submit("real-fsgroup", NS, spec -> spec.withNewSecurityContext().withRunAsUser(4321L).withRunAsGroup(4322L)
                .withFsGroup(4323L).endSecurityContext()
                .addNewVolume().withName("scratch").withNewEmptyDir().endEmptyDir().endVolume()
                .editFirstContainer().addNewVolumeMount().withName("scratch").withMountPath("/scratch").endVolumeMount()
                .endContainer(), "identity", "stat:/scratch", "write:/scratch");
        Pod pod = finished(job);
        String log = log(pod);
        assertTrue(log.contains("Uid: 4321 4321"), log);
        assertTrue(log.contains("Gid: 4322 4322"), log);
        assertTrue(log.lines().anyMatch(l -> l.startsWith("Groups:") && l.contains("4323")), log);
        assertTrue(log.contains("stat /scratch: 0:4323 2777"), log);
        assertTrue(log.contains("write /scratch: ok 4321:4323"), "setgid emptyDir gives new files the fsGroup: " + log);
    }

    @Test
    void theCpuRequestAndLimitBecomeSharesAndAQuota() {
        Job job = submit("real-cpu", NS, spec -> spec.editFirstContainer().withNewResources()
                .withRequests(Map.of("cpu", new Quantity("250m"))).withLimits(Map.of("cpu", new Quantity("500m")))
                .endResources().endContainer(), "cpuquota");
        String log = log(finished(job));
        assertTrue(log.contains("cfs_quota_us=50000 shares=256"), log);
    }

    @Test
    void envFromASecretReachesTheContainer() {
        api.client().secrets().inNamespace(NS).resource(new SecretBuilder().withNewMetadata().withName("real-secret")
                .endMetadata().withStringData(Map.of("TOKEN", "s3cr3t")).build()).create();
        api.client().secrets().inNamespace(NS).withName("real-secret").edit(s -> {
            s.setData(Map.of("TOKEN", java.util.Base64.getEncoder().encodeToString("s3cr3t".getBytes())));
            return s;
        });
        Job job = submit("real-envfrom", NS, spec -> spec.editFirstContainer().addNewEnvFrom().withNewSecretRef()
                .withName("real-secret").endSecretRef().endEnvFrom().addNewEnv().withName("PLAIN").withValue("p").endEnv()
                .endContainer(), "env:TOKEN", "env:PLAIN", "env:JAVA_HOME");
        String log = log(finished(job));
        assertTrue(log.contains("env TOKEN=s3cr3t"), log);
        assertTrue(log.contains("env PLAIN=p"), log);
        assertTrue(log.contains("env JAVA_HOME=/opt/jre"), "the image's env is kept: " + log);
    }

    @Test
    void secretAndConfigMapVolumesAreReadOnlyFilesWithTheKeysContents() {
        api.client().secrets().inNamespace(NS).resource(new SecretBuilder().withNewMetadata().withName("real-ca")
                .endMetadata().withData(Map.of("ca.crt", java.util.Base64.getEncoder().encodeToString("PEM".getBytes()),
                        "other", java.util.Base64.getEncoder().encodeToString("x".getBytes()))).build()).create();
        api.client().configMaps().inNamespace(NS).resource(new io.fabric8.kubernetes.api.model.ConfigMapBuilder()
                .withNewMetadata().withName("real-conf").endMetadata().withData(Map.of("a.txt", "alpha", "b.txt", "beta"))
                .build()).create();
        Job job = submit("real-objvol", NS, spec -> spec.withNewSecurityContext().withRunAsUser(1000L).withRunAsGroup(1000L)
                .withFsGroup(2000L).endSecurityContext()
                .addNewVolume().withName("ca").withNewSecret().withSecretName("real-ca").addNewItem().withKey("ca.crt")
                .withPath("bundle/ca.pem").endItem().endSecret().endVolume()
                .addNewVolume().withName("conf").withNewConfigMap().withName("real-conf").withDefaultMode(0400)
                .endConfigMap().endVolume()
                .editFirstContainer().addNewVolumeMount().withName("ca").withMountPath("/etc/ca").endVolumeMount()
                .addNewVolumeMount().withName("conf").withMountPath("/etc/conf").withReadOnly(true).endVolumeMount()
                .endContainer(), "read:/etc/ca/bundle/ca.pem", "stat:/etc/ca/bundle/ca.pem", "exists:/etc/ca/other",
                "read:/etc/conf/a.txt", "read:/etc/conf/b.txt", "stat:/etc/conf/a.txt", "write:/etc/ca");
        String log = log(finished(job));
        assertTrue(log.contains("read /etc/ca/bundle/ca.pem: PEM"), log);
        assertTrue(log.contains("stat /etc/ca/bundle/ca.pem: 0:2000 644"), "mode 0644 by default, group fsGroup: " + log);
        assertTrue(log.contains("exists /etc/ca/other: false"), "only the listed items: " + log);
        assertTrue(log.contains("read /etc/conf/a.txt: alpha") && log.contains("read /etc/conf/b.txt: beta"), log);
        assertTrue(log.contains("stat /etc/conf/a.txt: 0:2000 440"), "defaultMode, the fsGroup may read: " + log);
        assertTrue(log.contains("write /etc/ca: FileSystemException") && log.contains("Read-only file system"),
                "a Secret volume is read-only even when the mount does not say so: " + log);
    }

    @Test
    void aMissingSecretVolumeKeepsThePodContainerCreatingWithTheKubeletsMessage() {
        Job job = submit("real-novol", NS, spec -> spec.addNewVolume().withName("ca").withNewSecret()
                .withSecretName("no-such-ca").endSecret().endVolume()
                .editFirstContainer().addNewVolumeMount().withName("ca").withMountPath("/etc/ca").endVolumeMount()
                .endContainer(), "exit:0");
        Pod pod = awaitValue(() -> pod(job).filter(p -> p.getStatus().getContainerStatuses() != null
                && !p.getStatus().getContainerStatuses().isEmpty()
                && p.getStatus().getContainerStatuses().get(0).getState().getWaiting() != null
                && p.getStatus().getContainerStatuses().get(0).getState().getWaiting().getMessage() != null));
        ContainerStateWaiting w = pod.getStatus().getContainerStatuses().get(0).getState().getWaiting();
        assertEquals("ContainerCreating", w.getReason());
        assertEquals("MountVolume.SetUp failed for volume \"ca\" : secret \"no-such-ca\" not found", w.getMessage());
    }

    @Test
    void aMissingSecretKeepsTheContainerWaitingWithCreateContainerConfigError() {
        Job job = submit("real-nosecret", NS, spec -> spec.editFirstContainer().addNewEnvFrom().withNewSecretRef()
                .withName("no-such-secret").endSecretRef().endEnvFrom().endContainer(), "exit:0");
        ContainerStateWaiting w = waiting(job, "CreateContainerConfigError");
        assertEquals("secret \"no-such-secret\" not found", w.getMessage());
    }

    @Test
    void goingOverTheMemoryLimitIsOomKilled() {
        Job job = submit("real-oom", NS, spec -> spec.editFirstContainer()
                .withNewResources().withLimits(Map.of("memory", new Quantity("96Mi"))).endResources()
                .withArgs("-Xmx1g", "-cp", "/classes", PodProbe.class.getName(), "allocate").endContainer());
        Pod pod = finished(job);
        assertEquals(137, terminated(pod).getExitCode());
        assertEquals("OOMKilled", terminated(pod).getReason());
        assertEquals("Failed", pod.getStatus().getPhase());
        assertTrue(log(pod).contains("allocated 0 MB"), log(pod));
        assertEquals("Failed", waitForJob(job, "Complete", "Failed"));
    }

    @Test
    void anImageThatIsNotThereIsErrImagePullThenImagePullBackOff() {
        String missingTag = registry.host() + "/valence-jre:no-such-tag";
        Job job = submit("real-notag", NS, spec -> spec.editFirstContainer().withImage(missingTag).endContainer(), "exit:0");
        ContainerStateWaiting w = waiting(job, "ErrImagePull");
        assertTrue(w.getMessage().contains("not found"), w.getMessage());
        ContainerStateWaiting backOff = waiting(job, "ImagePullBackOff");
        assertEquals("Back-off pulling image \"" + missingTag + "\"", backOff.getMessage());

        String wrongDigest = registry.host() + "/valence-jre@sha256:" + "0".repeat(64);
        Job other = submit("real-baddigest", NS, spec -> spec.editFirstContainer().withImage(wrongDigest).endContainer(), "exit:0");
        assertTrue(waiting(other, "ErrImagePull").getMessage().contains(wrongDigest));
    }

    @Test
    void aMissingEntrypointIsCreateContainerError() {
        Job job = submit("real-noexec", NS, spec -> spec.editFirstContainer().withCommand("no-such-program").withArgs()
                .endContainer());
        ContainerStateWaiting w = waiting(job, "CreateContainerError");
        assertTrue(w.getMessage().contains("exec: \"no-such-program\": executable file not found in $PATH"), w.getMessage());
    }

    @Test
    void theImagesEntrypointAndCmdRunWhenThePodSetsNone() {
        Job job = submit("real-imagecmd", NS, spec -> spec.editFirstContainer().withCommand().withArgs().endContainer());
        Pod pod = finished(job);
        assertEquals(0, terminated(pod).getExitCode());
        assertTrue(log(pod).contains("OpenJDK Runtime Environment"), "the image's Cmd is java -version: " + log(pod));
    }

    @Test
    void baselinePodSecurityRefusesAHostPathPodWithFailedCreateEventsOnTheJob() {
        String ns = "real-psa";
        api.client().namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns)
                .withLabels(Map.of("pod-security.kubernetes.io/enforce", "baseline")).endMetadata().build()).create();
        Job job = submit("real-refused", ns, spec -> { }, "exit:0");
        Event e = awaitValue(() -> api.client().v1().events().inNamespace(ns).list().getItems().stream()
                .filter(x -> "FailedCreate".equals(x.getReason())).findFirst());
        assertEquals("Warning", e.getType());
        assertEquals("Job", e.getInvolvedObject().getKind());
        assertEquals(job.getMetadata().getName(), e.getInvolvedObject().getName());
        assertEquals(job.getMetadata().getUid(), e.getInvolvedObject().getUid());
        assertEquals("job-controller", e.getSource().getComponent());
        assertTrue(e.getMessage().matches("Error creating: pods \"real-refused-[a-z0-9]{5}\" is forbidden: violates "
                + "PodSecurity \"baseline:latest\": hostPath volumes \\(volume \"classes\"\\)"), e.getMessage());
        assertTrue(api.client().pods().inNamespace(ns).list().getItems().isEmpty(), "no pod was created");
    }

    @Test
    void aPodTooBigForTheNodeStaysPendingWithFailedScheduling() {
        Job job = submit("real-big", NS, spec -> spec.editFirstContainer()
                .withNewResources().withRequests(Map.of("memory", new Quantity("64Gi"))).endResources().endContainer(), "exit:0");
        Event e = awaitValue(() -> api.client().v1().events().inNamespace(NS).list().getItems().stream()
                .filter(x -> "FailedScheduling".equals(x.getReason())
                        && x.getInvolvedObject().getName().startsWith(job.getMetadata().getName())).findFirst());
        assertEquals("Pod", e.getInvolvedObject().getKind());
        assertEquals("default-scheduler", e.getSource().getComponent());
        assertTrue(e.getMessage().startsWith("0/1 nodes are available: 1 Insufficient memory."), e.getMessage());
        Pod pod = pod(job).orElseThrow();
        assertEquals("Pending", pod.getStatus().getPhase());
        assertEquals("Unschedulable", pod.getStatus().getConditions().get(0).getReason());
    }

    @Test
    void activeDeadlineSecondsKillsTheContainer() {
        Job job = submit("real-deadline", NS, spec -> { }, "sleep:60");
        assertEquals("Failed", waitForJob(job, "Complete", "Failed"));
        Job done = api.client().batch().v1().jobs().inNamespace(NS).withName(job.getMetadata().getName()).get();
        assertEquals("DeadlineExceeded", done.getStatus().getConditions().stream().filter(c -> c.getType().equals("Failed"))
                .findFirst().orElseThrow().getReason());
    }

    @Test
    void deletingTheJobKillsItsContainer() throws Exception {
        Job job = submit("real-delete", NS, spec -> { }, "sleep:60");
        awaitValue(() -> pod(job).filter(p -> "Running".equals(p.getStatus().getPhase())));
        api.client().batch().v1().jobs().inNamespace(NS).withName(job.getMetadata().getName()).delete();
        awaitValue(() -> pod(job).isEmpty() ? Optional.of(true) : Optional.empty());
        awaitValue(() -> runcList().contains("-" + job.getMetadata().getName()) ? Optional.empty() : Optional.of(true));
    }

    // ---- helpers ----

    static Job submit(String name, String ns, Consumer<PodSpecBuilder> customize, String... probes) {
        PodSpecBuilder spec = new PodSpecBuilder().withRestartPolicy("Never")
                .addNewVolume().withName("classes").withNewHostPath().withPath("/node/classes").endHostPath().endVolume()
                .addToContainers(new ContainerBuilder().withName("task").withImage(jre).withCommand("java")
                        .withArgs(args(probes)).addNewVolumeMount().withName("classes").withMountPath("/classes")
                        .withReadOnly(true).endVolumeMount().build());
        customize.accept(spec);
        Job job = new JobBuilder().withNewMetadata().withName(name).withNamespace(ns)
                .withLabels(Map.of("app.kubernetes.io/managed-by", "valence")).endMetadata()
                .withNewSpec().withBackoffLimit(0).withActiveDeadlineSeconds(name.equals("real-deadline") ? 2L : null)
                .withNewTemplate().withSpec(spec.build()).endTemplate().endSpec().build();
        return api.client().batch().v1().jobs().inNamespace(ns).resource(job).create();
    }

    private static List<String> args(String... probes) {
        List<String> args = new java.util.ArrayList<>(List.of("-Xshare:off", "-cp", "/classes", PodProbe.class.getName()));
        args.addAll(List.of(probes));
        return args;
    }

    static Optional<Pod> pod(Job job) {
        return api.client().pods().inNamespace(job.getMetadata().getNamespace()).withLabel("job-name", job.getMetadata().getName())
                .list().getItems().stream().findFirst();
    }

    static Pod finished(Job job) {
        return awaitValue(() -> pod(job).filter(p -> Set.of("Succeeded", "Failed").contains(p.getStatus().getPhase())));
    }

    static ContainerStateTerminated terminated(Pod pod) {
        return pod.getStatus().getContainerStatuses().get(0).getState().getTerminated();
    }

    static ContainerStateWaiting waiting(Job job, String reason) {
        Predicate<Pod> waitingSo = p -> p.getStatus().getContainerStatuses() != null && !p.getStatus().getContainerStatuses().isEmpty()
                && p.getStatus().getContainerStatuses().get(0).getState().getWaiting() != null
                && reason.equals(p.getStatus().getContainerStatuses().get(0).getState().getWaiting().getReason());
        return awaitValue(() -> pod(job).filter(waitingSo)).getStatus().getContainerStatuses().get(0).getState().getWaiting();
    }

    static String log(Pod pod) {
        return api.client().pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName()).getLog();
    }

    static String waitForJob(Job job, String... types) {
        return awaitValue(() -> {
            Job j = api.client().batch().v1().jobs().inNamespace(job.getMetadata().getNamespace())
                    .withName(job.getMetadata().getName()).get();
            if (j == null || j.getStatus() == null || j.getStatus().getConditions() == null) {
                return Optional.empty();
            }
            return j.getStatus().getConditions().stream().map(c -> c.getType()).filter(List.of(types)::contains).findFirst();
        });
    }

    private static String runcList() throws Exception {
        Process p = new ProcessBuilder("runc", "list", "-q").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        p.waitFor();
        return out;
    }

    interface Probe<T> {
        Optional<T> get() throws Exception;
    }

    static <T> T awaitValue(Probe<T> probe) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            try {
                Optional<T> v = probe.get();
                if (v.isPresent()) {
                    return v.get();
                }
            } catch (Exception e) {
                throw new AssertionError(e);
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not reached within 60 s");
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
