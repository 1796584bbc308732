package dev.valence.distribution;

import dev.valence.api.Settings;
import dev.valence.api.TaskCall;
import dev.valence.api.Workflow;
import dev.valence.api.WorkflowGraph;
import dev.valence.core.KubernetesExecutor;
import dev.valence.core.LocalExecutor;
import dev.valence.examples.SeedExample;
import jakarta.inject.Inject;
import jakarta.inject.Provider;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code valence render}: the Job YAML that would be submitted for one task, secrets masked. */
@Command(name = "render", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Prints the Job manifest that 'valence run' would submit for one task, like "
                + "'kubectl create --dry-run=client -o yaml', with the values of secret-looking env variables shown "
                + "as ****. Nothing is submitted, built or pushed.",
                "The image is the last one built for the registry and repository of the settings (from the image cache "
                        + "under cache_dir), else a placeholder marked as such."})
final class RenderCommand implements Callable<Integer> {
    static final String DRY_RUN_DISPATCH = "dry-run";

    @Parameters(index = "0", arity = "0..1", paramLabel = "TASK", defaultValue = "join_words",
            description = "The task (or node id) to render (default: ${DEFAULT-VALUE}, of the built-in demo).")
    String task = "join_words";

    @Option(names = "--workflow", paramLabel = "CLASS",
            description = "A workflow class (see 'valence run --help') instead of the built-in demo.")
    String workflowClass;

    @Option(names = "--arg", paramLabel = "VALUE",
            description = "The workflow's arguments, in order (repeatable; missing ones are null). They go to the data "
                    + "store, not into the manifest.")
    List<String> args = new ArrayList<>();

    @Option(names = "--dispatch", paramLabel = "ID", defaultValue = DRY_RUN_DISPATCH,
            description = "The dispatch id the Job name is made from (default: ${DEFAULT-VALUE}; a run gets a fresh one).")
    String dispatchId = DRY_RUN_DISPATCH;

    @Spec
    CommandSpec spec;

    private final Provider<KubernetesExecutor> kubernetes;
    private final Provider<LocalExecutor> local;
    private final Provider<Settings> settings;
    private final CliEnvironment env;
    private final Provider<NamedExecutorPool> named;

    @Inject
    RenderCommand(Provider<SettingsSource> source, Provider<LoadedPlugins> plugins, Closer closer,
            Provider<LocalExecutor> local, Provider<Settings> settings, CliEnvironment env,
            Provider<NamedExecutorPool> named) {
        // a dry run's executors describe their store and open none: render works while the store is down
        this.named = () -> named.get().dryRun();
        this.kubernetes = () -> closer.register(source.get().executorBuilder(plugins.get().plugins()).dryRun(true)
                .build());
        this.local = local;
        this.settings = settings;
        this.env = env;
    }

    @Override
    public Integer call() {
        WorkflowClasses.Factory factory = null;
        if (workflowClass != null) {
            try {
                factory = WorkflowClasses.find(workflowClass, Thread.currentThread().getContextClassLoader());
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), e.getMessage());
            }
        }
        Settings s = Failures.unwrapped(settings::get);
        KubernetesExecutor executor = factory != null && factory.named() ? null : Failures.unwrapped(kubernetes::get);
        Workflow<?> workflow;
        List<Object> values = new ArrayList<>(args);
        if (factory == null) {
            workflow = SeedExample.simpleWorkflow(executor, executor);
            if (values.isEmpty()) {
                values.addAll(List.of("Hello", "World"));
            }
        } else {
            try {
                WorkflowClasses.Factory f = factory;
                workflow = f.named() ? Failures.unwrapped(() -> WorkflowClasses.create(f, named.get()))
                        : WorkflowClasses.create(factory, executor, local.get());
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), e.getMessage());
            }
        }
        if (values.size() > workflow.arity()) {
            throw new ParameterException(spec.commandLine(), "workflow '" + workflow.name() + "' takes "
                    + workflow.arity() + " argument(s) but " + values.size() + " --arg were given");
        }
        while (values.size() < workflow.arity()) {
            values.add(null);
        }
        WorkflowGraph graph = workflow.graph(values);
        WorkflowGraph.Step step = graph.steps().stream().filter(st -> !st.isWorkflow())
                .filter(st -> st.nodeId().equals(task) || st.name().equals(task)).findFirst()
                .orElseThrow(() -> new ParameterException(spec.commandLine(), "workflow '" + workflow.name()
                        + "' has no task '" + task + "' (its tasks: " + graph.steps().stream().filter(st -> !st.isWorkflow())
                        .map(WorkflowGraph.Step::name).distinct().collect(Collectors.joining(", ")) + ")"));
        dev.valence.api.Task<?> stepTask = step.task().orElseThrow();
        if (executor == null) {
            // a workflow that names its executors: the task's own executor renders its Job
            if (!(stepTask.executor() instanceof KubernetesExecutor own)) {
                throw new ParameterException(spec.commandLine(), "task '" + stepTask.name() + "' runs on "
                        + stepTask.executor().name() + ", not on a Kubernetes executor: it has no Job");
            }
            executor = own;
            s = own.settings();
        }
        // a map's list is known here only when it is a constant: else its Indexed Job is shown for one element
        List<?> mapped = !step.map() ? List.of() : step.inputs().get(0) instanceof WorkflowGraph.Constant c
                && c.value() instanceof List<?> l && !l.isEmpty() ? l : Arrays.asList(new Object[1]);
        boolean mapOfUnknownLength = step.map() && !(step.inputs().get(0) instanceof WorkflowGraph.Constant);
        TaskCall call = TaskCall.builder().dispatchId(dispatchId).nodeId(step.nodeId()).taskName(stepTask.name())
                .body(stepTask.body()).options(stepTask.options()).map(step.map())
                .args(step.map() ? List.of(new ArrayList<>(mapped)) : Arrays.asList(new Object[step.inputs().size()]))
                .build();
        Optional<String> built = executor.builtImage();
        Settings effective = s;
        String image = built.orElseGet(() -> placeholder(effective));
        String imageNote = built.isPresent()
                ? "# image: the one an earlier run built for this class path (a run checks it is still in the registry)"
                : "# image: PLACEHOLDER - this class path has no image yet (never built, or classes changed since); "
                        + "'valence run' builds and pushes it and names it by digest";
        String yaml = Secrets.maskEnv(executor.render(call, image), Secrets.envNames(s));
        PrintWriter out = env.out();
        out.println("# Job for task '" + step.name() + "' (node " + step.nodeId() + ") of workflow '"
                + workflow.name() + "', as " + executor.name() + " would submit it; dispatch id '" + dispatchId + "'");
        out.println(imageNote);
        if (step.map()) {
            out.println("# map: one Indexed Job, a pod per element (JOB_COMPLETION_INDEX); "
                    + (mapOfUnknownLength ? "completions and parallelism are shown for 1 element: a run sets them from "
                            + "the length of the list" : "completions = the " + mapped.size() + " elements of its list"));
        }
        out.println("# secrets: values of env variables with secret-looking names are shown as " + Secrets.MASK);
        out.print(yaml.endsWith("\n") ? yaml : yaml + "\n");
        out.flush();
        return 0;
    }

    static String placeholder(Settings s) {
        return switch (s.registry()) {
            case "docker", "tar" -> s.imageRepo() + ":placeholder-not-built-yet";
            default -> s.registry() + "/" + s.imageRepo() + ":placeholder-not-built-yet";
        };
    }
}
