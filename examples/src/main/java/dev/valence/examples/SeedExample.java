package dev.valence.examples;

import dev.valence.api.Executor;
import dev.valence.api.NamedExecutors;
import dev.valence.api.Node;
import dev.valence.api.Task;
import dev.valence.api.Task1;
import dev.valence.api.Task2;
import dev.valence.api.Workflow;
import dev.valence.api.Workflow2;
import dev.valence.core.LocalExecutor;
import dev.valence.core.Valence;
import dev.valence.api.WorkflowResult;

/**
 * The Covalent Kubernetes plugin's example, in Java: {@code join_words} runs on one executor (a
 * local cluster), its result feeds {@code excitement} on another (an EKS cluster), and
 * {@code simple_workflow} wires them.
 */
public final class SeedExample {
    private SeedExample() {
    }

    /** {@code simple_workflow(a, b) = excitement(join_words(a, b))}, each task on its own executor. */
    public static Workflow2<String, String, String> simpleWorkflow(Executor localCluster, Executor eks) {
        Task2<String, String, String> joinWords = Task.of("join_words", (a, b) -> String.join(", ", a, b), localCluster);
        Task1<String, String> excitement = Task.of("excitement", a -> a + "!", eks);
        return Workflow.of("simple_workflow", (Node<String> a, Node<String> b) -> excitement.call(joinWords.call(a, b)));
    }

    /** The executor names this example asks for: the seed's {@code local_k8s} and {@code eks}. */
    public static final String LOCAL_K8S = "local_k8s";
    /** The seed's EKS executor. */
    public static final String EKS = "eks";

    /**
     * The hook {@code valence run dev.valence.examples.SeedExample Hello World} calls: {@code join_words}
     * on the executor of {@code [executors.k8s.local_k8s]}, {@code excitement} on {@code [executors.k8s.eks]}.
     */
    public static Workflow2<String, String, String> workflow(NamedExecutors executors) {
        return simpleWorkflow(executors.get(LOCAL_K8S), executors.get(EKS));
    }

    /** Runs the example with both tasks on the local executor and prints the result. */
    public static void main(String[] args) {
        try (LocalExecutor local = new LocalExecutor()) {
            String id = Valence.dispatch(simpleWorkflow(local, local), "Hello", "World");
            WorkflowResult<String> result = Valence.result(id, String.class, true);
            System.out.println(result.valueOrThrow());
        }
    }
}
