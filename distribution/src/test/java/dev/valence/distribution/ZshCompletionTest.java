package dev.valence.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code valence completion zsh} in a real zsh: the script loads (compinit, bashcompinit), registers
 * {@code valence}, and completes subcommands and option values through zsh's own {@code compgen -F}
 * (what zsh's {@code _bash_complete} calls before it filters by the typed prefix).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ZshCompletionTest {
    private static final Path ZSH = Path.of("/usr/bin/zsh");

    @TempDir
    Path home;

    @Test
    void theScriptCompletesInZsh() throws Exception {
        assumeTrue(Files.isExecutable(ZSH) || required(), "zsh is not installed (scripts/test.sh installs it)");
        CliFixture cli = new CliFixture(home);
        CliFixture.Result script = cli.run("completion", "zsh");
        assertEquals(0, script.code(), script.toString());
        Path completion = Files.writeString(home.resolve("valence.zsh"), script.out());
        Path driver = Files.writeString(home.resolve("driver.zsh"), String.join("\n",
                "source " + completion,
                "print -r -- \"registered: ${_comps[valence]}\"",
                "complete_line() {",
                "  local -a words COMP_WORDS COMPREPLY; local CURRENT COMP_CWORD COMP_LINE COMP_POINT",
                "  words=(\"$@\"); CURRENT=$#",
                "  COMP_LINE=\"$words\"; (( COMP_POINT = ${#COMP_LINE} )); (( COMP_CWORD = CURRENT - 1 ))",
                "  COMP_WORDS=( \"${words[@]}\" )",
                "  compgen -F _complete_valence -- \"${words[CURRENT]}\" | tr '\\n' ' '",
                "}",
                "print -r -- \"top: $(complete_line valence '')\"",
                "print -r -- \"jobs: $(complete_line valence jobs '')\"",
                "print -r -- \"output: $(complete_line valence jobs list -o '')\"",
                ""));
        ProcessBuilder pb = new ProcessBuilder(ZSH.toString(), "-f", driver.toString()).redirectErrorStream(true);
        pb.environment().put("HOME", home.toString());
        pb.environment().put("ZDOTDIR", home.toString());
        Process zsh = pb.start();
        String out = new String(zsh.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(zsh.waitFor(30, TimeUnit.SECONDS), out);
        assertEquals(0, zsh.exitValue(), out);
        assertTrue(out.contains("registered: _bash_complete -F _complete_valence"), out);
        assertTrue(out.lines().anyMatch(l -> l.startsWith("top: ") && l.contains(" jobs ") && l.contains(" dispatches ")
                && l.contains(" completion ")), out);
        assertTrue(out.lines().anyMatch(l -> l.startsWith("jobs: ") && l.contains("list logs cancel clean")), out);
        assertTrue(out.lines().anyMatch(l -> l.startsWith("output: ") && l.contains("text wide json yaml")), out);
    }

    /** Under scripts/test.sh ({@code VALENCE_REQUIRE_ZSH}) and on CI a missing zsh fails instead of skipping. */
    private static boolean required() {
        return System.getenv("CI") != null || System.getenv("VALENCE_REQUIRE_ZSH") != null;
    }
}
