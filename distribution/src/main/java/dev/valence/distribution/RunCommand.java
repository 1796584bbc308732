package dev.valence.distribution;

import dev.valence.api.Workflow;
import dev.valence.core.DispatchSource;
import dev.valence.core.Dispatcher;
import dev.valence.examples.SeedExample;
import jakarta.inject.Inject;
import jakarta.inject.Provider;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code valence run}: runs a workflow from the class path, or the built-in demo, with per-node progress. */
@Command(name = "run", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Runs a workflow and prints its result. With no WORKFLOW_CLASS, runs the built-in demo: the "
                + "seed's simple_workflow(\"Hello\", \"World\") = excitement(join_words(a, b)), which prints "
                + "'Hello, World!'.",
                "",
                "A workflow class is a public class with:",
                "  " + WorkflowClasses.NAMED_CONVENTION,
                "  " + WorkflowClasses.PAIR_CONVENTION,
                "workflow(NamedExecutors) gets each executor by name, built from its [executors.k8s.<name>] settings "
                        + "(--executor local runs them all in this JVM). With workflow(Executor, Executor), the first "
                        + "executor runs tasks on Kubernetes (or in this JVM when the cluster is not used), the second "
                        + "always in this JVM. ARGS are the workflow's arguments, as strings. Put your classes on "
                        + "VALENCE_CLASSPATH (e.g. VALENCE_CLASSPATH=target/classes).",
                "",
                "With --executor auto (the default), tasks run on the cluster of the current kube context when it "
                        + "answers within --cluster-timeout, else in this JVM; the first line says which and why.",
                "Progress: on a terminal, one line per node, redrawn in place (Valence's INFO log is off unless -v); "
                        + "otherwise a line each time a node changes status. The result goes to stdout, the rest to "
                        + "stderr."})
final class RunCommand implements java.util.concurrent.Callable<Integer> {
    private static final List<String> DEMO_ARGS = List.of("Hello", "World");

    @Parameters(index = "0", arity = "0..1", paramLabel = "WORKFLOW_CLASS",
            description = "Fully qualified name of a workflow class (default: the built-in demo).")
    String workflowClass;

    @Parameters(index = "1..*", paramLabel = "ARGS", description = "The workflow's arguments.")
    List<String> args = new ArrayList<>();

    @Option(names = "--executor", paramLabel = "MODE", defaultValue = "auto",
            description = "auto (the cluster when it answers, else local), kubernetes (fail when the cluster does not "
                    + "answer) or local. Default: ${DEFAULT-VALUE}.")
    ExecutorChoice.Mode mode = ExecutorChoice.Mode.auto;

    @Option(names = "--cluster-timeout", paramLabel = "SECONDS", defaultValue = "5",
            description = "How long to wait for the cluster to answer (default: ${DEFAULT-VALUE} s).")
    int clusterTimeout = 5;

    @Spec
    CommandSpec spec;

    /** {@link DispatchSource#executor()} of a dispatch whose tasks ran on the cluster. */
    static final String KUBERNETES = "kubernetes";
    /** {@link DispatchSource#executor()} of a dispatch whose tasks ran in the CLI's JVM. */
    static final String LOCAL = "local";

    private final ExecutorChoice choice;
    private final Provider<Dispatcher> dispatcher;
    private final CliEnvironment env;
    private final DispatchFollower follower;
    private final Provider<NamedExecutorPool> named;

    @Inject
    RunCommand(ExecutorChoice choice, Provider<Dispatcher> dispatcher, CliEnvironment env, DispatchFollower follower,
            Provider<NamedExecutorPool> named) {
        this.choice = choice;
        this.named = named;
        this.dispatcher = dispatcher;
        this.env = env;
        this.follower = follower;
    }

    @Override
    public Integer call() {
        PrintWriter err = env.err();
        WorkflowClasses.Factory factory = null;
        if (workflowClass != null) {
            try {
                factory = WorkflowClasses.find(workflowClass, Thread.currentThread().getContextClassLoader());
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), e.getMessage());
            }
        }
        if (clusterTimeout < 1) {
            throw new ParameterException(spec.commandLine(), "--cluster-timeout must be 1 or more seconds, was "
                    + clusterTimeout);
        }
        Workflow<?> workflow;
        List<Object> values;
        boolean onCluster;
        if (factory != null && factory.named()) {
            // executors by name: each from its own section; --executor local runs them all in this JVM
            onCluster = mode != ExecutorChoice.Mode.local;
            NamedExecutorPool pool = named.get();
            WorkflowClasses.Factory f = factory;
            try {
                workflow = onCluster ? Failures.unwrapped(() -> WorkflowClasses.create(f, pool))
                        : WorkflowClasses.create(f, name -> choice.local());
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), e.getMessage());
            }
            err.println(onCluster ? "executors: named, each from its [executors.k8s.<name>] settings over [executors.k8s]"
                    : "executors: local for every name, because --executor local was given; the tasks run in this JVM");
            pool.describe().forEach(l -> err.println("  " + l));
        } else {
            ExecutorChoice.Chosen chosen = choice.choose(mode, Duration.ofSeconds(clusterTimeout));
            err.println(chosen.summary());
            onCluster = chosen.onCluster();
            if (factory == null) {
                workflow = SeedExample.simpleWorkflow(chosen.kubernetes(), chosen.kubernetes());
            } else {
                try {
                    workflow = WorkflowClasses.create(factory, chosen.kubernetes(), chosen.local());
                } catch (IllegalArgumentException e) {
                    throw new ParameterException(spec.commandLine(), e.getMessage());
                }
            }
        }
        if (factory == null) {
            values = new ArrayList<>(DEMO_ARGS);
            err.println("workflow: the built-in demo, simple_workflow(\"Hello\", \"World\") = excitement(join_words(a, b))");
        } else {
            values = new ArrayList<>(args);
            if (workflow.arity() != values.size()) {
                throw new ParameterException(spec.commandLine(), "workflow '" + workflow.name() + "' takes "
                        + workflow.arity() + " argument(s) but " + values.size() + " were given: " + args);
            }
            err.println("workflow: " + workflow.name() + " (" + workflowClass + ") with " + values);
        }
        Dispatcher d = Failures.unwrapped(dispatcher::get);
        DispatchSource source = new DispatchSource(Optional.ofNullable(workflowClass),
                factory == null ? DEMO_ARGS : args, onCluster ? KUBERNETES : LOCAL);
        String id = d.dispatch(workflow, values, source);
        err.println("dispatch " + id + " ('valence dispatches " + id + "' shows it):");
        err.flush();
        return follower.followAndReport(d, id);
    }
}
