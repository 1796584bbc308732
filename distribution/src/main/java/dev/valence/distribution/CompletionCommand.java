package dev.valence.distribution;

import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code valence completion}: prints the bash completion script. */
@Command(name = "completion", mixinStandardHelpOptions = true,
        description = {"Prints the bash (and zsh) completion script.",
                "Use it with: source <(valence completion), or save it in /etc/bash_completion.d/valence."})
final class CompletionCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().getOut().print(AutoComplete.bash("valence", spec.root().commandLine()));
        spec.commandLine().getOut().flush();
    }
}
