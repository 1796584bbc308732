package dev.valence.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.valence.api.Settings;
import dev.valence.core.SettingsLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The files the distribution ships agree with the code: the settings template, the permissions doctor checks. */
class DistributionFilesTest {
    private static final Path MODULE = Path.of(System.getProperty("user.dir"));

    @TempDir
    Path tmp;

    @Test
    void theSettingsTemplateHasEveryKeyAndUncommentedItIsValidAndHoldsTheDefaults() throws IOException {
        String template = Files.readString(MODULE.resolve("src/dist/conf/valence.toml"));
        StringBuilder uncommented = new StringBuilder();
        for (String line : template.lines().toList()) {
            uncommented.append(line.matches("# [a-z0-9_]+ = .*") ? line.substring(2) : line).append('\n');
        }
        Path file = Files.writeString(tmp.resolve("valence.toml"), uncommented);
        Map<String, Object> values = SettingsLoader.read(file);
        assertEquals(Set.copyOf(Settings.knownKeys()), values.keySet(), "every key of Valence, and only those");
        Settings fromTemplate = Settings.builder().environment(Map.of()).userHome(tmp).fileValues(file.toString(), values)
                .build();
        Settings defaults = Settings.builder().environment(Map.of()).userHome(tmp).build();
        // the examples for tables and lists are examples; every other value is the default
        Set<String> examples = Set.of("node_selector", "tolerations", "env", "timeout", "labels", "k8s_config_file",
                "data_store", "cache_dir");
        for (String key : Settings.knownKeys()) {
            if (!examples.contains(key)) {
                assertEquals(defaults.display(key), fromTemplate.display(key), key);
            }
        }
    }

    @Test
    void doctorChecksThePermissionsTheInfraGrants() throws IOException {
        Path list = MODULE.resolve("../infra/src/test/resources/executor-permissions.txt");
        Set<String> expected = new LinkedHashSet<>(Files.readAllLines(list).stream().map(String::trim)
                .filter(l -> !l.isEmpty() && !l.startsWith("#")).toList());
        Set<String> checked = new LinkedHashSet<>(DoctorCommand.PERMISSIONS.stream().map(Object::toString).toList());
        assertEquals(expected, checked);
    }

    @Test
    void theLauncherIsAPosixShellScriptThatPutsLibAndTheUsersClassPathFirst() throws IOException {
        List<String> lines = Files.readAllLines(MODULE.resolve("src/dist/bin/valence"));
        assertEquals("#!/bin/sh", lines.get(0));
        String script = String.join("\n", lines);
        assertTrue(script.contains("class_path=\"$VALENCE_HOME/lib/*\""), script);
        assertTrue(script.contains("-Dvalence.home=\"$VALENCE_HOME\" -cp \"$class_path\" dev.valence.distribution.Main"),
                script);
        assertTrue(Files.exists(MODULE.resolve("src/dist/plugins/README.txt")));
    }
}
