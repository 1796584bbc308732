package dev.valence.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A plugin reads the process environment through {@link Settings}, so a test injects it. */
class SettingsEnvironmentTest {

    @Test
    void theInjectedEnvironmentIsWhatAPluginReads() {
        Settings s = Settings.builder().environment(Map.of("AZURE_STORAGE_ACCOUNT", "acct", "HOME", "/h")).build();
        assertEquals(Optional.of("acct"), s.environmentVariable("AZURE_STORAGE_ACCOUNT"));
        assertEquals(Optional.empty(), s.environmentVariable("PATH"), "nothing of the real process environment");
        assertEquals(Map.of("AZURE_STORAGE_ACCOUNT", "acct", "HOME", "/h"), s.environment());
    }

    @Test
    void aChangedCopyKeepsTheEnvironment() {
        Settings s = Settings.builder().environment(Map.of("DOCKER_CONFIG", "/d")).build();
        assertEquals(Optional.of("/d"), s.toBuilder().vcpu("1").build().environmentVariable("DOCKER_CONFIG"));
    }
}
