package dev.valence.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.valence.api.Task;
import dev.valence.api.Task1;
import dev.valence.api.TaskRun;
import dev.valence.api.TaskStatus;
import dev.valence.core.CacheEntries;
import dev.valence.core.KubernetesExecutor;
import dev.valence.tck.cluster.ApiServerBed;
import dev.valence.tck.cluster.JobControllerStandIn;
import dev.valence.tck.pods.HostDirs;
import dev.valence.tck.pods.RuncPodRunner;
import dev.valence.tck.pods.SharedBeds;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Memoized calls on the real-pod bed (runc pods): identical calls at once make one Job, a later one
 * none (CACHED), a failed call is not cached. Jobs are counted by a watch on the API server. Three pods.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class CallCacheOnBedTest {
    @TempDir
    Path work;

    ApiServerBed api;
    JobControllerStandIn standIn;
    RuncPodRunner runner;
    Watch watch;
    Path store;
    final AtomicInteger jobs = new AtomicInteger();

    static String shout(String s) {
        return s + "!";
    }

    static String refuse(String s) {
        throw new IllegalArgumentException("no " + s);
    }

    @BeforeEach
    void beds() throws IOException {
        api = ApiServerBed.start();
        store = HostDirs.writableByAnyUid(work.resolve("store"));
        runner = RuncPodRunner.builder().client(api.client()).hostPath("/data", store).build();
        standIn = new JobControllerStandIn(api);
        standIn.runJobsWith(runner);
        watch = api.client().batch().v1().jobs().inNamespace(ApiServerBed.NAMESPACE).watch(new Watcher<Job>() {
            @Override
            public void eventReceived(Action action, Job job) {
                if (action == Action.ADDED) {
                    jobs.incrementAndGet();
                }
            }

            @Override
            public void onClose(WatcherException cause) {
            }
        });
    }

    @AfterEach
    void close() {
        watch.close();
        standIn.close();
        runner.close();
        api.close();
    }

    long entries() throws IOException {
        Path cache = store.resolve(CacheEntries.PREFIX);
        if (!Files.isDirectory(cache)) {
            return 0;
        }
        try (Stream<Path> files = Files.walk(cache)) {
            return files.filter(p -> p.getFileName().toString().equals("meta.properties")).count();
        }
    }

    @Test
    void identicalCallsMakeOneJobALaterOneNoneAndAFailureIsNotCached() throws Exception {
        try (KubernetesExecutor k8s = SeedDemoClient.onBed(work, api.kubeconfig(), ApiServerBed.CONTEXT,
                SharedBeds.registry().host(), SharedBeds.jreImage(), store.toString()).cache(true).build()) {
            Task1<String, String> t = Task.of("shout", CallCacheOnBedTest::shout, k8s);
            TaskRun<String> a = t.submit("hi");
            TaskRun<String> b = t.submit("hi");
            assertEquals("hi!", a.await());
            assertEquals("hi!", b.await());
            assertEquals(List.of(TaskStatus.COMPLETED, TaskStatus.CACHED), List.of(a.status(), b.status()));
            TaskRun<String> later = t.submit("hi");
            assertEquals("hi!", later.await());
            assertEquals(TaskStatus.CACHED, later.status());
            assertTrue(later.jobName().isEmpty());
            assertEquals(1, jobs.get(), "one Job for three identical calls");
            assertEquals(1, entries());

            Task1<String, String> failing = Task.of("refuse", CallCacheOnBedTest::refuse, k8s);
            assertThrows(IllegalArgumentException.class, () -> failing.submit("x").await());
            assertEquals(1, entries(), "a failed call is not cached");
            assertThrows(IllegalArgumentException.class, () -> failing.submit("x").await());
            assertEquals(3, jobs.get(), "the failed call ran again");
        }
    }
}
