package dev.valence.infra;

import static org.junit.jupiter.api.Assertions.fail;

import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import tools.jackson.databind.JsonNode;

/**
 * Parses Terraform's HCL into JSON with HashiCorp's {@code @cdktf/hcl2json} (npm), the HCL parser that
 * Terraform itself uses compiled to WebAssembly: a syntax check without a terraform binary or providers.
 */
final class Hcl2Json {

    static final String INSTALL = "npm install -g @cdktf/hcl2json@0.21.0";

    private static final long TIMEOUT_SECONDS = 120;

    private static final String SCRIPT = """
            const fs = require('fs');
            let hcl;
            try { hcl = require('@cdktf/hcl2json'); }
            catch (e) { console.error('MISSING_HCL2JSON ' + e.message); process.exit(3); }
            (async () => {
              const out = {};
              for (const f of process.argv.slice(1)) { out[f] = await hcl.parse(f, fs.readFileSync(f, 'utf8')); }
              process.stdout.write(JSON.stringify(out));
            })().catch(e => { console.error(String(e)); process.exit(2); });
            """;

    private Hcl2Json() {
    }

    /** Each file's JSON form, in the given order; fails the test with the parser's message on a syntax error. */
    static Map<Path, JsonNode> parse(List<Path> files) {
        Result r = run(files);
        if (r.exit != 0) {
            fail("HCL syntax error (checked with @cdktf/hcl2json): " + r.stderr.strip());
        }
        JsonNode all = Serialization.jsonMapper().readTree(r.stdout);
        Map<Path, JsonNode> result = new LinkedHashMap<>();
        for (Path f : files) {
            result.put(f, all.get(f.toString()));
        }
        return result;
    }

    /** The parser's error for this HCL text, or empty when it parses. */
    static String syntaxError(Path scratchDir, String hcl) {
        try {
            Path f = scratchDir.resolve("snippet.tf");
            Files.writeString(f, hcl);
            Result r = run(List.of(f));
            return r.exit == 0 ? "" : r.stderr.strip();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private record Result(int exit, String stdout, String stderr) {
    }

    private static Result run(List<Path> files) {
        List<String> cmd = new ArrayList<>(List.of("node", "-e", SCRIPT));
        files.forEach(f -> cmd.add(f.toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        String nodePath = globalNodeModules();
        String existing = System.getenv("NODE_PATH");
        pb.environment().put("NODE_PATH", existing == null || existing.isBlank()
                ? nodePath : existing + java.io.File.pathSeparator + nodePath);
        try {
            Path out = Files.createTempFile("hcl2json", ".json");
            Path err = Files.createTempFile("hcl2json", ".err");
            try {
                pb.redirectOutput(out.toFile()).redirectError(err.toFile());
                Process p = pb.start();
                if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    fail("hcl2json did not finish in " + TIMEOUT_SECONDS + " s");
                }
                String stderr = Files.readString(err, StandardCharsets.UTF_8);
                if (p.exitValue() == 3 && stderr.contains("MISSING_HCL2JSON")) {
                    fail("The npm package @cdktf/hcl2json is missing (" + stderr.strip() + "); install it: " + INSTALL);
                }
                return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), stderr);
            } finally {
                Files.deleteIfExists(out);
                Files.deleteIfExists(err);
            }
        } catch (IOException e) {
            return fail("node not found (" + e.getMessage() + "): install Node.js and npm "
                    + "(apt-get install nodejs npm), then " + INSTALL);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String globalNodeModules() {
        try {
            Process p = new ProcessBuilder("npm", "root", "-g").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS) || p.exitValue() != 0) {
                return fail("'npm root -g' failed: " + out);
            }
            return out;
        } catch (IOException e) {
            return fail("npm not found (" + e.getMessage() + "): install Node.js and npm "
                    + "(apt-get install nodejs npm), then " + INSTALL);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
