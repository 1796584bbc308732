package dev.valence.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.valence.api.ErrorKind;
import dev.valence.api.TaskRun;
import dev.valence.api.TaskStatus;
import dev.valence.api.ValenceException;
import dev.valence.core.KubernetesExecutor;
import dev.valence.tck.net.FaultProxy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Faults of the registry: an upload reset and the registry gone for seconds during a build
 * (Jib's own retries carry the build through), an upload cut half-way and a push refused (a
 * clear error, and the next submit builds again), an image deleted from the registry after it was pushed (pushed again before the
 * next Job), and a cancel while the image is being built.
 * The executor pushes through a {@link FaultProxy}; every test has its own class-path content, so
 * every test builds and pushes a new image. The cluster client plays no part: fabric8 only.
 */
class RegistryReliabilityTest extends ReliabilityBed {
    private static final String UPLOADS = "/v2/valence-task/blobs/uploads/.*";

    static FaultProxy registryProxy;
    Path freshClasses;

    @Override
    String clusterClient() {
        return "fabric8";
    }

    @BeforeAll
    static void proxy() {
        registryProxy = FaultProxy.to(registry.port());
    }

    @AfterAll
    static void closeProxy() {
        if (registryProxy != null) {
            registryProxy.close();
        }
    }

    @BeforeEach
    void freshImage() throws IOException {
        freshClasses = Files.createTempDirectory(work, "classes");
        byte[] content = new byte[512 * 1024];
        ThreadLocalRandom.current().nextBytes(content);
        Files.write(freshClasses.resolve("data.bin"), content);
        registryProxy.takeRequests();
    }

    @AfterEach
    void healRegistry() {
        registryProxy.heal();
    }

    @Override
    String registryHost() {
        return registryProxy.hostPort();
    }

    @Override
    List<Path> classpath() {
        return List.of(freshClasses);
    }

    /** The launcher in this JVM: the image here is one fresh random layer, about the push alone. */
    @Override
    boolean realPods() {
        return false;
    }

    /** Waits until the registry has been asked something through the proxy, returning what it saw so far. */
    private static List<String> awaitRegistryRequest(String prefix) {
        List<String> seen = new ArrayList<>();
        waitUntil("a registry request " + prefix, () -> {
            seen.addAll(registryProxy.takeRequests());
            return seen.stream().anyMatch(r -> r.startsWith(prefix));
        });
        return seen;
    }

    private static String digestOf(String image) {
        return image.substring(image.indexOf('@') + 1);
    }

    @Test
    void anUploadResetBeforeItReachedTheRegistryIsRetriedByJib() {
        KubernetesExecutor k8s = executor(Map.of());
        registryProxy.resetNext("PATCH", UPLOADS, 1);
        TaskRun<String> run = k8s.submit(call("n", args -> "pushed"));
        assertEquals("pushed", value(run));
        assertEquals(0, registryProxy.pendingFaults(), "an upload was reset");
        assertTrue(registry.manifest("valence-task", digestOf(images.get("n"))).isPresent());
        assertOneJob(run, ledger);
        assertEquals(1, launches("n"));
    }

    /**
     * An upload cut half-way: Jib retries the request, which works when the registry dropped the
     * partial upload and fails ("blob upload invalid") when it kept it; then the build fails with
     * an error naming the registry, and the next submit builds again, in a new upload.
     */
    @Test
    void anUploadCutHalfWayIsRetriedByJibOrByTheNextSubmit() {
        KubernetesExecutor k8s = executor(Map.of());
        registryProxy.cutUploadNext("PATCH", UPLOADS, 1, 64 * 1024);
        TaskRun<String> first = k8s.submit(call("n", args -> "pushed"));
        waitUntil("the first submit ends", () -> first.result().isDone());
        assertEquals(0, registryProxy.pendingFaults(), "an upload was cut");
        TaskRun<String> delivered = first;
        if (first.result().isCompletedExceptionally()) {
            ValenceException e = valenceError(first);
            assertEquals(ErrorKind.IMAGE, e.kind(), e.toString());
            assertTrue(e.getMessage().contains(registryProxy.hostPort()), "names the registry: " + e.getMessage());
            assertEquals(0, ledger.createdFor(first.call().dispatchId()), "no Job without an image");
            delivered = k8s.submit(first.call());
        }
        assertEquals("pushed", value(delivered));
        assertTrue(registry.manifest("valence-task", digestOf(images.get("n"))).isPresent());
        assertOneJob(delivered, ledger);
        assertEquals(1, launches("n"));
    }

    @Test
    void aRegistryGoneForSecondsDuringTheBuildIsRetriedByJib() throws InterruptedException {
        KubernetesExecutor k8s = executor(Map.of());
        registryProxy.slowAnswers(Duration.ofMillis(200));
        TaskRun<String> run = k8s.submit(call("n", args -> "built after all"));
        awaitRegistryRequest("");
        registryProxy.down(); // the registry stops mid-build (connections cut, then refused) ...
        Thread.sleep(3000);
        registryProxy.up(); // ... and is back on the same port
        assertEquals("built after all", value(run));
        assertOneJob(run, ledger);
        assertEquals(1, launches("n"));
    }

    @Test
    void aRefusedPushFailsClearlyAndTheNextSubmitBuilds() {
        KubernetesExecutor k8s = executor(Map.of());
        registryProxy.answerNext("POST", UPLOADS, 1, 403);
        TaskRun<String> first = k8s.submit(call("n", args -> "built on the second submit"));
        ValenceException e = valenceError(first);
        assertTrue(e.kind() == ErrorKind.IMAGE || e.kind() == ErrorKind.PERMISSION, e.toString());
        assertTrue(e.getMessage().contains(registryProxy.hostPort()), "names the registry: " + e.getMessage());
        assertEquals(0, ledger.createdFor(first.call().dispatchId()), "no Job without an image");
        assertEquals(0, artifacts(first.call().dispatchId()), "the input of a task that was never submitted is removed");

        TaskRun<String> again = k8s.submit(first.call());
        assertEquals("built on the second submit", value(again));
        assertOneJob(again, ledger);
        assertEquals(1, launches("n"));
    }

    @Test
    void anImageGoneFromTheRegistryIsPushedAgainBeforeTheNextJob() {
        KubernetesExecutor k8s = executor(Map.of());
        assertEquals("first", value(k8s.submit(call("first", args -> "first"))));
        String image = images.get("first");
        String digest = digestOf(image);
        registry.deleteManifest("valence-task", digest);
        assertFalse(registry.manifest("valence-task", digest).isPresent(), "deleted (as by a registry's garbage collection)");

        assertEquals("second", value(k8s.submit(call("second", args -> "second"))), "the same executor pushes it again");
        assertTrue(registry.manifest("valence-task", digest).isPresent());
        assertEquals(image, images.get("second"), "the same content gives the same digest");

        registry.deleteManifest("valence-task", digest);
        assertEquals("third", value(executor(Map.of()).submit(call("third", args -> "third"))),
                "a new executor with the same cache_dir does not trust its cache blindly");
        assertTrue(registry.manifest("valence-task", digest).isPresent());
    }

    @Test
    void aRegistryDownAfterThePushDoesNotStopTasksOfACachedImage() {
        KubernetesExecutor k8s = executor(Map.of());
        assertEquals("before", value(k8s.submit(call("before", args -> "before"))));
        registryProxy.down(); // the executor cannot ask the registry; the nodes still pull (or have) the image
        assertEquals("during", value(k8s.submit(call("during", args -> "during"))),
                "the cached digest is used when the registry cannot say whether it still has the image");
        assertEquals(images.get("before"), images.get("during"));
        assertEquals("still during", value(executor(Map.of()).submit(call("still", args -> "still during"))),
                "a new executor with the same cache_dir too");
    }

    @Test
    void cancellingDuringTheImageBuildLeavesNothingBehind() {
        KubernetesExecutor k8s = executor(Map.of());
        registryProxy.slowAnswers(Duration.ofMillis(300));
        TaskRun<String> run = k8s.submit(call("building", args -> "never"));
        awaitRegistryRequest("");
        String dispatch = run.call().dispatchId();
        waitUntil("the input is in the store", () -> artifacts(dispatch) == 1);
        assertTrue(run.cancel());
        assertEquals(TaskStatus.CANCELLED, run.status());
        waitUntil("the artifacts are removed once the build ends", () -> artifacts(dispatch) == 0);
        awaitRegistryRequest("PUT /v2/valence-task/manifests/"); // the build (shared by later tasks) went on
        assertTrue(jobs(dispatch).isEmpty());
        assertEquals(0, ledger.createdFor(dispatch), "no Job was ever created");
        assertEquals(0, launches("building"));
    }
}
