package dev.valence.distribution;

import jakarta.inject.Inject;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** The {@code valence} command: runs Java functions and workflows of them as Kubernetes Jobs. */
@Command(name = "valence", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        sortOptions = false, usageHelpAutoWidth = true,
        description = "Runs Java functions, and workflows of them, as Kubernetes Jobs.",
        subcommands = {RunCommand.class, DoctorCommand.class, RenderCommand.class, ConfigCommand.class,
                JobsCommand.class, DispatchesCommand.class, PluginsCommand.class, CompletionCommand.class,
                UiCommand.class, CacheCommand.class},
        footer = {"", "Exit codes: 0 ok, 1 a task or check failed, 2 a usage or configuration error.",
                "Settings: --config FILE, VALENCE_K8S_<KEY> variables, --set KEY=VALUE; see 'valence config'."})
final class ValenceCommand implements Runnable {

    @Mixin
    GlobalOptions options;

    @Spec
    CommandSpec spec;

    @Inject
    ValenceCommand(GlobalOptions options) {
        this.options = options;
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
