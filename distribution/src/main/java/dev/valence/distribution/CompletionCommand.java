package dev.valence.distribution;

import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code valence completion [bash|zsh]}: prints the shell completion script, as {@code kubectl completion}. */
@Command(name = "completion", mixinStandardHelpOptions = true,
        description = {"Prints the completion script for bash (the default) or zsh.",
                "bash: source <(valence completion bash), or save it in /etc/bash_completion.d/valence.",
                "zsh: source <(valence completion zsh) in ~/.zshrc (the script loads zsh's bashcompinit and uses "
                        + "the bash completion)."})
final class CompletionCommand implements Runnable {

    /** The shells a script is printed for. */
    enum Shell { bash, zsh }

    @Parameters(index = "0", arity = "0..1", paramLabel = "SHELL", defaultValue = "bash",
            description = "${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    Shell shell = Shell.bash;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        String bash = AutoComplete.bash("valence", spec.root().commandLine());
        StringBuilder script = new StringBuilder();
        if (shell == Shell.zsh) {
            // zsh runs bash completion functions through bashcompinit (picocli generates the bash form)
            script.append("# valence completion for zsh: bash completion through zsh's bashcompinit\n")
                    .append("autoload -U +X compinit && compinit\n")
                    .append("autoload -U +X bashcompinit && bashcompinit\n");
        }
        script.append(bash);
        spec.commandLine().getOut().print(script);
        spec.commandLine().getOut().flush();
    }
}
