package dev.valence.infra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The Makefile's targets, checked with {@code make -n} (print the commands, run nothing). */
@Timeout(120)
class MakefileTest {

    private static final List<String> TARGETS = List.of("help", "deploy", "apply", "kubeconfig", "eks-rbac", "toml",
            "clean", "validate", "rbac", "local", "sample", "render");

    @TempDir
    Path tmp;
    private Path marker;
    private List<String> tools;

    /** Every tool is replaced by a script that leaves a mark: a dry run must leave none. */
    @BeforeEach
    void fakeTools() throws IOException {
        marker = tmp.resolve("ran");
        tools = new ArrayList<>();
        for (String tool : List.of("terraform", "kubectl", "aws", "valence")) {
            Path script = tmp.resolve("fake-" + tool);
            Files.writeString(script, "#!/bin/sh\necho " + tool + " >> '" + marker + "'\n");
            script.toFile().setExecutable(true);
            tools.add(tool.equals("valence") ? "VALENCE=" + script : tool.toUpperCase() + "=" + script);
        }
    }

    @Test
    void deployAppliesWritesKubeconfigAndValenceTomlAndDestroysNothing() {
        List<String> lines = dryRun("deploy");
        String tfvars = InfraFiles.file("eks/defaults.tfvars").toString();
        assertInOrder(lines,
                "terraform -chdir=" + InfraFiles.file("eks") + " init -input=false",
                "apply -input=false -var-file=" + tfvars,
                "aws eks update-kubeconfig --region \"$(terraform -chdir=",
                "kubectl --context \"$(terraform -chdir=",
                "apply -f " + InfraFiles.file("rbac.yaml"),
                "annotate --overwrite serviceaccount",
                "eks.amazonaws.com/role-arn=\"$(terraform -chdir=",
                "output -raw valence_toml > " + InfraFiles.file("valence.toml"));
        assertNothingDestroyed("deploy", lines);
    }

    @Test
    void deployUsesYourTfvarsCopyWhenItExists() throws IOException {
        Path tfDir = Files.createDirectories(tmp.resolve("eks"));
        Files.writeString(tfDir.resolve(".tfvars"), "name = \"mine\"\n");
        List<String> lines = dryRun("deploy", "TF_DIR=" + tfDir);
        assertInOrder(lines, "apply -input=false -var-file=" + tfDir.resolve(".tfvars"));
    }

    @Test
    void cleanDestroysTheStack() {
        List<String> lines = dryRun("clean");
        assertInOrder(lines, "init -input=false", "destroy -input=false -var-file="
                + InfraFiles.file("eks/defaults.tfvars"));
    }

    @Test
    void onlyCleanDestroysAnything() {
        for (String target : TARGETS) {
            if (!target.equals("clean")) {
                assertNothingDestroyed(target, dryRun(target));
            }
        }
    }

    @Test
    void validateRunsFmtCheckAndValidate() {
        List<String> lines = dryRun("validate");
        assertInOrder(lines, "fmt -check -diff -recursive " + InfraFiles.file("eks"), "init -backend=false",
                "validate");
    }

    @Test
    void rbacAndLocalApplyTheManifestToTheCurrentContext() {
        for (String target : List.of("rbac", "local")) {
            List<String> lines = dryRun(target);
            assertInOrder(lines, "apply -f " + InfraFiles.file("rbac.yaml"));
            assertFalse(String.join("\n", lines).contains("--context"), target + " uses the current context");
        }
    }

    @Test
    void sampleRunsTheJobAndPrintsItsLog() {
        List<String> lines = dryRun("sample", "NAMESPACE=jobs");
        assertInOrder(lines,
                "--namespace jobs apply -f " + InfraFiles.file("sample_job.yaml"),
                "--namespace jobs wait --for=condition=complete",
                "job/valence-sample",
                "--namespace jobs logs job/valence-sample");
    }

    @Test
    void renderCallsTheCli() {
        assertInOrder(dryRun("render"), "fake-valence render");
    }

    @Test
    void commandsAreEchoed() {
        List<String> silent = InfraFiles.read("Makefile").lines()
                .filter(l -> l.startsWith("\t@"))
                .filter(l -> !l.startsWith("\t@echo ") && !l.startsWith("\t@command -v ")
                        && !l.startsWith("\t@sed -n "))
                .toList();
        assertEquals(List.of(), silent, "only messages and tool checks are silent");
    }

    private void assertNothingDestroyed(String target, List<String> lines) {
        for (String line : lines) {
            for (String word : line.split("[\\s;|&(){}\"]+")) {
                assertFalse(List.of("destroy", "delete", "rm", "rmdir").contains(word),
                        "make " + target + " must not run '" + word + "': " + line);
            }
        }
    }

    private static void assertInOrder(List<String> lines, String... fragments) {
        int from = 0;
        for (String fragment : fragments) {
            int found = -1;
            for (int i = from; i < lines.size(); i++) {
                if (lines.get(i).contains(fragment)) {
                    found = i;
                    break;
                }
            }
            if (found < 0) {
                fail("expected '" + fragment + "' after line " + from + " in:\n" + String.join("\n", lines));
            }
            from = found;
        }
    }

    /** {@code make -n TARGET} with the fake tools; asserts that nothing ran. */
    private List<String> dryRun(String target, String... vars) {
        List<String> cmd = new ArrayList<>(List.of("make", "--no-print-directory", "-n", "-C",
                InfraFiles.dir().toString(), target));
        cmd.addAll(tools);
        cmd.addAll(List.of(vars));
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail("make -n " + target + " did not finish");
            }
            assertEquals(0, p.exitValue(), "make -n " + target + ":\n" + out);
            assertFalse(Files.exists(marker), "make -n " + target + " ran a tool: " + (Files.exists(marker)
                    ? Files.readString(marker) : ""));
            List<String> lines = out.lines().toList();
            assertTrue(!lines.isEmpty() || target.equals("local"), "make -n " + target + " printed commands");
            return lines.stream().map(l -> l.replace(tmp.resolve("fake-terraform").toString(), "terraform")
                    .replace(tmp.resolve("fake-kubectl").toString(), "kubectl")
                    .replace(tmp.resolve("fake-aws").toString(), "aws")).toList();
        } catch (IOException e) {
            return fail("make not found (" + e.getMessage() + "): apt-get install make");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
