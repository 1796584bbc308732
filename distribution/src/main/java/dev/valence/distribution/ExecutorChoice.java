package dev.valence.distribution;

import dev.valence.api.ErrorKind;
import dev.valence.api.Executor;
import dev.valence.api.Settings;
import dev.valence.api.ValenceException;
import dev.valence.core.KubernetesExecutor;
import dev.valence.core.LocalExecutor;
import dev.valence.spi.ClusterGateway;
import jakarta.inject.Inject;
import jakarta.inject.Provider;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Which executor {@code valence run} uses, and why: Kubernetes (the current kube context) when the
 * cluster answers within a short bound, else the local executor, unless the user asked for one; with
 * {@code auto}, the fallback to local happens only when no cluster setting was given (so a typo in
 * one fails instead of running locally).
 */
final class ExecutorChoice {
    /** The settings that say "use a cluster": set explicitly, {@code auto} fails instead of running locally. */
    static final List<String> CLUSTER_KEYS = List.of("k8s_config_file", "k8s_context", "namespace", "cluster_client");

    /** What {@code --executor} asks for. */
    enum Mode { auto, kubernetes, local }

    /**
     * The executors a workflow gets: {@code kubernetes} is the local executor when the cluster is not
     * used; {@code summary} says which and why, for the user.
     */
    record Chosen(Executor kubernetes, Executor local, boolean onCluster, String summary) {
    }

    private final Provider<Settings> settings;
    private final Provider<ClusterGateway> gateway;
    private final Provider<KubernetesExecutor> kubernetes;
    private final Provider<LocalExecutor> local;

    @Inject
    ExecutorChoice(Provider<Settings> settings, Provider<ClusterGateway> gateway,
            Provider<KubernetesExecutor> kubernetes, Provider<LocalExecutor> local) {
        this.settings = settings;
        this.gateway = gateway;
        this.kubernetes = kubernetes;
        this.local = local;
    }

    /** The local executor (one per invocation). */
    Executor local() {
        return local.get();
    }

    /** Picks the executors; with {@code kubernetes} mode, fails when the cluster cannot be used. */
    Chosen choose(Mode mode, Duration bound) {
        if (mode == Mode.local) {
            return fallback("--executor local was given");
        }
        Settings s = Failures.unwrapped(settings::get);
        String target = target(s);
        if (s.k8sConfigFile().isPresent() && !Files.isRegularFile(s.k8sConfigFile().get())) {
            return notUsable(mode, new ValenceException(ErrorKind.CONFIG,
                    "there is no kubeconfig at " + s.k8sConfigFile().get() + "; start a cluster (minikube start) or "
                    + "set k8s_config_file / KUBECONFIG"), "there is no kubeconfig at " + s.k8sConfigFile().get()
                    + " (no cluster configured)");
        }
        ClusterGateway g;
        try {
            g = Failures.unwrapped(gateway::get);
        } catch (RuntimeException e) {
            return notUsable(mode, e, "the cluster client cannot start: " + Failures.message(e));
        }
        String where = target + ", namespace '" + g.namespace() + "'";
        // with --executor kubernetes the image check (or build) runs while the cluster is checked, so the first Job
        // does not wait for both in turn; with auto it starts once the cluster answered (no build for a local run)
        if (mode == Mode.kubernetes) {
            prepareImage();
        }
        try {
            CompletableFuture.runAsync(g::check, Daemons.EXECUTOR).get(bound.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            return notUsable(mode, e, "the cluster (" + where + ") did not answer within " + bound.toSeconds() + " s");
        } catch (ExecutionException e) {
            return notUsable(mode, e, "the cluster (" + where + ") did not answer: " + Failures.message(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return notUsable(mode, e, "interrupted while checking the cluster");
        }
        KubernetesExecutor k8s;
        try {
            k8s = Failures.unwrapped(kubernetes::get);
        } catch (RuntimeException e) {
            return notUsable(mode, e, "the cluster answered but the Kubernetes executor cannot start: "
                    + Failures.message(e));
        }
        if (mode != Mode.kubernetes) {
            prepareImage();
        }
        return new Chosen(k8s, local.get(), true, "executor: kubernetes, " + where + " (the cluster answered); tasks "
                + "run as Jobs there");
    }

    private void prepareImage() {
        CompletableFuture.runAsync(() -> Failures.unwrapped(kubernetes::get).prepareImage(), Daemons.EXECUTOR)
                .exceptionally(e -> null); // an executor that cannot start says so where it is used
    }

    private Chosen notUsable(Mode mode, Exception e, String why) {
        List<String> configured = mode == Mode.auto ? clusterSettings(Failures.unwrapped(settings::get)) : List.of();
        if (!configured.isEmpty()) {
            throw new ValenceException(ErrorKind.CLUSTER, "--executor auto cannot use the cluster: " + why
                    + "; it falls back to the local executor only when nothing cluster-related is configured, and "
                    + String.join(", ", configured) + (configured.size() == 1 ? " is" : " are") + " set; fix "
                    + (configured.size() == 1 ? "it" : "them") + " ('valence doctor' checks each step), or run with "
                    + "--executor local");
        }
        if (mode == Mode.kubernetes) {
            Throwable cause = Failures.unwrap(e);
            if (cause instanceof RuntimeException r && !(e instanceof TimeoutException)) {
                throw r;
            }
            throw new ValenceException(ErrorKind.CLUSTER, why
                    + "; 'valence doctor' checks each step");
        }
        return fallback(why);
    }

    private Chosen fallback(String why) {
        LocalExecutor l = local.get();
        return new Chosen(l, l, false, "executor: local, because " + why + "; the tasks run in this JVM"
                + (why.startsWith("--executor") ? "" : " (--executor kubernetes requires the cluster; 'valence doctor' "
                + "says what is missing)"));
    }

    /**
     * The cluster settings the user gave (by flag, variable, {@code $KUBECONFIG} or file), each with
     * where it came from: with any of them, {@code auto} does not fall back to local.
     */
    static List<String> clusterSettings(Settings s) {
        List<String> out = new ArrayList<>();
        for (String key : CLUSTER_KEYS) {
            s.entry(key).filter(e -> e.source() != Settings.Source.DEFAULT)
                    .ifPresent(e -> out.add(key + " (" + Settings.label(e) + ")"));
        }
        return out;
    }

    /** The kube context the settings name, for messages. */
    static String target(Settings s) {
        String context = s.k8sContext().map(c -> "context '" + c + "'").orElse("the current context");
        return context + s.k8sConfigFile().map(f -> " of " + f).orElse(" (in-cluster config)");
    }
}
