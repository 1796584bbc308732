package dev.valence.api;

import static dev.valence.api.SettingsTestSupport.FILE;
import static dev.valence.api.SettingsTestSupport.configError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Secrets never show in {@code describe()}, {@code toString()}, entries or errors; paths and secret names do. */
class SettingsMaskingTest {
    private static final String SECRET = "hunter2-s3cr3t";

    @TempDir
    Path home;

    /** Every way a settings object can be printed. */
    private static String everyRendering(Settings s) {
        return s.describe() + "\n" + s + "\n" + s.entries() + "\n" + s.entries().stream().map(e -> s.display(e.key()))
                .toList();
    }

    @Test
    void pluginDeclaredSecretIsMaskedEverywhereButReadableByThePlugin() {
        Settings s = SettingsTestSupport.isolated(home).knownKey("azure_sas", null)
                .sensitiveKeys(Set.of("azure_sas"))
                .environmentValues(Map.of("VALENCE_K8S_AZURE_SAS", SECRET)).build();
        String printed = everyRendering(s);
        assertFalse(printed.contains(SECRET), printed);
        assertTrue(s.describe().lines().anyMatch(l -> l.matches("azure_sas += \\*{4} +# env VALENCE_K8S_AZURE_SAS")),
                s.describe());
        assertTrue(s.toString().contains("azure_sas=****"), s.toString());
        assertEquals("azure_sas=**** (env VALENCE_K8S_AZURE_SAS)", s.entry("azure_sas").orElseThrow().toString());
        assertEquals(SECRET, s.getString("azure_sas").orElseThrow(), "the plugin reads the real value");
        assertTrue(s.isSensitive("azure_sas"));
    }

    @Test
    void pluginKeysNamedLikeSecretsAreMaskedWithoutBeingDeclared() {
        Map<String, Object> file = new LinkedHashMap<>();
        for (String key : List.of("db_password", "api_token", "azure_connection_string", "client_secret")) {
            file.put(key, SECRET + key);
        }
        Settings.Builder b = SettingsTestSupport.isolated(home).fileValues(FILE, file);
        file.keySet().forEach(k -> b.knownKey(k, null));
        Settings s = b.build();
        String printed = everyRendering(s);
        assertFalse(printed.contains(SECRET), printed);
        file.keySet().forEach(k -> assertEquals("****", s.display(k), k));
    }

    @Test
    void registryCredentialsFileIsAPathAndIsShown() throws Exception {
        Path creds = Files.writeString(home.resolve("creds.toml"), "username = \"u\"\npassword = \"p\"\n");
        Settings s = SettingsTestSupport.isolated(home).registryCredentialsFile(creds).build();
        assertFalse(s.isSensitive("registry_credentials_file"));
        assertEquals(creds.toString(), s.display("registry_credentials_file"));
        assertTrue(s.toString().contains("registry_credentials_file=" + creds), s.toString());
        assertTrue(s.describe().contains(creds.toString()), s.describe());
    }

    @Test
    void imagePullSecretsAreSecretNamesNotSecrets() {
        Settings s = SettingsTestSupport.isolated(home).imagePullSecrets(List.of("regcred")).build();
        assertEquals("[regcred]", s.display("image_pull_secrets"));
    }

    @Test
    void secretLookingEnvEntriesAreMaskedButOthersShown() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("MODE", "fast");
        env.put("DB_PASSWORD", SECRET);
        Settings s = SettingsTestSupport.isolated(home).env(env).build();
        assertEquals("{MODE=fast, DB_PASSWORD=****}", s.display("env"));
        assertFalse(everyRendering(s).contains(SECRET));
        assertEquals(SECRET, s.env().get("DB_PASSWORD"), "the Job still gets the value");
    }

    @Test
    void badValueOfADeclaredSecretIsMaskedInTheError() {
        String message = configError(SettingsTestSupport.isolated(home).knownKey("s3_secret_key", null)
                .fileValues(FILE, Map.of("s3_secret_key", Map.of("value", SECRET))));
        assertEquals("s3_secret_key '****' (from /etc/valence/valence.toml) is not valid: expected a single value, "
                + "got a table", message);
    }

    @Test
    void failingCheckOfASecretNeverEchoesIt() {
        String message = configError(SettingsTestSupport.isolated(home).knownKey("registry_token", null)
                .environmentValues(Map.of("VALENCE_K8S_REGISTRY_TOKEN", SECRET))
                .check("registry_token", v -> java.util.Optional.of("token '" + v + "' has expired")));
        assertEquals("registry_token '****' (from VALENCE_K8S_REGISTRY_TOKEN) is not valid: token '****' has expired",
                message);
    }

    @Test
    void badEnvEntryNextToASecretDoesNotLeakTheSecret() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("API_TOKEN", SECRET);
        env.put("1BAD", "x");
        String message = configError(SettingsTestSupport.isolated(home).fileValues(FILE, Map.of("env", env)));
        assertFalse(message.contains(SECRET), message);
        assertTrue(message.startsWith("env '{API_TOKEN=****, 1BAD=x}' (from /etc/valence/valence.toml) is not valid: "
                + "'1BAD' is not an environment variable name"), message);
    }

    @Test
    void unknownKeyErrorsDoNotShowTheValue() {
        String message = configError(SettingsTestSupport.isolated(home)
                .environmentValues(Map.of("VALENCE_K8S_PASSWORD", SECRET)));
        assertFalse(message.contains(SECRET), message);
    }
}
