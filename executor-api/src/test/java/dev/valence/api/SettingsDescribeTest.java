package dev.valence.api;

import static dev.valence.api.SettingsTestSupport.FILE;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code describe()} is the effective configuration: every key, its value and its source. */
class SettingsDescribeTest {
    private static final Pattern LINE = Pattern.compile("^(\\S+) += (.*?) *# (.+)$");

    @TempDir
    Path home;

    private static Map<String, String[]> parse(String describe) {
        Map<String, String[]> rows = new LinkedHashMap<>();
        for (String line : describe.split("\n")) {
            Matcher m = LINE.matcher(line);
            if (!m.matches()) {
                throw new AssertionError("not a describe line: '" + line + "'");
            }
            rows.put(m.group(1), new String[] {m.group(2), m.group(3)});
        }
        return rows;
    }

    @Test
    void listsEveryKeyWithItsValueAndSource() {
        Settings s = SettingsTestSupport.isolated(home).knownKey("s3_endpoint", "http://127.0.0.1:9000")
                .fileValues(FILE, Map.of("memory", "2G", "poll_freq", 30L))
                .environmentValues(Map.of("VALENCE_K8S_VCPU", "2"))
                .k8sContext("minikube")
                .build();
        Map<String, String[]> rows = parse(s.describe());
        List<String> expectedKeys = new ArrayList<>(Settings.knownKeys());
        expectedKeys.add("s3_endpoint");
        assertEquals(expectedKeys, new ArrayList<>(rows.keySet()));
        assertRow(rows, "vcpu", "2", "env VALENCE_K8S_VCPU");
        assertRow(rows, "memory", "2G", "file " + FILE);
        assertRow(rows, "poll_freq", "30s", "file " + FILE);
        assertRow(rows, "k8s_context", "minikube", "builder");
        assertRow(rows, "base_image", "eclipse-temurin:17-jre", "default");
        assertRow(rows, "data_store", home.resolve(".cache/valence/data").toString(), "default");
        assertRow(rows, "namespace", "(the context's namespace, else default)", "default");
        assertRow(rows, "timeout", "(none)", "default");
        assertRow(rows, "ttl_after_finished", "24h", "default");
        assertRow(rows, "node_selector", "{}", "default");
        assertRow(rows, "s3_endpoint", "http://127.0.0.1:9000", "default");
    }

    private static void assertRow(Map<String, String[]> rows, String key, String value, String source) {
        String[] row = rows.get(key);
        assertEquals(value, row[0], key + " value");
        assertEquals(source, row[1], key + " source");
    }

    @Test
    void toStringShowsOnlyWhatWasSet() {
        Settings s = SettingsTestSupport.isolated(home).fileValues(FILE, Map.of("memory", "2G"))
                .environmentValues(Map.of("VALENCE_K8S_VCPU", "2")).build();
        assertEquals("Settings{vcpu=2, memory=2G}", s.toString());
    }
}
