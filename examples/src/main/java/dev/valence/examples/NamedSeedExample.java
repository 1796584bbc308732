package dev.valence.examples;

import dev.valence.api.WorkflowResult;
import dev.valence.core.KubernetesExecutor;
import dev.valence.core.Valence;

/**
 * The seed's example as a plain {@code main} with two named executors from one config file:
 * {@code join_words} on {@code [executors.k8s.local_k8s]}, {@code excitement} on
 * {@code [executors.k8s.eks]} (the file from {@code VALENCE_CONFIG}, else
 * {@code ~/.config/valence/valence.toml}).
 */
public final class NamedSeedExample {
    private NamedSeedExample() {
    }

    /** Dispatches {@code simple_workflow("Hello", "World")} and prints {@code Hello, World!}. */
    public static void main(String[] args) {
        try (KubernetesExecutor localK8s = KubernetesExecutor.builder().named(SeedExample.LOCAL_K8S).build();
             KubernetesExecutor eks = KubernetesExecutor.builder().named(SeedExample.EKS).build()) {
            String id = Valence.dispatch(SeedExample.simpleWorkflow(localK8s, eks), "Hello", "World");
            WorkflowResult<String> result = Valence.result(id, String.class, true);
            System.out.println(result.valueOrThrow());
        }
    }
}
