package dev.valence.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.valence.api.Settings;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/** Masking of env values in rendered manifests, in the YAML styles both cluster clients write. */
class SecretsTest {
    private static final Predicate<String> SECRET = Secrets.envNames(Settings.builder().environment(Map.of())
            .userHome(Path.of("/home/u")).knownKey("s3_endpoint", "").knownKey("custom_key", "")
            .sensitiveKeys(java.util.List.of("custom_key")).build());

    @Test
    void quotedFabric8StyleIsMasked() {
        String yaml = """
                spec:
                  containers:
                  - env:
                    - name: "API_TOKEN"
                      value: "abc"
                    - name: "PLAIN"
                      value: "shown"
                    image: "x"
                """;
        String masked = Secrets.maskEnv(yaml, SECRET);
        assertEquals(yaml.replace("value: \"abc\"", "value: \"****\""), masked);
    }

    @Test
    void plainStyleValueFirstAndContinuationLinesAreMasked() {
        String yaml = """
                env:
                - value: very long secret
                    that goes on
                  name: DB_PASSWORD
                - name: VALENCE_K8S_CUSTOM_KEY
                  value: |-
                    line one
                    line two
                - name: VALENCE_K8S_S3_ENDPOINT
                  value: http://s3
                """;
        String masked = Secrets.maskEnv(yaml, SECRET);
        assertEquals("""
                env:
                - value: "****"
                  name: DB_PASSWORD
                - name: VALENCE_K8S_CUSTOM_KEY
                  value: "****"
                - name: VALENCE_K8S_S3_ENDPOINT
                  value: http://s3
                """, masked);
    }

    @Test
    void namesThatLookSecretAndDeclaredSecretsAreSecret() {
        for (String name : new String[] {"GITHUB_TOKEN", "aws_secret_access_key", "DB_PASSWD", "MY_API_KEY",
                "AZURE_CONNECTION_STRING", "REGISTRY_AUTH", "VALENCE_K8S_CUSTOM_KEY"}) {
            assertTrue(SECRET.test(name), name);
        }
        for (String name : new String[] {"GREETING", "VALENCE_K8S_S3_ENDPOINT", "VALENCE_DISPATCH_ID", "JAVA_TOOL_OPTIONS"}) {
            assertFalse(SECRET.test(name), name);
        }
    }

    @Test
    void itemsWithoutASecretNameAreLeftAlone() {
        String yaml = "tolerations:\n- key: token\n  value: x\n  effect: NoSchedule\n";
        assertEquals(yaml, Secrets.maskEnv(yaml, SECRET));
    }
}
