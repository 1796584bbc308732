package dev.valence.benchmarks;

import dev.valence.api.Node;
import dev.valence.api.NodeResult;
import dev.valence.api.Task;
import dev.valence.api.Task1;
import dev.valence.api.Task2;
import dev.valence.api.TaskStatus;
import dev.valence.api.Workflow;
import dev.valence.api.Workflow1;
import dev.valence.api.WorkflowResult;
import dev.valence.core.Dispatcher;
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
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Issue 24: a workflow of {@code --nodes} task nodes (leaves and one sum over them) whose tasks have
 * {@code cache = true}, dispatched twice on the real-pod bed (runc pods, the stand-in Job controller): the
 * first dispatch runs every node as a Job; the second finds every output in the call cache. Jobs are
 * counted by a watch on the API server. Goal: the second creates 0 Jobs and takes ≤ 5% of the first.
 */
public final class CachedWorkflow {
    private CachedWorkflow() {
    }

    /** Runs with {@code --key=value} options (see benchmarks/README.md). */
    public static void main(String[] args) throws Exception {
        Logging.quiet();
        run(Options.parse(args), System.out);
        System.exit(0);
    }

    static int leaf(int seed, int i) {
        return seed * 31 + i;
    }

    static int sum(List<Integer> xs) {
        return xs.stream().mapToInt(Integer::intValue).sum();
    }

    static void run(Options o, PrintStream out) throws Exception {
        o.only("nodes", "parallel-pods");
        int nodes = o.integer("nodes", 20);
        Path work = Files.createTempDirectory("valence-cached");
        Path store = HostDirs.writableByAnyUid(work.resolve("store"));
        AtomicInteger jobs = new AtomicInteger();
        try (ApiServerBed api = ApiServerBed.start();
             RuncPodRunner runner = RuncPodRunner.builder().client(api.client()).hostPath("/data", store).build();
             JobControllerStandIn standIn = new JobControllerStandIn(api, JobControllerStandIn.Options.builder()
                     .completionDelay(Duration.ZERO).parallelPods(o.integer("parallel-pods", 4)).build());
             Watch watch = api.client().batch().v1().jobs().inNamespace(ApiServerBed.NAMESPACE).watch(new Watcher<Job>() {
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
             KubernetesExecutor k8s = KubernetesExecutor.builder().environment(Map.of()).userHome(work)
                     .k8sConfigFile(api.kubeconfig()).k8sContext(ApiServerBed.CONTEXT).registry(SharedBeds.registry().host())
                     .baseImage(SharedBeds.jreImage()).dataStore(store.toString()).set("data_store_mount", "/data")
                     .cacheDir(work.resolve("cache")).pollFreq(Duration.ofSeconds(10)).cache(true).build();
             Dispatcher dispatcher = new Dispatcher(work.resolve("records"))) {
            standIn.runJobsWith(runner);
            k8s.prepareImage().join();
            Task2<Integer, Integer, Integer> leaf = Task.of("leaf", CachedWorkflow::leaf, k8s);
            Task1<List<Integer>, Integer> total = Task.of("sum", CachedWorkflow::sum, k8s);
            Workflow1<Integer, Integer> wf = Workflow.of("cached", (Node<Integer> seed) -> {
                List<Node<Integer>> leaves = new ArrayList<>();
                for (int i = 0; i < nodes - 1; i++) {
                    leaves.add(leaf.call(seed, Node.of(i)));
                }
                return total.call(Node.gather(leaves));
            });
            out.println("real-pod bed (mock API server, runc pods, " + o.integer("parallel-pods", 4)
                    + " at once); a workflow of " + nodes + " task nodes with cache = true, dispatched twice");
            long t0 = System.nanoTime();
            WorkflowResult<Integer> first = dispatcher.result(dispatcher.dispatch(wf, List.of(7)), true);
            long firstNs = System.nanoTime() - t0;
            first.valueOrThrow();
            int firstJobs = jobs.get();
            t0 = System.nanoTime();
            WorkflowResult<Integer> second = dispatcher.result(dispatcher.dispatch(wf, List.of(7)), true);
            long secondNs = System.nanoTime() - t0;
            if (!second.valueOrThrow().equals(first.valueOrThrow())) {
                throw new IllegalStateException("the cached dispatch gave " + second.valueOrThrow() + ", the first "
                        + first.valueOrThrow());
            }
            int secondJobs = jobs.get() - firstJobs;
            long cached = second.nodes().stream().map(NodeResult::status).filter(s -> s == TaskStatus.CACHED).count();
            Table t = new Table("dispatch", "nodes", "Jobs created", "nodes CACHED", "wall ms", "ms per node");
            t.row("first (cache empty)", nodes, firstJobs, first.nodes().stream().filter(n -> n.status() == TaskStatus.CACHED)
                    .count(), Samples.ms(firstNs), Samples.ms(firstNs / nodes));
            t.row("second (same call)", nodes, secondJobs, cached, Samples.ms(secondNs), Samples.ms(secondNs / nodes));
            t.print(out);
            out.printf("second ÷ first = %.4f (%.2f%%; goal <= 5%%), second created %d Jobs (goal 0)%n",
                    (double) secondNs / firstNs, 100.0 * secondNs / firstNs, secondJobs);
        }
    }
}
