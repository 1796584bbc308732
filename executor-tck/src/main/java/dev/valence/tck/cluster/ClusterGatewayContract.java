package dev.valence.tck.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.valence.api.ErrorKind;
import dev.valence.api.Settings;
import dev.valence.api.Toleration;
import dev.valence.api.ValenceException;
import dev.valence.spi.ClusterGateway;
import dev.valence.spi.ClusterVersion;
import dev.valence.spi.ClusterGatewayFactory;
import dev.valence.spi.JobInfo;
import dev.valence.spi.JobListener;
import dev.valence.spi.JobOutcome;
import dev.valence.spi.JobRef;
import dev.valence.spi.JobSpec;
import dev.valence.spi.Plugins;
import dev.valence.spi.PodInfo;
import dev.valence.spi.PodStarted;
import dev.valence.spi.StoreAccess;
import dev.valence.api.ClusterFileRef;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The contract every {@link ClusterGateway} adapter passes, against fabric8's mock API server in
 * CRUD mode ({@link ApiServerBed}) with the test playing the Job controller
 * ({@link JobControllerStandIn}). A subclass provides the factory; the suite builds settings
 * pointing at the bed's kubeconfig ({@code poll_freq} 1 s, {@code unschedulable_grace} 1 s).
 *
 * <p>What it pins down, beyond the port's Javadoc:
 * <ul>
 *   <li>The stored Job equals {@link #REFERENCE_JOB_YAML} for {@link #referenceSpec()} (after
 *       {@link StoredManifests#normalise}), so every adapter writes the same manifest: env sorted by
 *       name (the store's env first, the spec's env winning on a clash), requests = limits, the
 *       container named {@code task}, a restrictive container security context.</li>
 *   <li>An outcome's {@code reason} is the most specific one: the pod's ({@code Evicted},
 *       {@code OOMKilled}, the waiting reason, {@code Unschedulable}) before the Job's
 *       ({@code BackoffLimitExceeded}, {@code DeadlineExceeded}); a plain non-zero exit says
 *       {@code exit code N} in the message; {@code Deleted} when the Job went away.</li>
 *   <li>Following many Jobs makes no request naming one Job: one shared watch (or list) serves all.</li>
 *   <li>{@code OOMKilled} and {@code Evicted} fail fast when the Job has no retries left
 *       ({@code backoffLimit} 0, as here); with retries left the Job controller retries.</li>
 *   <li>{@code render} masks the values of env variables with secret-looking names
 *       ({@code PASSWORD}, {@code TOKEN}, {@code SECRET}, ...); {@code submit} does not.</li>
 * </ul>
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
public abstract class ClusterGatewayContract {

    /** How long a test waits for an outcome. */
    protected static final Duration WAIT = Duration.ofSeconds(20);

    /** The manifest {@link #referenceSpec()} must produce (namespace {@value ApiServerBed#NAMESPACE}). */
    public static final String REFERENCE_JOB_YAML = """
            apiVersion: batch/v1
            kind: Job
            metadata:
              name: valence-ref-d1-n1
              namespace: valence-test
              labels:
                app.kubernetes.io/managed-by: valence
                valence.dev/dispatch: d1
                valence.dev/node: n1
                team: ml
            spec:
              backoffLimit: 2
              activeDeadlineSeconds: 600
              ttlSecondsAfterFinished: 3600
              template:
                metadata:
                  labels:
                    app.kubernetes.io/managed-by: valence
                    valence.dev/dispatch: d1
                    valence.dev/node: n1
                    team: ml
                spec:
                  restartPolicy: Never
                  automountServiceAccountToken: false
                  securityContext:
                    runAsUser: 1000
                    runAsGroup: 1000
                    fsGroup: 1000
                  serviceAccountName: valence-runner
                  nodeSelector:
                    disktype: ssd
                  tolerations:
                  - key: gpu
                    operator: Equal
                    value: "true"
                    effect: NoSchedule
                  - key: spot
                    operator: Exists
                    effect: NoExecute
                    tolerationSeconds: 30
                  imagePullSecrets:
                  - name: regcred
                  containers:
                  - name: task
                    image: 127.0.0.1:5000/valence-task@sha256:4f3c2b1a00000000000000000000000000000000000000000000000000000000
                    command: [java, -cp, "/app/libs/*:/app/classes", dev.valence.core.launcher.Launcher]
                    envFrom:
                    - secretRef:
                        name: azure-storage
                    env:
                    - name: TZ
                      value: UTC
                    - name: VALENCE_DISPATCH_ID
                      value: d1
                    - name: VALENCE_K8S_CA_BUNDLE_FILE
                      value: /etc/valence/ca-bundle/ca.crt
                    - name: VALENCE_K8S_DATA_STORE
                      value: /data
                    resources:
                      requests:
                        cpu: 500m
                        memory: 1G
                        nvidia.com/gpu: "1"
                      limits:
                        memory: 1G
                        nvidia.com/gpu: "1"
                    securityContext:
                      runAsNonRoot: true
                      allowPrivilegeEscalation: false
                      readOnlyRootFilesystem: true
                      capabilities:
                        drop: [ALL]
                      seccompProfile:
                        type: RuntimeDefault
                    volumeMounts:
                    - name: tmp
                      mountPath: /tmp
                    - name: valence-data
                      mountPath: /data/d1/n1
                    - name: valence-ca-bundle
                      mountPath: /etc/valence/ca-bundle
                      readOnly: true
                    - name: store-conf
                      mountPath: /etc/store
                      readOnly: true
                  volumes:
                  - name: tmp
                    emptyDir: {}
                  - name: valence-data
                    hostPath:
                      path: /data/d1/n1
                      type: DirectoryOrCreate
                  - name: valence-ca-bundle
                    secret:
                      secretName: store-ca
                      items:
                      - key: ca.crt
                        path: ca.crt
                      defaultMode: 420
                  - name: store-conf
                    configMap:
                      name: store-conf
                      defaultMode: 288
            """;

    private static final AtomicInteger SEQ = new AtomicInteger();

    /** The API server of this test class. */
    protected static ApiServerBed bed;
    /** Plays the Job controller on {@link #bed}. */
    protected static JobControllerStandIn controller;

    /** The gateway under test, on {@link #bed}'s kubeconfig; closed after each test. */
    protected ClusterGateway gateway;
    private final List<ClusterGateway> opened = new ArrayList<>();

    @TempDir
    Path home;

    /** The factory of the adapter under test. */
    protected abstract ClusterGatewayFactory factory();

    /** How many times the adapter sends a request that keeps being answered 503 before it gives up. */
    protected abstract int requestAttempts();

    /**
     * Whether the adapter watches over chunked HTTP (client-java's wire) rather than WebSocket
     * (fabric8's): then the suite's gateways reach the bed through its {@link ChunkedWatchFrontDoor},
     * and the watch fault cases (dropped stream, {@code 410 Gone}, API server restart, a watch that
     * cannot reopen) run.
     */
    protected boolean watchesOverChunkedHttp() {
        return false;
    }

    /** The kubeconfig of the suite's gateways: the bed's, or its chunked-watch front door's. */
    protected Path kubeconfig() {
        return watchesOverChunkedHttp() ? bed.chunkedWatches().kubeconfig() : bed.kubeconfig();
    }

    /** Settings for a kubeconfig: no environment, a temp home, short {@code poll_freq} and grace. */
    protected Settings.Builder settings(Path kubeconfig) {
        Settings.Builder b = Settings.builder().environment(Map.of()).userHome(home)
                .k8sConfigFile(kubeconfig).pollFreq(Duration.ofSeconds(1))
                .set("unschedulable_grace", Duration.ofSeconds(1))
                .sensitiveKeys(factory().sensitiveKeys());
        factory().settingKeys().forEach(b::knownKey);
        return b;
    }

    /** A gateway from these settings, closed after the test. */
    protected ClusterGateway open(Settings settings) {
        ClusterGateway g = factory().create(settings);
        opened.add(g);
        return g;
    }

    @BeforeAll
    static void startBed() {
        bed = ApiServerBed.start();
        controller = new JobControllerStandIn(bed);
    }

    @AfterAll
    static void stopBed() {
        if (controller != null) {
            controller.close();
        }
        if (bed != null) {
            bed.close();
        }
    }

    @BeforeEach
    void openGateway() {
        gateway = open(settings(kubeconfig()).k8sContext(ApiServerBed.CONTEXT).build());
        bed.takeRequests();
    }

    @AfterEach
    void closeGateways() {
        opened.forEach(ClusterGateway::close);
        opened.clear();
    }

    // ---- fixtures ----

    /** The spec whose manifest is {@link #REFERENCE_JOB_YAML}. */
    public static JobSpec referenceSpec() {
        return JobSpec.builder()
                .name("valence-ref-d1-n1")
                .image("127.0.0.1:5000/valence-task@sha256:4f3c2b1a00000000000000000000000000000000000000000000000000000000")
                .command(List.of("java", "-cp", "/app/libs/*:/app/classes", "dev.valence.core.launcher.Launcher"))
                .env(Map.of("VALENCE_DISPATCH_ID", "d1", "TZ", "UTC"))
                .labels(Map.of(ClusterGateway.DISPATCH_LABEL, "d1", ClusterGateway.NODE_LABEL, "n1", "team", "ml"))
                .vcpu("500m").memory("1G").memoryLimit("1G").gpus(1)
                .runAsUser(1000).runAsGroup(1000).fsGroup(1000)
                .nodeSelector(Map.of("disktype", "ssd"))
                .tolerations(List.of(Toleration.equal("gpu", "true", "NoSchedule"),
                        new Toleration("spot", "Exists", "", "NoExecute", Optional.of(30L))))
                .serviceAccount("valence-runner")
                .imagePullSecrets(List.of("regcred"))
                .envFromSecrets(List.of("azure-storage"))
                .backoffLimit(2)
                .activeDeadline(Duration.ofMinutes(10))
                .ttlAfterFinished(Duration.ofHours(1))
                .storeAccess(StoreAccess.builder().env(Map.of("VALENCE_K8S_DATA_STORE", "/data"))
                        .hostPath(new StoreAccess.HostPathVolume("valence-data", "/data/d1/n1", "/data/d1/n1",
                                "DirectoryOrCreate"))
                        .caBundle(Optional.of(ClusterFileRef.parse("secret:store-ca/ca.crt")))
                        .objectVolume(StoreAccess.ObjectVolume.builder().configMap("store-conf").volumeName("store-conf")
                                .mountPath("/etc/store").defaultMode(0440).build())
                        .build())
                .build();
    }

    /** A small spec with a fresh name and dispatch/node labels. */
    protected static JobSpec spec(String dispatch) {
        int n = SEQ.incrementAndGet();
        return JobSpec.builder().name("valence-" + dispatch + "-n" + n).image("127.0.0.1:5000/valence-task:t1")
                .command(List.of("java", "-version"))
                .label(ClusterGateway.DISPATCH_LABEL, dispatch).label(ClusterGateway.NODE_LABEL, "n" + n)
                .vcpu("100m").memory("64Mi").build();
    }

    /** The outcome of following the Job, waiting at most {@link #WAIT}. */
    protected JobOutcome outcome(CompletableFuture<JobOutcome> f) throws Exception {
        return f.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }

    private static String ns() {
        return ApiServerBed.NAMESPACE;
    }

    private static Job stored(String name) {
        return bed.client().batch().v1().jobs().inNamespace(ns()).withName(name).get();
    }

    // ---- plugin ----

    @Test
    void factoryIsDiscoveredByItsName() {
        var found = Plugins.load(getClass().getClassLoader()).of(ClusterGatewayFactory.class).stream()
                .filter(f -> f.name().equals(factory().name())).findFirst();
        assertTrue(found.isPresent(), "no ClusterGatewayFactory named " + factory().name() + " in META-INF/services");
    }

    // ---- submit ----

    @Test
    void submitStoresTheReferenceManifest() {
        JobRef ref = gateway.submit(referenceSpec());
        try {
            assertEquals(new JobRef("valence-ref-d1-n1", ns(), false), ref);
            assertEquals(StoredManifests.fromYaml(REFERENCE_JOB_YAML), StoredManifests.job(bed.client(), ns(), ref.name()));
        } finally {
            gateway.cancel(ref);
        }
    }

    @Test
    void renderGivesTheManifestSubmitWouldStore() {
        String yaml = gateway.render(referenceSpec());
        assertEquals(StoredManifests.fromYaml(REFERENCE_JOB_YAML), StoredManifests.fromYaml(yaml));
        assertNull(stored("valence-ref-d1-n1"), "render must not create the Job");
    }

    @Test
    void aStoresSecretsBecomeEnvFromAndAReadOnlySecretVolume() {
        JobSpec spec = JobSpec.builder().name("valence-storesecrets-n" + SEQ.incrementAndGet()).image("busybox:1")
                .label(ClusterGateway.DISPATCH_LABEL, "dstore").label(ClusterGateway.NODE_LABEL, "n1")
                .envFromSecrets(List.of("team-env", "store-creds"))
                .storeAccess(StoreAccess.builder().env(Map.of("VALENCE_K8S_DATA_STORE", "gs://b/v"))
                        .envFromSecret("store-creds").envFromSecret("store-token")
                        .secretFiles("store-key", "store-key", "/etc/store-key").build())
                .build();
        JobRef ref = gateway.submit(spec);
        try {
            var pod = stored(ref.name()).getSpec().getTemplate().getSpec();
            var container = pod.getContainers().get(0);
            assertEquals(List.of("team-env", "store-creds", "store-token"),
                    container.getEnvFrom().stream().map(e -> e.getSecretRef().getName()).toList(),
                    "the settings' Secrets, then the store's, each once");
            var volume = pod.getVolumes().stream().filter(v -> v.getName().equals("store-key")).findFirst().orElseThrow();
            assertEquals("store-key", volume.getSecret().getSecretName());
            assertEquals(0400, volume.getSecret().getDefaultMode());
            var mount = container.getVolumeMounts().stream().filter(m -> m.getName().equals("store-key")).findFirst()
                    .orElseThrow();
            assertEquals("/etc/store-key", mount.getMountPath());
            assertEquals(Boolean.TRUE, mount.getReadOnly());
            String yaml = gateway.render(spec);
            assertTrue(yaml.contains("store-token") && yaml.contains("/etc/store-key"), "render shows the references\n" + yaml);
        } finally {
            gateway.cancel(ref);
        }
    }

    @Test
    void renderMasksSecretLookingEnvValues() {
        JobSpec spec = JobSpec.builder().name("valence-secret-n1").image("busybox:1")
                .label(ClusterGateway.DISPATCH_LABEL, "dsecret").label(ClusterGateway.NODE_LABEL, "n1")
                .env(Map.of("DB_PASSWORD", "hunter2-x9", "API_TOKEN", "tok-x9", "MODE", "fast")).build();
        String yaml = gateway.render(spec);
        assertFalse(yaml.contains("hunter2-x9") || yaml.contains("tok-x9"), yaml);
        assertTrue(yaml.contains("fast"), yaml);
        assertTrue(yaml.contains("DB_PASSWORD") && yaml.contains("API_TOKEN"), yaml);
    }

    @Test
    void submitLeavesOutWhatTheSpecDoesNotSet() {
        JobSpec spec = JobSpec.builder().name("valence-min-n" + SEQ.incrementAndGet()).image("busybox:1")
                .label(ClusterGateway.DISPATCH_LABEL, "dmin").label(ClusterGateway.NODE_LABEL, "n1").build();
        JobRef ref = gateway.submit(spec);
        Job job = stored(ref.name());
        assertEquals(0, job.getSpec().getBackoffLimit());
        assertNull(job.getSpec().getActiveDeadlineSeconds());
        assertNull(job.getSpec().getTtlSecondsAfterFinished());
        var pod = job.getSpec().getTemplate().getSpec();
        assertEquals("Never", pod.getRestartPolicy());
        assertNull(pod.getServiceAccountName());
        assertNull(pod.getSecurityContext(), "no identity set: the image's user");
        assertEquals(List.of("tmp"), pod.getVolumes().stream().map(v -> v.getName()).toList(),
                "only the emptyDir /tmp of the read-only root file system");
        assertTrue(pod.getContainers().get(0).getResources().getRequests().isEmpty());
        assertTrue(pod.getContainers().get(0).getResources().getLimits().isEmpty());
        assertEquals("valence", job.getMetadata().getLabels().get(ClusterGateway.MANAGED_BY));
        assertTrue(pod.getContainers().get(0).getSecurityContext().getRunAsNonRoot());
    }

    @Test
    void withAStoreReachedThroughEnvTheJobPassesPodSecurityRestricted() {
        JobSpec spec = JobSpec.builder().name("valence-restricted-n" + SEQ.incrementAndGet()).image("busybox:1")
                .label(ClusterGateway.DISPATCH_LABEL, "drestricted").label(ClusterGateway.NODE_LABEL, "n1")
                .vcpu("500m").memory("1G").memoryLimit("1G").runAsUser(1000).runAsGroup(1000).fsGroup(1000)
                .storeAccess(StoreAccess.env(Map.of("VALENCE_K8S_DATA_STORE", "s3://bucket/valence"))).build();
        JobRef ref = gateway.submit(spec);
        try {
            assertEquals(List.of(), PodSecurityStandards.restrictedViolations(stored(ref.name()).getSpec().getTemplate().getSpec()));
        } finally {
            gateway.cancel(ref);
        }
    }

    @Test
    void aStoreWithACaBundleFromASecretPassesPodSecurityRestricted() {
        JobSpec spec = JobSpec.builder().name("valence-restricted-n" + SEQ.incrementAndGet()).image("busybox:1")
                .label(ClusterGateway.DISPATCH_LABEL, "drestricted").label(ClusterGateway.NODE_LABEL, "n1")
                .vcpu("500m").memory("1G").memoryLimit("1G").runAsUser(1000).runAsGroup(1000).fsGroup(1000)
                .storeAccess(StoreAccess.builder().env(Map.of("VALENCE_K8S_DATA_STORE", "s3://bucket/valence"))
                        .caBundle(Optional.of(ClusterFileRef.parse("configmap:store-ca/ca.pem"))).build()).build();
        JobRef ref = gateway.submit(spec);
        try {
            var pod = stored(ref.name()).getSpec().getTemplate().getSpec();
            assertEquals(List.of(), PodSecurityStandards.restrictedViolations(pod));
            assertEquals("store-ca", pod.getVolumes().get(1).getConfigMap().getName());
        } finally {
            gateway.cancel(ref);
        }
    }

    @Test
    void tellsWhichSecretsAndConfigMapsAreMissing() {
        String secret = "present-secret-" + SEQ.incrementAndGet();
        String configMap = "present-cm-" + SEQ.incrementAndGet();
        bed.client().secrets().inNamespace(ns()).resource(new io.fabric8.kubernetes.api.model.SecretBuilder()
                .withNewMetadata().withName(secret).endMetadata().addToStringData("k", "v").build()).create();
        bed.client().configMaps().inNamespace(ns()).resource(new io.fabric8.kubernetes.api.model.ConfigMapBuilder()
                .withNewMetadata().withName(configMap).endMetadata().addToData("k", "v").build()).create();
        try {
            assertEquals(java.util.Set.of("absent-secret"),
                    gateway.missing(ClusterFileRef.Kind.SECRET, List.of(secret, "absent-secret")));
            assertEquals(java.util.Set.of("absent-cm", secret),
                    gateway.missing(ClusterFileRef.Kind.CONFIG_MAP, List.of(configMap, "absent-cm", secret)),
                    "a Secret is not a ConfigMap");
            assertEquals(java.util.Set.of(), gateway.missing(ClusterFileRef.Kind.SECRET, List.of()));
        } finally {
            bed.client().secrets().inNamespace(ns()).withName(secret).delete();
            bed.client().configMaps().inNamespace(ns()).withName(configMap).delete();
        }
    }

    @Test
    void withALocalStoreOnlyItsHostPathVolumeBreaksPodSecurityRestricted() {
        JobRef ref = gateway.submit(referenceSpec());
        try {
            assertEquals(List.of("hostPath volumes (volume \"valence-data\")",
                            "restricted volume types (volume \"valence-data\" uses restricted volume type \"hostPath\")"),
                    PodSecurityStandards.restrictedViolations(stored(ref.name()).getSpec().getTemplate().getSpec()));
        } finally {
            gateway.cancel(ref);
        }
    }

    @Test
    void aTaskLargerThanEveryNodeIsRefusedAtSubmitAndMakesNoJob() {
        var node = new io.fabric8.kubernetes.api.model.NodeBuilder().withNewMetadata().withName("small-node")
                .addToLabels("disktype", "ssd").endMetadata()
                .withNewStatus().addToAllocatable("cpu", new io.fabric8.kubernetes.api.model.Quantity("2"))
                .addToAllocatable("memory", new io.fabric8.kubernetes.api.model.Quantity("4Gi")).endStatus().build();
        bed.client().nodes().resource(node).create();
        try {
            JobSpec tooBig = JobSpec.builder().name("valence-big-n" + SEQ.incrementAndGet()).image("busybox:1")
                    .label(ClusterGateway.DISPATCH_LABEL, "dbig").label(ClusterGateway.NODE_LABEL, "n1")
                    .vcpu("8").memory("1G").build();
            ValenceException e = assertThrows(ValenceException.class, () -> gateway.submit(tooBig));
            assertEquals(ErrorKind.CONFIG, e.kind());
            assertTrue(e.getMessage().startsWith("no node can hold Job " + tooBig.name() + ": it requests cpu 8, memory 1G"
                    + " but the nodes allocate at most (small-node: cpu 2, memory 4Gi)"), e.getMessage());
            assertNull(stored(tooBig.name()), "no Job made");
            JobRef fits = gateway.submit(spec("dfits"));
            gateway.cancel(fits);
        } finally {
            bed.client().nodes().withName("small-node").delete();
        }
    }

    @Test
    void withoutNodesAccessTheCapacityCheckIsSkipped() {
        bed.failNext("GET", "/api/v1/nodes.*", 1, 403, "nodes is forbidden: cannot list resource \"nodes\"");
        JobRef ref = gateway.submit(spec("dnonodes"));
        gateway.cancel(ref);
    }

    @Test
    void submittingTheSameSpecTwiceAdoptsTheJob() {
        JobSpec spec = spec("dadopt");
        JobRef first = gateway.submit(spec);
        JobRef second = gateway.submit(spec);
        assertFalse(first.adopted());
        assertTrue(second.adopted());
        assertEquals(first.name(), second.name());
        assertEquals(1, gateway.list(Map.of(ClusterGateway.DISPATCH_LABEL, "dadopt")).size());
    }

    @Test
    void submitRefusesAJobOfTheSameNameWithAnotherOwner() {
        JobSpec spec = spec("dother");
        bed.client().batch().v1().jobs().inNamespace(ns()).resource(new JobBuilder().withNewMetadata()
                .withName(spec.name()).addToLabels("app", "someone-else").endMetadata()
                .withNewSpec().withNewTemplate().withNewSpec().addNewContainer().withName("x").withImage("busybox")
                .endContainer().withRestartPolicy("Never").endSpec().endTemplate().endSpec().build()).create();
        ValenceException e = assertThrows(ValenceException.class, () -> gateway.submit(spec));
        assertEquals(ErrorKind.CLUSTER, e.kind());
        assertTrue(e.getMessage().contains(spec.name()), e.getMessage());
        assertEquals("someone-else", stored(spec.name()).getMetadata().getLabels().get("app"), "left alone");
    }

    @Test
    void submitDeniedIsAPermissionErrorNamingVerbAndResource() {
        bed.failNext("POST", "/apis/batch/v1/namespaces/" + ns() + "/jobs", 1, 403,
                "jobs.batch is forbidden: User \"system:serviceaccount:valence-test:default\" cannot create resource "
                        + "\"jobs\" in API group \"batch\" in the namespace \"" + ns() + "\"");
        ValenceException e = assertThrows(ValenceException.class, () -> gateway.submit(spec("ddenied")));
        assertEquals(ErrorKind.PERMISSION, e.kind());
        assertTrue(e.getMessage().contains("create") && e.getMessage().contains("jobs"), e.getMessage());
        assertTrue(e.getMessage().contains(ns()), e.getMessage());
    }

    @Test
    void submitRetriesServerErrors() {
        JobSpec spec = spec("dretry");
        bed.failNext("POST", "/apis/batch/v1/namespaces/" + ns() + "/jobs", 2, 503, "etcdserver: leader changed");
        JobRef ref = gateway.submit(spec);
        assertNotNull(stored(ref.name()));
        long posts = bed.takeRequests().stream().filter(r -> r.method().equals("POST") && r.path().contains("/jobs")).count();
        assertTrue(posts >= 3, "expected the two 503s to be retried, saw " + posts + " POSTs");
    }

    @Test
    void aCreateWithoutADefiniteAnswerAdoptsTheJobTheServerMade() {
        // the server made the Job, but the client saw no answer it could trust (here: 503s past its retries)
        JobSpec spec = spec("dunknown");
        JobRef first = gateway.submit(spec);
        bed.failNext("POST", "/apis/batch/v1/namespaces/" + ns() + "/jobs", requestAttempts(), 503,
                "etcdserver: request timed out");
        JobRef ref = gateway.submit(spec);
        assertTrue(ref.adopted());
        assertEquals(first.name(), ref.name());
        assertEquals(1, gateway.list(Map.of(ClusterGateway.DISPATCH_LABEL, "dunknown")).size());
    }

    @Test
    void aCreateWithoutADefiniteAnswerIsMadeAgainWhenTheJobIsNotThere() {
        bed.failNext("POST", "/apis/batch/v1/namespaces/" + ns() + "/jobs", requestAttempts(), 503,
                "etcdserver: request timed out");
        JobRef ref = gateway.submit(spec("dnone"));
        assertFalse(ref.adopted());
        assertEquals(1, gateway.list(Map.of(ClusterGateway.DISPATCH_LABEL, "dnone")).size());
    }

    @Test
    void aCreateThatStillFailsAfterTheReadIsAClusterErrorAndLeavesNoJob() {
        bed.failNext("POST", "/apis/batch/v1/namespaces/" + ns() + "/jobs", 2 * requestAttempts(), 503,
                "etcdserver: request timed out");
        ValenceException e = assertThrows(ValenceException.class, () -> gateway.submit(spec("dgone")));
        assertEquals(ErrorKind.CLUSTER, e.kind());
        assertTrue(e.getMessage().contains("503"), e.getMessage());
        assertEquals(0, gateway.list(Map.of(ClusterGateway.DISPATCH_LABEL, "dgone")).size());
    }

    // ---- follow ----

    @Test
    void followCompletesWhenTheJobSucceeds() throws Exception {
        JobRef ref = gateway.submit(spec("dok"));
        CompletableFuture<JobOutcome> f = gateway.follow(ref);
        controller.running(ns(), ref.name());
        assertFalse(f.isDone());
        controller.succeed(ns(), ref.name());
        JobOutcome o = outcome(f);
        assertTrue(o.succeeded(), o.toString());
        assertEquals(controller.podName(ns(), ref.name()), o.podName());
    }

    @Test
    void followTellsOnceWhenThePodStartsAndBeforeTheOutcome() throws Exception {
        JobRef ref = gateway.submit(spec("dstart"));
        List<PodStarted> told = new CopyOnWriteArrayList<>();
        List<Boolean> doneWhenTold = new CopyOnWriteArrayList<>();
        AtomicReference<CompletableFuture<JobOutcome>> followed = new AtomicReference<>();
        followed.set(gateway.follow(ref, pod -> {
            told.add(pod);
            doneWhenTold.add(followed.get() != null && followed.get().isDone());
        }));
        controller.running(ns(), ref.name());
        String pod = controller.podName(ns(), ref.name());
        Instant deadline = Instant.now().plus(WAIT);
        while (told.isEmpty() && Instant.now().isBefore(deadline)) {
            Thread.sleep(20);
        }
        assertEquals(1, told.size(), "told while the Job still runs: " + told);
        assertEquals(pod, told.get(0).podName());
        assertFalse(followed.get().isDone());
        controller.writeLog(ns(), ref.name(), "working\n"); // one more change to the pod: no second report
        controller.succeed(ns(), ref.name());
        assertTrue(outcome(followed.get()).succeeded());
        assertEquals(1, told.size(), "once per pod: " + told);
        assertEquals(List.of(false), doneWhenTold, "told before the outcome");
    }

    @Test
    void aJobThatSucceedsBeforeItsPodIsSeenRunningStillTellsItsPodStarted() throws Exception {
        JobRef ref = gateway.submit(spec("dquick"));
        List<String> told = new CopyOnWriteArrayList<>();
        CompletableFuture<JobOutcome> f = gateway.follow(ref, pod -> told.add(pod.podName()));
        controller.succeed(ns(), ref.name());
        assertTrue(outcome(f).succeeded());
        assertEquals(List.of(controller.podName(ns(), ref.name())), told);
    }

    @Test
    void aPodThatNeverStartsIsNotToldAndAFailingListenerChangesNothing() throws Exception {
        JobRef ref = gateway.submit(spec("dnever"));
        AtomicInteger calls = new AtomicInteger();
        CompletableFuture<JobOutcome> f = gateway.follow(ref, pod -> {
            calls.incrementAndGet();
            throw new IllegalStateException("listener bug");
        });
        controller.waiting(ns(), ref.name(), "ImagePullBackOff", "Back-off pulling image");
        assertEquals("ImagePullBackOff", outcome(f).reason());
        assertEquals(0, calls.get());

        JobRef ran = gateway.submit(spec("dthrows"));
        CompletableFuture<JobOutcome> g = gateway.follow(ran, pod -> {
            calls.incrementAndGet();
            throw new IllegalStateException("listener bug");
        });
        controller.running(ns(), ran.name());
        controller.succeed(ns(), ran.name());
        assertTrue(outcome(g).succeeded(), "a listener that throws does not break the follow");
        assertEquals(1, calls.get());
    }

    @Test
    void followOfAFinishedJobCompletesAtOnce() throws Exception {
        JobSpec spec = spec("ddone");
        JobRef ref = gateway.submit(spec);
        controller.succeed(ns(), ref.name());
        try (ClusterGateway restarted = factory().create(settings(kubeconfig()).build())) {
            JobRef adopted = restarted.submit(spec);
            assertTrue(adopted.adopted());
            assertTrue(outcome(restarted.follow(adopted)).succeeded());
        }
    }

    @Test
    void followReportsExitCodeAndLogTailWhenTheTaskFails() throws Exception {
        JobRef ref = gateway.submit(spec("dfail"));
        CompletableFuture<JobOutcome> f = gateway.follow(ref);
        controller.running(ns(), ref.name());
        controller.writeLog(ns(), ref.name(), "starting\nworking\nException in thread \"main\" boom\n\tat Task.run\n");
        controller.fail(ns(), ref.name(), 3);
        JobOutcome o = outcome(f);
        assertFalse(o.succeeded());
        assertEquals("BackoffLimitExceeded", o.reason());
        assertTrue(o.message().contains("exit code 3"), o.message());
        assertEquals(controller.podName(ns(), ref.name()), o.podName());
        assertTrue(o.logTail().contains("Exception in thread \"main\" boom"), o.logTail());
        assertTrue(o.logTail().contains("at Task.run"), o.logTail());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "ImagePullBackOff|Back-off pulling image \"127.0.0.1:5000/valence-task:t1\"",
        "ErrImagePull|failed to pull and unpack image \"127.0.0.1:5000/valence-task:t1\": not found",
        "InvalidImageName|Failed to apply default image tag \"UPPER/Case\": invalid reference format",
        "CreateContainerConfigError|secret \"db-password\" not found",
    })
    void failsFastWhenTheContainerCannotStart(String reason, String message) throws Exception {
        JobRef ref = gateway.submit(spec("dwait"));
        CompletableFuture<JobOutcome> f = gateway.follow(ref);
        controller.waiting(ns(), ref.name(), reason, message);
        JobOutcome o = outcome(f);
        assertFalse(o.succeeded());
        assertEquals(reason, o.reason());
        assertTrue(o.message().contains(message), o.message());
        assertEquals(controller.podName(ns(), ref.name()), o.podName());
        assertNull(stored(ref.name()).getStatus().getConditions().stream().filter(c -> c.getType().equals("Failed"))
                .findAny().orElse(null), "the stand-in never failed the Job: the gateway must not wait for it");
    }

    @Test
    void failsFastOnOomKilledWithLogTail() throws Exception {
        JobRef ref = gateway.submit(spec("doom"));
        CompletableFuture<JobOutcome> f = gateway.follow(ref);
        controller.running(ns(), ref.name());
        controller.writeLog(ns(), ref.name(), "allocating\nallocating more\n");
        controller.oomKill(ns(), ref.name());
        JobOutcome o = outcome(f);
        assertFalse(o.succeeded());
        assertEquals("OOMKilled", o.reason());
        assertTrue(o.logTail().contains("allocating more"), o.logTail());
    }

    @Test
    void failsWithEvictedWhenThePodWasEvicted() throws Exception {
        JobRef ref = gateway.submit(spec("devict"));
        CompletableFuture<JobOutcome> f = gateway.follow(ref);
        controller.running(ns(), ref.name());
        controller.writeLog(ns(), ref.name(), "half way\n");
        controller.evict(ns(), ref.name());
        JobOutcome o = outcome(f);
        assertFalse(o.succeeded());
        assertEquals("Evicted", o.reason());
        assertTrue(o.message().contains("low on resource: memory"), o.message());
        assertTrue(o.logTail().contains("half way"), o.logTail());
    }

    @Test
    void failsWhenUnschedulableLongerThanTheGrace() throws Exception {
        JobRef ref = gateway.submit(spec("dunsched"));
        CompletableFuture<JobOutcome> f = gateway.follow(ref);
        Instant since = controller.unschedulable(ns(), ref.name(), "0/1 nodes are available: 1 Insufficient nvidia.com/gpu.");
        JobOutcome o = outcome(f);
        assertFalse(o.succeeded());
        assertEquals("Unschedulable", o.reason());
        assertTrue(o.message().contains("Insufficient nvidia.com/gpu"), o.message());
        assertFalse(o.finishedAt().isBefore(since.plusSeconds(1)), "failed before unschedulable_grace (1 s) passed");
    }

    @Test
    void failsWithDeadlineExceeded() throws Exception {
        JobRef ref = gateway.submit(spec("ddeadline"));
        CompletableFuture<JobOutcome> f = gateway.follow(ref);
        controller.running(ns(), ref.name());
        controller.deadlineExceeded(ns(), ref.name());
        JobOutcome o = outcome(f);
        assertFalse(o.succeeded());
        assertEquals("DeadlineExceeded", o.reason());
    }

    @Test
    void failsFastWithTheMessageOfTheJobsFailedCreateEvent() throws Exception {
        JobRef ref = gateway.submit(spec("drefused"));
        CompletableFuture<JobOutcome> f = gateway.follow(ref);
        String refused = "pods \"" + ref.name() + "-x7k2p\" is forbidden: violates PodSecurity \"baseline:latest\": "
                + "hostPath volumes (volume \"valence-data\")";
        controller.failedCreate(ns(), ref.name(), refused);
        JobOutcome outcome = outcome(f);
        assertFalse(outcome.succeeded());
        assertEquals("FailedCreate", outcome.reason());
        assertEquals("Error creating: " + refused, outcome.message());
        assertEquals(java.util.Optional.empty(), outcome.pod());
    }

    @Test
    void anotherJobsFailedCreateIsNotThisJobsAndAnExhaustedQuotaEndsItWithTheEventsMessage() throws Exception {
        JobRef other = gateway.submit(spec("dother"));
        JobRef ref = gateway.submit(spec("dquota"));
        CompletableFuture<JobOutcome> f = gateway.follow(ref);
        controller.failedCreate(ns(), other.name(), "pods \"x\" is forbidden: violates PodSecurity \"restricted:latest\"");
        controller.failedCreate(ns(), ref.name(), "pods \"" + ref.name() + "-q\" is forbidden: exceeded quota: compute, "
                + "requested: memory=64Mi, used: memory=1Gi, limited: memory=1Gi");
        // the quota may free up: it ends only after unschedulable_grace (1 s here), with the event's message
        JobOutcome outcome = outcome(f);
        assertEquals("FailedCreate", outcome.reason());
        assertTrue(outcome.message().contains("exceeded quota"), outcome.message());
        gateway.cancel(other);
    }

    @Test
    void oneWatchServesManyJobs() throws Exception {
        List<JobRef> refs = new ArrayList<>();
        List<CompletableFuture<JobOutcome>> futures = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            JobRef ref = gateway.submit(spec("dmany"));
            refs.add(ref);
            futures.add(gateway.follow(ref));
        }
        bed.takeRequests();
        for (int i = refs.size() - 1; i >= 0; i--) {
            if (i % 3 == 0) {
                controller.fail(ns(), refs.get(i).name(), 2);
            } else {
                controller.succeed(ns(), refs.get(i).name());
            }
        }
        for (int i = 0; i < refs.size(); i++) {
            JobOutcome o = outcome(futures.get(i));
            assertEquals(i % 3 != 0, o.succeeded(), refs.get(i) + ": " + o);
        }
        // reading a failed pod's log is fine; asking about one Job (by name or job-name selector) is polling
        List<String> perJob = bed.takeRequests().stream()
                .filter(r -> r.method().equals("GET"))
                .map(ApiServerBed.Request::path)
                .filter(p -> refs.stream().anyMatch(ref -> p.contains("/jobs/" + ref.name())
                        || p.contains("job-name%3D" + ref.name()) || p.contains("job-name=" + ref.name())
                        || p.contains("metadata.name%3D" + ref.name() + "&") || p.endsWith("metadata.name%3D" + ref.name())))
                .collect(Collectors.toList());
        assertEquals(List.of(), perJob, "following must not poll each Job; one shared watch or list serves all");
    }

    // ---- following by watch ----

    /** A gateway whose resync is too rare to matter in a test: what it notices, a watch told it. */
    private ClusterGateway watchOnlyGateway() {
        return open(settings(kubeconfig()).k8sContext(ApiServerBed.CONTEXT).pollFreq(Duration.ofMinutes(10)).build());
    }

    /**
     * Waits until a watch of Jobs and one of pods of the namespace reached the server since the last take;
     * gives the requests seen meanwhile.
     */
    private static List<ApiServerBed.Request> awaitWatches() throws InterruptedException {
        boolean jobs = false;
        boolean pods = false;
        List<ApiServerBed.Request> seen = new ArrayList<>();
        Instant deadline = Instant.now().plus(WAIT);
        while (!(jobs && pods) && Instant.now().isBefore(deadline)) {
            for (ApiServerBed.Request r : bed.takeRequests()) {
                seen.add(r);
                boolean watch = r.method().equals("GET") && (r.path().contains("watch=true") || r.path().contains("watch=1"));
                jobs |= watch && r.path().startsWith("/apis/batch/v1/namespaces/" + ns() + "/jobs");
                pods |= watch && r.path().startsWith("/api/v1/namespaces/" + ns() + "/pods");
            }
            Thread.sleep(20);
        }
        assertTrue(jobs && pods, "no watch of jobs and pods in " + ns() + " reached the server (jobs " + jobs
                + ", pods " + pods + ")");
        return seen;
    }

    @Test
    void anOutcomeIsNoticedByTheWatchWithoutWaitingForTheResync() throws Exception {
        ClusterGateway g = watchOnlyGateway();
        JobRef ref = g.submit(spec("dwatch"));
        bed.takeRequests();
        List<String> told = new CopyOnWriteArrayList<>();
        CompletableFuture<JobOutcome> f = g.follow(ref, pod -> told.add(pod.podName()));
        awaitWatches();
        controller.running(ns(), ref.name());
        controller.fail(ns(), ref.name(), 3);
        JobOutcome o = outcome(f);
        assertFalse(o.succeeded());
        assertTrue(o.message().contains("exit code 3"), o.toString());
        assertEquals(List.of(controller.podName(ns(), ref.name())), told);
    }

    @Test
    void aDroppedWatchIsReopenedAndWhatChangedMeanwhileIsNoticed() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(watchesOverChunkedHttp(), "the fault switches serve chunked watches");
        ChunkedWatchFrontDoor door = bed.chunkedWatches();
        ClusterGateway g = watchOnlyGateway();
        JobRef ref = g.submit(spec("ddrop"));
        bed.takeRequests();
        CompletableFuture<JobOutcome> f = g.follow(ref);
        awaitWatches();
        int opened = door.watchesOpened();
        door.dropWatches();
        controller.succeed(ns(), ref.name());
        assertTrue(outcome(f).succeeded());
        assertTrue(door.watchesOpened() > opened, "the dropped watches were reopened");
    }

    @Test
    void aWatchAnswered410GoneListsAgainAndWatchesOn() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(watchesOverChunkedHttp(), "the fault switches serve chunked watches");
        ChunkedWatchFrontDoor door = bed.chunkedWatches();
        ClusterGateway g = watchOnlyGateway();
        JobRef first = g.submit(spec("dgone410"));
        bed.takeRequests();
        CompletableFuture<JobOutcome> f = g.follow(first);
        awaitWatches();
        door.goneNext(2);
        door.dropWatches();
        // both watches meet 410, list again and watch from the new list's version
        List<String> lists = awaitWatches().stream()
                .filter(r -> r.method().equals("GET") && !r.path().contains("watch="))
                .map(r -> r.path().substring(0, r.path().indexOf('?') < 0 ? r.path().length() : r.path().indexOf('?')))
                .filter(p -> p.endsWith("/jobs") || p.endsWith("/pods")).distinct().sorted().toList();
        assertEquals(List.of("/api/v1/namespaces/" + ns() + "/pods", "/apis/batch/v1/namespaces/" + ns() + "/jobs"), lists,
                "after 410 Gone both kinds are listed again before watching on");
        JobRef second = g.submit(spec("dgone410"));
        CompletableFuture<JobOutcome> s = g.follow(second);
        controller.succeed(ns(), first.name());
        controller.fail(ns(), second.name(), 1);
        assertTrue(outcome(f).succeeded());
        assertFalse(outcome(s).succeeded());
    }

    @Test
    void anApiServerRestartIsSurvivedAndWhatChangedWhileItWasDownIsNoticed() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(watchesOverChunkedHttp(), "the fault switches serve chunked watches");
        ChunkedWatchFrontDoor door = bed.chunkedWatches();
        ClusterGateway g = watchOnlyGateway();
        JobRef ref = g.submit(spec("drestart"));
        bed.takeRequests();
        CompletableFuture<JobOutcome> f = g.follow(ref);
        awaitWatches();
        door.down();
        try {
            controller.running(ns(), ref.name());
            controller.succeed(ns(), ref.name());
            Thread.sleep(1500); // the watch fails to reopen a few times
            assertFalse(f.isDone(), "nothing can be noticed while the API server is away");
        } finally {
            door.up();
        }
        assertTrue(outcome(f).succeeded());
    }

    @Test
    void whileAWatchCannotReopenTheListEveryPollFreqStandsIn() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(watchesOverChunkedHttp(), "the fault switches serve chunked watches");
        ChunkedWatchFrontDoor door = bed.chunkedWatches();
        JobRef ref = gateway.submit(spec("dstandin"));
        bed.takeRequests();
        CompletableFuture<JobOutcome> f = gateway.follow(ref);
        awaitWatches();
        door.refuseWatches(true);
        try {
            controller.succeed(ns(), ref.name());
            assertTrue(outcome(f).succeeded(), "poll_freq is 1 s here: the list notices the outcome");
        } finally {
            door.refuseWatches(false);
        }
    }

    // ---- cancel ----

    @Test
    void cancelDeletesTheJobInTheBackgroundAndEndsFollowWithDeleted() throws Exception {
        JobRef ref = gateway.submit(spec("dcancel"));
        CompletableFuture<JobOutcome> f = gateway.follow(ref);
        controller.running(ns(), ref.name());
        bed.takeRequests();
        assertTrue(gateway.cancel(ref));
        JobOutcome o = outcome(f);
        assertFalse(o.succeeded());
        assertEquals("Deleted", o.reason());
        assertNull(stored(ref.name()));
        List<ApiServerBed.Request> deletes = bed.takeRequests().stream()
                .filter(r -> r.method().equals("DELETE") && r.path().contains("/jobs/" + ref.name())).toList();
        assertEquals(1, deletes.size(), "one DELETE of the Job");
        assertTrue(deletes.get(0).body().contains("Background") || deletes.get(0).path().contains("propagationPolicy=Background"),
                "the Job must be deleted with propagationPolicy Background so its pods go too: " + deletes.get(0));
        assertFalse(gateway.cancel(ref), "a second cancel finds nothing");
    }

    @Test
    void jobDeletedBySomeoneElseEndsFollowWithDeleted() throws Exception {
        JobRef ref = gateway.submit(spec("dgone"));
        CompletableFuture<JobOutcome> f = gateway.follow(ref);
        bed.client().batch().v1().jobs().inNamespace(ns()).withName(ref.name()).delete();
        JobOutcome o = outcome(f);
        assertFalse(o.succeeded());
        assertEquals("Deleted", o.reason());
    }

    // ---- Indexed Jobs (maps) ----

    /** A spec of an Indexed Job of {@code completions} indexes. */
    protected static JobSpec indexedSpec(String dispatch, int completions) {
        JobSpec base = spec(dispatch);
        return JobSpec.builder().name(base.name()).image(base.image()).command(base.command()).labels(base.labels())
                .completions(completions).build();
    }

    @Test
    void anIndexedJobIsSubmittedWithCompletionsParallelismAndPerIndexRetries() {
        JobSpec s = indexedSpec("dindexed", 5);
        JobSpec perIndex = JobSpec.builder().name(s.name()).image(s.image()).labels(s.labels()).completions(5)
                .parallelism(2).backoffLimitPerIndex(1).backoffLimit(0).build();
        gateway.submit(perIndex);
        Job job = stored(perIndex.name());
        assertEquals("Indexed", job.getSpec().getCompletionMode());
        assertEquals(5, job.getSpec().getCompletions());
        assertEquals(2, job.getSpec().getParallelism());
        assertEquals(1, job.getSpec().getBackoffLimitPerIndex());
        assertEquals(Integer.MAX_VALUE, job.getSpec().getBackoffLimit(), "the Job-wide limit is the server's default");

        JobSpec jobWide = JobSpec.builder().name(s.name() + "-old").image(s.image()).labels(s.labels()).completions(3)
                .parallelism(3).backoffLimit(2).build();
        gateway.submit(jobWide);
        Job old = stored(jobWide.name());
        assertEquals("Indexed", old.getSpec().getCompletionMode());
        assertEquals(2, old.getSpec().getBackoffLimit());
        assertNull(old.getSpec().getBackoffLimitPerIndex());
    }

    @Test
    void anIndexedJobWithFailedIndexesEndsFailedWithThatReasonThoughMostIndexesSucceeded() throws Exception {
        JobRef ref = gateway.submit(indexedSpec("dindexfail", 4));
        CompletableFuture<JobOutcome> f = gateway.follow(ref);
        controller.indexedProgress(ns(), ref.name(), new java.util.TreeSet<>(List.of(0, 1)), 0, 2);
        assertEquals("0-1", stored(ref.name()).getStatus().getCompletedIndexes());
        controller.indexedEnded(ns(), ref.name(), new java.util.TreeSet<>(List.of(0, 1, 3)), new java.util.TreeSet<>(List.of(2)));
        assertEquals("2", stored(ref.name()).getStatus().getFailedIndexes());
        JobOutcome o = outcome(f);
        assertFalse(o.succeeded());
        assertEquals("FailedIndexes", o.reason());
    }

    @Test
    void followTellsEachFailedPodOfAnIndexedJobWithItsCompletionIndex() throws Exception {
        JobRef ref = gateway.submit(indexedSpec("dindexpods", 3));
        Map<String, java.util.OptionalInt> failed = new java.util.concurrent.ConcurrentHashMap<>();
        Map<String, String> reasons = new java.util.concurrent.ConcurrentHashMap<>();
        CompletableFuture<Void> both = new CompletableFuture<>();
        CompletableFuture<JobOutcome> f = gateway.follow(ref, new JobListener() {
            @Override
            public void podStarted(PodStarted pod) {
            }

            @Override
            public void podFailed(String podName, java.util.OptionalInt completionIndex, String reason) {
                failed.put(podName, completionIndex);
                reasons.put(podName, reason);
                if (failed.size() == 2) {
                    both.complete(null);
                }
            }
        });
        String ok = controller.indexedPodExited(ns(), ref.name(), 0, 0);
        String two = controller.indexedPodExited(ns(), ref.name(), 2, 1);
        String twoAgain = controller.indexedPodExited(ns(), ref.name(), 2, 137);
        both.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertEquals(Map.of(two, java.util.OptionalInt.of(2), twoAgain, java.util.OptionalInt.of(2)), failed);
        assertEquals(Map.of(two, "Error, exit code 1", twoAgain, "Error, exit code 137"), reasons,
                "each failed pod with its container's reason and exit code");
        assertFalse(failed.containsKey(ok));
        controller.indexedEnded(ns(), ref.name(), new java.util.TreeSet<>(List.of(0, 1, 2)), new java.util.TreeSet<>());
        assertTrue(outcome(f).succeeded());
    }

    @Test
    void followTellsEachPodOfAnIndexedJobThatExitedZeroBeforeTheJobIsComplete() throws Exception {
        JobRef ref = gateway.submit(indexedSpec("dindexok", 3));
        java.util.Set<String> succeeded = java.util.concurrent.ConcurrentHashMap.newKeySet();
        CompletableFuture<Void> all = new CompletableFuture<>();
        CompletableFuture<JobOutcome> f = gateway.follow(ref, new JobListener() {
            @Override
            public void podStarted(PodStarted pod) {
            }

            @Override
            public void podSucceeded(String podName) {
                succeeded.add(podName);
                if (succeeded.size() == 3) {
                    all.complete(null);
                }
            }
        });
        java.util.Set<String> pods = new java.util.HashSet<>();
        for (int i = 0; i < 3; i++) {
            pods.add(controller.indexedPodExited(ns(), ref.name(), i, 0));
        }
        all.get(WAIT.toSeconds(), TimeUnit.SECONDS); // what a map finishes on, before the Job's Complete
        assertEquals(pods, succeeded);
        assertFalse(f.isDone(), "the Job itself is not complete yet");
        controller.indexedEnded(ns(), ref.name(), new java.util.TreeSet<>(List.of(0, 1, 2)), new java.util.TreeSet<>());
        assertTrue(outcome(f).succeeded());
    }

    @Test
    void listShowsAnIndexedJobsProgressAndAPlainJobsNone() {
        JobRef indexed = gateway.submit(indexedSpec("dindexlist", 10));
        JobRef plain = gateway.submit(spec("dindexlist"));
        controller.indexedProgress(ns(), indexed.name(), new java.util.TreeSet<>(List.of(0, 1, 2, 5)), 1, 3);
        Map<String, JobInfo> found = gateway.list(Map.of(ClusterGateway.DISPATCH_LABEL, "dindexlist")).stream()
                .collect(Collectors.toMap(JobInfo::name, i -> i));
        assertEquals(Optional.of(new JobInfo.Progress(10, 4, 1, 3)), found.get(indexed.name()).progress());
        assertEquals(JobInfo.Phase.RUNNING, found.get(indexed.name()).phase(), "4 of 10 succeeded is not the Job's success");
        assertEquals(Optional.empty(), found.get(plain.name()).progress());
    }

    @Test
    void serverVersionIsTheOneTheServerReports() {
        assertEquals(Optional.of(new ClusterVersion(1, 31)), gateway.serverVersion());
        bed.serverMinorVersion(33);
        try {
            assertTrue(gateway.serverVersion().orElseThrow().hasBackoffLimitPerIndex());
        } finally {
            bed.serverMinorVersion(31);
        }
    }

    // ---- list and logs ----

    @Test
    void listFindsJobsByLabelsWithTheirPhase() {
        JobRef a = gateway.submit(spec("dlist"));
        JobRef b = gateway.submit(spec("dlist"));
        JobRef c = gateway.submit(spec("dlist"));
        gateway.submit(spec("dlist-other"));
        controller.running(ns(), b.name());
        controller.succeed(ns(), c.name());
        Map<String, JobInfo> found = gateway.list(Map.of(ClusterGateway.DISPATCH_LABEL, "dlist")).stream()
                .collect(Collectors.toMap(JobInfo::name, i -> i));
        assertEquals(java.util.Set.of(a.name(), b.name(), c.name()), found.keySet());
        assertEquals(JobInfo.Phase.PENDING, found.get(a.name()).phase());
        assertEquals(JobInfo.Phase.RUNNING, found.get(b.name()).phase());
        assertEquals(JobInfo.Phase.SUCCEEDED, found.get(c.name()).phase());
        assertEquals(ns(), found.get(a.name()).namespace());
        assertEquals("valence", found.get(a.name()).labels().get(ClusterGateway.MANAGED_BY));
        assertNotNull(found.get(a.name()).created());
        assertTrue(gateway.list(Map.of(ClusterGateway.DISPATCH_LABEL, "dlist-none")).isEmpty());
    }

    @Test
    void logsGivesTheTailOfThePodLog() {
        JobRef ref = gateway.submit(spec("dlogs"));
        assertEquals("", gateway.logs(ref, 10), "no pod yet");
        controller.running(ns(), ref.name());
        controller.writeLog(ns(), ref.name(), "one\ntwo\nthree\nfour\nfive\n");
        String tail = gateway.logs(ref, 2);
        assertEquals(List.of("four", "five"), tail.lines().toList());
    }

    @Test
    void podLogsGivesTheTailOfThatPodsOwnLog() {
        JobRef ref = gateway.submit(indexedSpec("dpodlogs", 2));
        String zero = controller.indexedPodExited(ns(), ref.name(), 0, 3);
        String one = controller.indexedPodExited(ns(), ref.name(), 1, 3);
        bed.scriptLog(ns(), zero, "zero a\nzero b\nzero c\n");
        bed.scriptLog(ns(), one, "one a\none b\n");
        assertEquals(List.of("zero b", "zero c"), gateway.podLogs(ns(), zero, 2).lines().toList());
        assertEquals(List.of("one a", "one b"), gateway.podLogs(ns(), one, 5).lines().toList());
        assertEquals("", gateway.podLogs(ns(), ref.name() + "-9-gone", 5), "no such pod");
    }

    @Test
    void podsShowsEachPodOfTheJobWithPhaseNodeStateAndExitCode() {
        JobRef ref = gateway.submit(spec("dpods"));
        assertEquals(List.of(), gateway.pods(ref), "no pod yet");
        controller.running(ns(), ref.name());
        String name = controller.podName(ns(), ref.name());
        List<PodInfo> running = gateway.pods(ref);
        assertEquals(1, running.size(), running.toString());
        assertEquals(name, running.get(0).name());
        assertEquals("Running", running.get(0).phase());
        assertEquals(PodInfo.ContainerState.RUNNING, running.get(0).containerState());
        assertTrue(running.get(0).startedAt().isPresent(), running.toString());
        assertTrue(running.get(0).exitCode().isEmpty(), running.toString());
        controller.fail(ns(), ref.name(), 3);
        bed.client().pods().inNamespace(ns()).withName(name).edit(p -> {
            p.getSpec().setNodeName(JobControllerStandIn.NODE);
            return p;
        });
        PodInfo failed = gateway.pods(ref).get(0);
        assertEquals("Failed", failed.phase());
        assertEquals(PodInfo.ContainerState.TERMINATED, failed.containerState());
        assertEquals(java.util.OptionalInt.of(3), failed.exitCode());
        assertEquals(Optional.of("Error"), failed.reason());
        assertEquals("Error", failed.status());
        assertEquals(Optional.of(JobControllerStandIn.NODE), failed.nodeName());
        assertEquals(0, failed.restarts());
        assertTrue(failed.completionIndex().isEmpty());
        assertEquals(List.of(), gateway.pods(gateway.submit(spec("dpods-other"))), "another Job's pods are not its");
    }

    @Test
    void podsOfAnIndexedJobCarryTheirCompletionIndex() {
        JobRef ref = gateway.submit(indexedSpec("dpodsidx", 2));
        String zero = controller.indexedPodExited(ns(), ref.name(), 0, 0);
        String one = controller.indexedPodExited(ns(), ref.name(), 1, 2);
        Map<String, PodInfo> pods = gateway.pods(ref).stream().collect(Collectors.toMap(PodInfo::name, p -> p));
        assertEquals(java.util.Set.of(zero, one), pods.keySet());
        assertEquals(java.util.OptionalInt.of(0), pods.get(zero).completionIndex());
        assertEquals(java.util.OptionalInt.of(1), pods.get(one).completionIndex());
        assertEquals(java.util.OptionalInt.of(0), pods.get(zero).exitCode());
        assertEquals(java.util.OptionalInt.of(2), pods.get(one).exitCode());
    }

    // ---- check and kubeconfig ----

    @Test
    void checkPassesOnAReachableServer() {
        gateway.check();
        assertEquals(ns(), gateway.namespace());
    }

    @Test
    void checkFailsWithTheServerUrlWhenNothingListens() {
        String url = ApiServerBed.closedPortUrl();
        Path kc = bed.writeKubeconfig("closed-" + SEQ.incrementAndGet(), "closed",
                new ApiServerBed.KubeContext("closed", url, "valence-test"));
        ValenceException e = assertThrows(ValenceException.class, () -> open(settings(kc).build()).check());
        assertEquals(ErrorKind.CLUSTER, e.kind());
        assertTrue(e.getMessage().contains(url.replace("http://", "")), e.getMessage());
    }

    /**
     * Issue 26: a refused connection before the server ever answered is said at once (kubectl takes
     * 0.08 s), not after the client's retries; the retries stay for a server that answered and went
     * away. The time is measured in benchmarks/, not here.
     */
    @Test
    void aRefusedConnectionAtFirstContactIsSaidAtOnceAsConnectionRefused() {
        String url = ApiServerBed.closedPortUrl();
        Path kc = bed.writeKubeconfig("refused-" + SEQ.incrementAndGet(), "refused",
                new ApiServerBed.KubeContext("refused", url, "valence-test"));
        ClusterGateway g = open(settings(kc).build());
        ValenceException e = assertThrows(ValenceException.class, () -> g.list(java.util.Map.of()));
        assertEquals(ErrorKind.CLUSTER, e.kind());
        assertTrue(e.getMessage().contains("cannot reach the Kubernetes API at " + url), e.getMessage());
        assertTrue(e.getMessage().contains("connection refused"), e.getMessage());
        assertFalse(e.getMessage().contains("attempts"), "not retried: " + e.getMessage());
    }

    @Test
    void checkFailsWhenTheNamespaceDoesNotExist() {
        ClusterGateway g = open(settings(kubeconfig()).namespace("no-such-ns").build());
        ValenceException e = assertThrows(ValenceException.class, g::check);
        assertEquals(ErrorKind.CONFIG, e.kind());
        assertTrue(e.getMessage().contains("no-such-ns"), e.getMessage());
    }

    @Test
    void checkPassesWithANamespacedRoleThatCannotReadNamespaceObjects() {
        // infra/rbac.yaml grants Jobs and pods in the namespace, not the cluster-scoped Namespace object
        bed.failNext("GET", "/api/v1/namespaces/" + ns(), 1, 403,
                "namespaces \"" + ns() + "\" is forbidden: User \"alice\" cannot get resource \"namespaces\"");
        gateway.check();
    }

    @Test
    void checkDeniedIsAPermissionErrorNamingVerbAndResource() {
        bed.failNext("GET", "/api/v1/namespaces/" + ns(), 1, 403,
                "namespaces \"" + ns() + "\" is forbidden: User \"alice\" cannot get resource \"namespaces\"");
        bed.failNext("GET", "/apis/batch/v1/namespaces/" + ns() + "/jobs", 1, 403,
                "jobs.batch is forbidden: User \"alice\" cannot list resource \"jobs\"");
        ValenceException e = assertThrows(ValenceException.class, gateway::check);
        assertEquals(ErrorKind.PERMISSION, e.kind());
        assertTrue(e.getMessage().contains("list") && e.getMessage().contains("jobs"), e.getMessage());
    }

    @Test
    void unknownContextIsAConfigErrorListingTheKnownOnes() {
        Path kc = bed.writeKubeconfig("two-contexts-" + SEQ.incrementAndGet(), "valence-bed",
                bed.context("valence-bed", "valence-test"), bed.context("kind-dev", ""));
        ValenceException e = assertThrows(ValenceException.class, () -> {
            ClusterGateway g = open(settings(kc).k8sContext("prod").build());
            g.check();
        });
        assertEquals(ErrorKind.CONFIG, e.kind());
        assertTrue(e.getMessage().contains("prod"), e.getMessage());
        assertTrue(e.getMessage().contains("valence-bed") && e.getMessage().contains("kind-dev"), e.getMessage());
    }

    @Test
    void emptyContextMeansTheCurrentContext() {
        Path kc = bed.writeKubeconfig("current-" + SEQ.incrementAndGet(), "here",
                new ApiServerBed.KubeContext("elsewhere", ApiServerBed.closedPortUrl(), "other"),
                bed.context("here", "valence-test"));
        ClusterGateway g = open(settings(kc).k8sContext("").build());
        assertEquals("valence-test", g.namespace());
        g.check();
    }

    @Test
    void namespaceIsTheSettingElseTheContextsElseDefault() {
        Path kc = bed.writeKubeconfig("ns-" + SEQ.incrementAndGet(), "with-ns",
                bed.context("with-ns", "valence-test"), bed.context("without-ns", ""));
        assertEquals("valence-test", open(settings(kc).k8sContext("with-ns").build()).namespace());
        assertEquals("default", open(settings(kc).k8sContext("without-ns").build()).namespace());
        assertEquals("team-a", open(settings(kc).k8sContext("with-ns").namespace("team-a").build()).namespace());
        ClusterGateway g = open(settings(kc).k8sContext("without-ns").build());
        JobRef ref = g.submit(spec("dnsdefault"));
        assertEquals("default", ref.namespace());
        assertNotNull(bed.client().batch().v1().jobs().inNamespace("default").withName(ref.name()).get());
    }

    @Test
    void usesTheGivenKubeconfigFile() {
        try (ApiServerBed other = ApiServerBed.start()) {
            ClusterGateway g = open(settings(other.kubeconfig()).k8sContext(ApiServerBed.CONTEXT).build());
            JobRef ref = g.submit(spec("dfile"));
            assertNotNull(other.client().batch().v1().jobs().inNamespace(ns()).withName(ref.name()).get(),
                    "the Job must go to the server of the given kubeconfig");
            assertNull(stored(ref.name()), "and not to another one");
            g.close();
        }
    }

    /** Waits until the future completes or the wait ends; for subclasses' own tests. */
    protected static boolean completesWithin(CompletableFuture<?> f, Duration d) throws Exception {
        try {
            f.get(d.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        }
    }
}
