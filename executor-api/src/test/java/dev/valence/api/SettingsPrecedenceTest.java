package dev.valence.api;

import static dev.valence.api.SettingsTestSupport.FILE;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.valence.api.Settings.Entry;
import dev.valence.api.Settings.Source;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Builder beats environment beats file beats defaults, and each entry says where its value came from. */
class SettingsPrecedenceTest {
    @TempDir
    Path home;

    private Settings.Builder allLayers() {
        return SettingsTestSupport.isolated(home)
                .fileValues(FILE, Map.of("vcpu", "1", "memory", "2G", "poll_freq", 30L, "k8s_context", "minikube"))
                .environmentValues(Map.of("VALENCE_K8S_VCPU", "2", "VALENCE_K8S_MEMORY", "3G", "PATH", "/bin"))
                .vcpu("3");
    }

    private static void assertEntry(Settings s, String key, Object value, Source source, String origin) {
        Entry e = s.entry(key).orElseThrow();
        assertEquals(value, e.value(), key + " value");
        assertEquals(source, e.source(), key + " source");
        assertEquals(origin, e.origin(), key + " origin");
    }

    @Test
    void defaultWhenNoLayerSetsTheKey() {
        Settings s = SettingsTestSupport.isolated(home).build();
        assertEntry(s, "vcpu", "500m", Source.DEFAULT, "default");
    }

    @Test
    void fileBeatsDefault() {
        Settings s = SettingsTestSupport.isolated(home).fileValues(FILE, Map.of("vcpu", "1")).build();
        assertEntry(s, "vcpu", "1", Source.FILE, FILE);
    }

    @Test
    void environmentBeatsFile() {
        Settings s = SettingsTestSupport.isolated(home).fileValues(FILE, Map.of("vcpu", "1"))
                .environmentValues(Map.of("VALENCE_K8S_VCPU", "2")).build();
        assertEntry(s, "vcpu", "2", Source.ENV, "VALENCE_K8S_VCPU");
    }

    @Test
    void builderBeatsEnvironmentWhicheverOrderTheLayersAreAdded() {
        Settings s = SettingsTestSupport.isolated(home).vcpu("3")
                .environmentValues(Map.of("VALENCE_K8S_VCPU", "2"))
                .fileValues(FILE, Map.of("vcpu", "1")).build();
        assertEntry(s, "vcpu", "3", Source.BUILDER, "builder");
    }

    @Test
    void eachKeyTakesItsHighestLayer() {
        Settings s = allLayers().build();
        assertEntry(s, "vcpu", "3", Source.BUILDER, "builder");
        assertEntry(s, "memory", "3G", Source.ENV, "VALENCE_K8S_MEMORY");
        assertEntry(s, "poll_freq", Duration.ofSeconds(30), Source.FILE, FILE);
        assertEntry(s, "k8s_context", "minikube", Source.FILE, FILE);
        assertEntry(s, "base_image", "eclipse-temurin:17-jre", Source.DEFAULT, "default");
        assertEquals("3", s.vcpu());
        assertEquals("3G", s.memory());
        assertEquals(Duration.ofSeconds(30), s.pollFreq());
    }

    @Test
    void removingABuilderValueUncoversTheEnvironment() {
        Settings s = allLayers().set("vcpu", null).build();
        assertEntry(s, "vcpu", "2", Source.ENV, "VALENCE_K8S_VCPU");
    }

    @Test
    void aBadValueHiddenByAHigherLayerIsNotUsedAndNotReported() {
        Settings s = SettingsTestSupport.isolated(home).fileValues(FILE, Map.of("vcpu", "lots"))
                .environmentValues(Map.of("VALENCE_K8S_VCPU", "250m")).build();
        assertEntry(s, "vcpu", "250m", Source.ENV, "VALENCE_K8S_VCPU");
    }

    @Test
    void variablesWithoutThePrefixAreIgnored() {
        Settings s = SettingsTestSupport.isolated(home)
                .environmentValues(Map.of("VCPU", "9", "VALENCE_CONFIG", "/x.toml", "VALENCE_K8S_", "x")).build();
        assertEntry(s, "vcpu", "500m", Source.DEFAULT, "default");
    }

    @Test
    void toBuilderKeepsEveryLayerAndItsSources() {
        Settings s = allLayers().build();
        Settings copy = s.toBuilder().memory("8G").build();
        assertEntry(copy, "vcpu", "3", Source.BUILDER, "builder");
        assertEntry(copy, "memory", "8G", Source.BUILDER, "builder");
        assertEntry(copy, "poll_freq", Duration.ofSeconds(30), Source.FILE, FILE);
        Settings back = copy.toBuilder().set("memory", null).build();
        assertEntry(back, "memory", "3G", Source.ENV, "VALENCE_K8S_MEMORY");
    }

    @Test
    void toBuilderKeepsPluginKeysSecretsAndTheFakeHome() {
        Settings s = SettingsTestSupport.isolated(home).knownKey("s3_endpoint", "http://127.0.0.1:9000")
                .sensitiveKeys(java.util.Set.of("s3_endpoint")).build();
        Settings copy = s.toBuilder().build();
        assertEquals("http://127.0.0.1:9000", copy.getString("s3_endpoint").orElseThrow());
        assertEquals("****", copy.display("s3_endpoint"));
        assertEquals(home.resolve(".cache/valence"), copy.cacheDir());
    }

    @Test
    void pluginKeysFollowTheSamePrecedence() {
        Settings s = SettingsTestSupport.isolated(home).knownKey("s3_endpoint", "http://default")
                .fileValues(FILE, Map.of("s3_endpoint", "http://file"))
                .environmentValues(Map.of("VALENCE_K8S_S3_ENDPOINT", "http://env")).build();
        assertEntry(s, "s3_endpoint", "http://env", Source.ENV, "VALENCE_K8S_S3_ENDPOINT");
        Settings d = SettingsTestSupport.isolated(home).knownKey("s3_endpoint", "http://default").build();
        assertEntry(d, "s3_endpoint", "http://default", Source.DEFAULT, "default");
    }
}
