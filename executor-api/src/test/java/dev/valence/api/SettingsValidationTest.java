package dev.valence.api;

import static dev.valence.api.SettingsTestSupport.FILE;
import static dev.valence.api.SettingsTestSupport.configError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad input fails at {@code build()} with one CONFIG error whose message names the key, the value,
 * where the value came from and what is accepted. File values are given as {@code SettingsLoader}
 * hands them over (TOML strings, Longs, Doubles, Booleans, Lists and Maps).
 */
class SettingsValidationTest {
    private static final String QUANTITY = "expected a Kubernetes quantity such as 500m, 2, 1.5, 512Mi, 1G "
            + "(suffixes m, k, M, G, T, P, E, Ki, Mi, Gi, Ti, Pi, Ei)";
    private static final String POSITIVE_SECONDS =
            "expected from 0.001 (1 ms) to 2147483647 seconds (about 68 years, the most Kubernetes takes), such as "
                    + "10, 2.5, or with a unit: 500ms, 30s, 5m, 1h";
    private static final String DATA_STORE = "expected an absolute path (/tmp/valence, ~/valence), file:/path, "
            + "s3://bucket/prefix or azblob://container/prefix (another scheme works when a store plugin serves it)";
    private static final String REGISTRY = "expected a registry host[:port] "
            + "(localhost:5000, 123456789012.dkr.ecr.us-east-1.amazonaws.com), 'docker' (a local Docker daemon) "
            + "or 'tar' (an image tar for 'minikube image load')";
    private static final String LABEL_KEY = "a label key is [prefix/]name: name at most 63 letters, digits, "
            + "'-', '_', '.', starting and ending with a letter or digit; prefix a DNS subdomain";
    private static final String LABEL_VALUE = "a label value is at most 63 letters, digits, '-', '_', '.', "
            + "starting and ending with a letter or digit (or empty)";
    private static final String TOLERATIONS = "expected a list of tables "
            + "{key, operator, value, effect, toleration_seconds} ([[executors.k8s.tolerations]]) "
            + "or taints as key=value:Effect,key:Effect";

    @TempDir
    Path home;

    private Settings.Builder fromFile(String key, Object value) {
        return SettingsTestSupport.isolated(home).fileValues(FILE, Map.of(key, value));
    }

    private Settings.Builder fromEnv(String key, String value) {
        return SettingsTestSupport.isolated(home)
                .environmentValues(Map.of(Settings.ENV_PREFIX + key.toUpperCase(java.util.Locale.ROOT), value));
    }

    private Settings.Builder fromBuilder(String key, Object value) {
        return SettingsTestSupport.isolated(home).set(key, value);
    }

    // ---- unknown keys ----

    @Test
    void unknownKeyInFileSuggestsTheNearestKey() {
        assertEquals("unknown key 'memroy' (from /etc/valence/valence.toml): did you mean 'memory'?",
                configError(fromFile("memroy", "1G")));
    }

    @Test
    void unknownKeyInEnvironmentSuggestsTheVariable() {
        assertEquals("unknown key 'poll_frequency' (from VALENCE_K8S_POLL_FREQUENCY): did you mean VALENCE_K8S_POLL_FREQ?",
                configError(fromEnv("poll_frequency", "10")));
    }

    @Test
    void unknownKeyWithDashesSuggestsTheUnderscoreKey() {
        assertEquals("unknown key 'data-store' (from the builder): did you mean 'data_store'?",
                configError(fromBuilder("data-store", "/tmp/x")));
    }

    @Test
    void unknownKeyFarFromAnyKeyListsTheKnownKeysIncludingPluginKeys() {
        String message = configError(fromFile("colour", "red").knownKey("s3_endpoint", ""));
        assertEquals("unknown key 'colour' (from /etc/valence/valence.toml): not a Valence setting (known keys: "
                + "base_image, k8s_config_file, k8s_context, registry, registry_credentials_file, data_store, vcpu, "
                + "memory, cache_dir, poll_freq, image_repo, namespace, region, data_store_mount, cluster_client, "
                + "gpus, node_selector, tolerations, service_account, image_pull_secrets, env_from_secrets, env, timeout, retries, "
                + "ttl_after_finished, keep_artifacts, labels, unschedulable_grace, max_output_bytes, run_as_user, run_as_group, "
                + "fs_group, vcpu_limit, memory_limit, automount_service_account_token, check_node_capacity, cache, cache_ttl, ca_bundle, ca_bundle_file, s3_endpoint)",
                message);
    }

    // ---- vcpu, memory ----

    @Test
    void vcpuThatIsNotAQuantity() {
        assertEquals("vcpu 'lots' (from VALENCE_K8S_VCPU) is not valid: " + QUANTITY, configError(fromEnv("vcpu", "lots")));
    }

    @Test
    void negativeVcpu() {
        assertEquals("vcpu '-1' (from /etc/valence/valence.toml) is not valid: " + QUANTITY,
                configError(fromFile("vcpu", -1L)));
    }

    @Test
    void memoryWithAByteSuffixKubernetesDoesNotKnow() {
        assertEquals("memory '1GB' (from /etc/valence/valence.toml) is not valid: " + QUANTITY,
                configError(fromFile("memory", "1GB")));
    }

    @Test
    void zeroMemory() {
        assertEquals("memory '0Mi' (from the builder) is not valid: must be more than zero; " + QUANTITY,
                configError(SettingsTestSupport.isolated(home).memory("0Mi")));
    }

    @Test
    void memoryAsABoolean() {
        assertEquals("memory 'true' (from /etc/valence/valence.toml) is not valid: expected a string, got a boolean",
                configError(fromFile("memory", true)));
    }

    // ---- poll_freq, timeout, ttl_after_finished ----

    @Test
    void zeroPollFreq() {
        assertEquals("poll_freq '0' (from /etc/valence/valence.toml) is not valid: " + POSITIVE_SECONDS,
                configError(fromFile("poll_freq", 0L)));
    }

    @Test
    void negativePollFreq() {
        assertEquals("poll_freq '-5' (from VALENCE_K8S_POLL_FREQ) is not valid: " + POSITIVE_SECONDS,
                configError(fromEnv("poll_freq", "-5")));
    }

    @Test
    void pollFreqThatIsNotANumber() {
        assertEquals("poll_freq 'often' (from VALENCE_K8S_POLL_FREQ) is not valid: " + POSITIVE_SECONDS,
                configError(fromEnv("poll_freq", "often")));
    }

    @Test
    void pollFreqThatRoundsToZero() {
        assertEquals("poll_freq '1.0E-4' (from /etc/valence/valence.toml) is not valid: " + POSITIVE_SECONDS,
                configError(fromFile("poll_freq", 0.0001)));
    }

    @Test
    void pollFreqAsABoolean() {
        assertEquals("poll_freq 'true' (from /etc/valence/valence.toml) is not valid: " + POSITIVE_SECONDS
                + ", got a boolean", configError(fromFile("poll_freq", true)));
    }

    @Test
    void zeroTimeout() {
        assertEquals("timeout '0s' (from the builder) is not valid: " + POSITIVE_SECONDS,
                configError(SettingsTestSupport.isolated(home).timeout(Duration.ZERO)));
    }

    @Test
    void negativeTimeout() {
        assertEquals("timeout '-30' (from /etc/valence/valence.toml) is not valid: " + POSITIVE_SECONDS,
                configError(fromFile("timeout", -30L)));
    }

    @Test
    void negativeTtlAfterFinished() {
        assertEquals("ttl_after_finished '-1m' (from VALENCE_K8S_TTL_AFTER_FINISHED) is not valid: expected from 0 "
                + "to 2147483647 seconds (about 68 years, the most Kubernetes takes), such as 10, 2.5, or with a unit: "
                + "500ms, 30s, 5m, 1h",
                configError(fromEnv("ttl_after_finished", "-1m")));
    }

    // ---- retries, gpus, max_output_bytes ----

    @Test
    void negativeRetries() {
        assertEquals("retries '-1' (from VALENCE_K8S_RETRIES) is not valid: expected a whole number, 0 or more",
                configError(fromEnv("retries", "-1")));
    }

    @Test
    void fractionalRetries() {
        assertEquals("retries '1.5' (from /etc/valence/valence.toml) is not valid: expected a whole number, 0 or more, "
                + "got a decimal number", configError(fromFile("retries", 1.5)));
    }

    @Test
    void negativeGpus() {
        assertEquals("gpus '-1' (from the builder) is not valid: expected a whole number, 0 or more",
                configError(SettingsTestSupport.isolated(home).gpus(-1)));
    }

    @Test
    void gpusAsAWord() {
        assertEquals("gpus 'two' (from VALENCE_K8S_GPUS) is not valid: expected a whole number, 0 or more",
                configError(fromEnv("gpus", "two")));
    }

    @Test
    void zeroMaxOutputBytes() {
        assertEquals("max_output_bytes '0' (from /etc/valence/valence.toml) is not valid: expected a whole number, "
                + "1 or more", configError(fromFile("max_output_bytes", 0L)));
    }

    // ---- the pod's identity and limits ----

    @Test
    void runAsUserZeroIsRefusedAsTasksNeverRunAsRoot() {
        assertEquals("run_as_user '0' (from VALENCE_K8S_RUN_AS_USER) is not valid: expected a whole number, 1 or more",
                configError(fromEnv("run_as_user", "0")));
    }

    @Test
    void identityDefaultsToUid1000WithGroup1000AndFsGroup1000() {
        Settings s = SettingsTestSupport.isolated(home).build();
        assertEquals(1000, s.runAsUser());
        assertEquals(1000, s.runAsGroup());
        assertEquals(java.util.Optional.of(1000), s.fsGroup());
        assertEquals(java.util.Optional.empty(), SettingsTestSupport.isolated(home).set("fs_group", "").build().fsGroup());
    }

    @Test
    void limitsDefaultToNoCpuLimitAndAMemoryLimitEqualToTheRequest() {
        Settings s = SettingsTestSupport.isolated(home).memory("3Gi").build();
        assertEquals(java.util.Optional.empty(), s.vcpuLimit());
        assertEquals("3Gi", s.memoryLimit());
        assertEquals("4Gi", SettingsTestSupport.isolated(home).memory("3Gi").set("memory_limit", "4Gi").build().memoryLimit());
        assertEquals("vcpu_limit '1x' (from VALENCE_K8S_VCPU_LIMIT) is not valid: " + QUANTITY,
                configError(fromEnv("vcpu_limit", "1x")));
        assertFalse(s.automountServiceAccountToken());
    }

    // ---- names Kubernetes checks ----

    @Test
    void namespaceWithUppercaseAndUnderscore() {
        assertEquals("namespace 'Team_A' (from VALENCE_K8S_NAMESPACE) is not valid: expected a DNS-1123 label: "
                + "lowercase letters, digits and '-', at most 63 characters (or empty for the context's namespace)",
                configError(fromEnv("namespace", "Team_A")));
    }

    @Test
    void namespaceLongerThan63Characters() {
        String name = "a".repeat(64);
        assertEquals("namespace '" + name + "' (from /etc/valence/valence.toml) is not valid: expected a DNS-1123 label: "
                + "lowercase letters, digits and '-', at most 63 characters (or empty for the context's namespace)",
                configError(fromFile("namespace", name)));
    }

    @Test
    void serviceAccountWithASpace() {
        assertEquals("service_account 'task runner' (from /etc/valence/valence.toml) is not valid: expected a DNS-1123 "
                + "subdomain: lowercase letters, digits, '-' and '.' (or empty for the namespace's default)",
                configError(fromFile("service_account", "task runner")));
    }

    @Test
    void labelKeyStartingWithADash() {
        assertEquals("labels '{-team=ml}' (from /etc/valence/valence.toml) is not valid: '-team' is not a label key; "
                + LABEL_KEY, configError(fromFile("labels", Map.of("-team", "ml"))));
    }

    @Test
    void labelKeyWithABadPrefix() {
        assertEquals("labels '{Example.COM/team=ml}' (from the builder) is not valid: 'Example.COM/team' is not a label "
                + "key; " + LABEL_KEY,
                configError(SettingsTestSupport.isolated(home).labels(Map.of("Example.COM/team", "ml"))));
    }

    @Test
    void labelValueWithASpace() {
        assertEquals("labels 'team=machine learning' (from VALENCE_K8S_LABELS) is not valid: 'machine learning' is "
                + "not a label value; " + LABEL_VALUE, configError(fromEnv("labels", "team=machine learning")));
    }

    @Test
    void labelThatValenceSetsItself() {
        assertEquals("labels '{app.kubernetes.io/managed-by=me}' (from /etc/valence/valence.toml) is not valid: "
                + "'app.kubernetes.io/managed-by' is set by Valence on every Job; app.kubernetes.io/managed-by and "
                + "keys starting with valence.dev/ are reserved",
                configError(fromFile("labels", Map.of("app.kubernetes.io/managed-by", "me"))));
    }

    @Test
    void labelKeyWithDotsLeftUnquotedInToml() {
        // labels = { team.name = "ml" } in TOML is a nested table
        assertEquals("labels '{team={name=ml}}' (from /etc/valence/valence.toml) is not valid: expected a table of "
                + "strings; 'team' is a table (quote keys that contain dots: \"team.name\" = \"...\")",
                configError(fromFile("labels", Map.of("team", Map.of("name", "ml")))));
    }

    @Test
    void nodeSelectorValueTooLong() {
        String value = "x".repeat(64);
        assertEquals("node_selector '{disktype=" + value + "}' (from /etc/valence/valence.toml) is not valid: '"
                + value + "' is not a label value; " + LABEL_VALUE,
                configError(fromFile("node_selector", Map.of("disktype", value))));
    }

    @Test
    void nodeSelectorThatIsNotATable() {
        assertEquals("node_selector '[gpu]' (from /etc/valence/valence.toml) is not valid: expected a table of strings "
                + "(or key=value,key=value), got a list", configError(fromFile("node_selector", List.of("gpu"))));
    }

    @Test
    void nodeSelectorStringWithoutPairs() {
        assertEquals("node_selector 'gpu' (from VALENCE_K8S_NODE_SELECTOR) is not valid: expected key=value pairs "
                + "separated by commas, such as a=1,b=2", configError(fromEnv("node_selector", "gpu")));
    }

    @Test
    void envNameStartingWithADigit() {
        assertEquals("env '{1MODE=fast}' (from /etc/valence/valence.toml) is not valid: '1MODE' is not an environment "
                + "variable name; an environment variable name is letters, digits, '_', '-' and '.', not starting "
                + "with a digit", configError(fromFile("env", Map.of("1MODE", "fast"))));
    }

    @Test
    void envNameReservedForValence() {
        assertEquals("env '{VALENCE_DISPATCH_ID=d1}' (from the builder) is not valid: 'VALENCE_DISPATCH_ID': names "
                + "starting with VALENCE_ are reserved for Valence",
                configError(SettingsTestSupport.isolated(home).env(Map.of("VALENCE_DISPATCH_ID", "d1"))));
    }

    @Test
    void envValueThatIsAList() {
        assertEquals("env '{JAVA_OPTS=[-Xmx1g]}' (from /etc/valence/valence.toml) is not valid: expected a table of "
                + "strings; 'JAVA_OPTS' is a list", configError(fromFile("env", Map.of("JAVA_OPTS", List.of("-Xmx1g")))));
    }

    @Test
    void imagePullSecretThatIsNotASecretName() {
        assertEquals("image_pull_secrets '[regcred, Bad_Name]' (from /etc/valence/valence.toml) is not valid: "
                + "'Bad_Name' is not a secret name (DNS-1123 subdomain: lowercase letters, digits, '-' and '.')",
                configError(fromFile("image_pull_secrets", List.of("regcred", "Bad_Name"))));
    }

    @Test
    void envFromSecretThatIsNotASecretName() {
        assertEquals("env_from_secrets '[azure-storage, s3 keys]' (from /etc/valence/valence.toml) is not valid: "
                + "'s3 keys' is not a secret name (DNS-1123 subdomain: lowercase letters, digits, '-' and '.')",
                configError(fromFile("env_from_secrets", List.of("azure-storage", "s3 keys"))));
    }

    @Test
    void imagePullSecretsAsANumber() {
        assertEquals("image_pull_secrets '5' (from /etc/valence/valence.toml) is not valid: expected a list of strings "
                + "(or a,b,c), got a number", configError(fromFile("image_pull_secrets", 5L)));
    }

    @Test
    void imageRepoWithSpacesAndCapitals() {
        assertEquals("image_repo 'Valence Task' (from VALENCE_K8S_IMAGE_REPO) is not valid: expected a repository name: "
                + "lowercase letters, digits, '.', '_', '-' and '/' between components",
                configError(fromEnv("image_repo", "Valence Task")));
    }

    @Test
    void regionInCapitals() {
        assertEquals("region 'US-EAST-1' (from /etc/valence/valence.toml) is not valid: expected an AWS region such as "
                + "us-east-1 (or empty for the AWS SDK's default chain)", configError(fromFile("region", "US-EAST-1")));
    }

    // ---- registry ----

    @Test
    void registryWithAScheme() {
        assertEquals("registry 'http://localhost:5000' (from /etc/valence/valence.toml) is not valid: " + REGISTRY,
                configError(fromFile("registry", "http://localhost:5000")));
    }

    @Test
    void registryPortOutOfRange() {
        assertEquals("registry 'localhost:70000' (from VALENCE_K8S_REGISTRY) is not valid: the port must be from 1 to "
                + "65535; " + REGISTRY, configError(fromEnv("registry", "localhost:70000")));
    }

    @Test
    void registryAsANumber() {
        assertEquals("registry '5000' (from /etc/valence/valence.toml) is not valid: expected a string, got a number",
                configError(fromFile("registry", 5000L)));
    }

    @Test
    void missingRegistryCredentialsFile() {
        Path missing = home.resolve("creds.toml");
        assertEquals("registry_credentials_file '~/creds.toml' (from /etc/valence/valence.toml) is not valid: no such "
                + "file " + missing + "; expected a TOML file with username and password (or empty for none)",
                configError(fromFile("registry_credentials_file", "~/creds.toml")));
    }

    // ---- data_store and paths ----

    @Test
    void s3DataStoreWithoutBucket() {
        assertEquals("data_store 's3://' (from VALENCE_K8S_DATA_STORE) is not valid: no bucket or container after "
                + "'s3://'; " + DATA_STORE, configError(fromEnv("data_store", "s3://")));
    }

    @Test
    void relativeDataStore() {
        assertEquals("data_store 'data/valence' (from /etc/valence/valence.toml) is not valid: " + DATA_STORE,
                configError(fromFile("data_store", "data/valence")));
    }

    @Test
    void fileDataStoreWithARelativePath() {
        assertEquals("data_store 'file:tmp/valence' (from the builder) is not valid: a file: store needs an absolute "
                + "path, such as file:/tmp/valence; " + DATA_STORE,
                configError(SettingsTestSupport.isolated(home).dataStore("file:tmp/valence")));
    }

    @Test
    void emptyDataStore() {
        assertEquals("data_store '' (from VALENCE_K8S_DATA_STORE) is not valid: " + DATA_STORE + ", got an empty value",
                configError(fromEnv("data_store", "")));
    }

    @Test
    void relativeDataStoreMount() {
        assertEquals("data_store_mount 'data' (from /etc/valence/valence.toml) is not valid: expected an absolute path "
                + "in the pod, such as /data", configError(fromFile("data_store_mount", "data")));
    }

    @Test
    void relativeCacheDir() {
        assertEquals("cache_dir '.cache/valence' (from VALENCE_K8S_CACHE_DIR) is not valid: expected an absolute "
                + "directory path, such as /home/user/.cache/valence or ~/.cache/valence",
                configError(fromEnv("cache_dir", ".cache/valence")));
    }

    @Test
    void missingKubeconfig() {
        assertEquals("k8s_config_file '/nonexistent/kubeconfig' (from /etc/valence/valence.toml) is not valid: no such "
                + "file; expected a kubeconfig file (or empty for $KUBECONFIG, ~/.kube/config, or in-cluster config "
                + "in a pod)", configError(fromFile("k8s_config_file", "/nonexistent/kubeconfig")));
    }

    @Test
    void cacheDirThatIsNotADirectoryPathButATable() {
        assertEquals("cache_dir '{path=/tmp}' (from /etc/valence/valence.toml) is not valid: expected a string, "
                + "got a table", configError(fromFile("cache_dir", Map.of("path", "/tmp"))));
    }

    // ---- one-of, booleans ----

    @Test
    void unknownClusterClient() {
        assertEquals("cluster_client 'Kube_Ctl' (from VALENCE_K8S_CLUSTER_CLIENT) is not valid: accepted: fabric8, "
                + "official, or the name of an installed cluster client plugin (lowercase letters, digits, '-' and '.')",
                configError(fromEnv("cluster_client", "Kube_Ctl")));
    }

    @Test
    void keepArtifactsAsYes() {
        assertEquals("keep_artifacts 'yes' (from VALENCE_K8S_KEEP_ARTIFACTS) is not valid: accepted: true, false",
                configError(fromEnv("keep_artifacts", "yes")));
    }

    @Test
    void keepArtifactsAsANumber() {
        assertEquals("keep_artifacts '1' (from /etc/valence/valence.toml) is not valid: accepted: true, false; "
                + "got a number", configError(fromFile("keep_artifacts", 1L)));
    }

    @Test
    void baseImageAsANumber() {
        assertEquals("base_image '17' (from /etc/valence/valence.toml) is not valid: expected a string, got a number",
                configError(fromFile("base_image", 17L)));
    }

    @Test
    void baseImageWithASpace() {
        assertEquals("base_image 'eclipse temurin' (from the builder) is not valid: expected an image reference "
                + "[registry[:port]/]repository[:tag][@sha256:digest] of a Java 17+ JRE image, such as eclipse-temurin:17-jre", configError(SettingsTestSupport.isolated(home).baseImage("eclipse temurin")));
    }

    @Test
    void k8sContextAsATable() {
        assertEquals("k8s_context '{name=minikube}' (from /etc/valence/valence.toml) is not valid: expected a string, "
                + "got a table", configError(fromFile("k8s_context", Map.of("name", "minikube"))));
    }

    // ---- tolerations ----

    @Test
    void tolerationWithAnUnknownOperator() {
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("key", "gpu");
        t.put("operator", "In");
        assertEquals("tolerations '[{key=gpu, operator=In}]' (from /etc/valence/valence.toml) is not valid: toleration 1: "
                + "operator 'In' is not accepted (accepted: Equal, Exists)",
                configError(fromFile("tolerations", List.of(t))));
    }

    @Test
    void tolerationWithAMisspelledEffect() {
        assertEquals("tolerations 'gpu=true:NoSchedule,spot=yes:NoSchedul' (from VALENCE_K8S_TOLERATIONS) is not valid: "
                + "toleration 2: effect 'NoSchedul' is not accepted (accepted: NoSchedule, PreferNoSchedule, "
                + "NoExecute, or empty for every effect)",
                configError(fromEnv("tolerations", "gpu=true:NoSchedule,spot=yes:NoSchedul")));
    }

    @Test
    void tolerationExistsWithAValue() {
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("key", "gpu");
        t.put("operator", "Exists");
        t.put("value", "true");
        assertEquals("tolerations '[{key=gpu, operator=Exists, value=true}]' (from /etc/valence/valence.toml) is not "
                + "valid: toleration 1: value 'true' must be empty when operator is Exists",
                configError(fromFile("tolerations", List.of(t))));
    }

    @Test
    void tolerationWithAnUnknownField() {
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("key", "gpu");
        t.put("effct", "NoSchedule");
        assertEquals("tolerations '[{key=gpu, effct=NoSchedule}]' (from /etc/valence/valence.toml) is not valid: "
                + "toleration 1: unknown field 'effct' (accepted: key, operator, value, effect, toleration_seconds)",
                configError(fromFile("tolerations", List.of(t))));
    }

    @Test
    void tolerationSecondsWithoutNoExecute() {
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("key", "spot");
        t.put("operator", "Exists");
        t.put("effect", "NoSchedule");
        t.put("toleration_seconds", 300L);
        assertEquals("tolerations '[{key=spot, operator=Exists, effect=NoSchedule, toleration_seconds=300}]' (from "
                + "/etc/valence/valence.toml) is not valid: toleration 1: toleration_seconds applies only to effect "
                + "NoExecute, not to 'NoSchedule'", configError(fromFile("tolerations", List.of(t))));
    }

    @Test
    void tolerationEqualWithoutKey() {
        assertEquals("tolerations '[{value=true}]' (from /etc/valence/valence.toml) is not valid: toleration 1: key "
                + "must be set when operator is Equal (operator Exists with no key tolerates every taint)",
                configError(fromFile("tolerations", List.of(Map.of("value", "true")))));
    }

    @Test
    void tolerationsAsATable() {
        assertEquals("tolerations '{key=gpu}' (from /etc/valence/valence.toml) is not valid: " + TOLERATIONS
                + ", got a table", configError(fromFile("tolerations", Map.of("key", "gpu"))));
    }

    @Test
    void tolerationInCodeIsCheckedByTheRecord() {
        ValenceException e = org.junit.jupiter.api.Assertions.assertThrows(ValenceException.class,
                () -> Toleration.equal("gpu", "true", "Never"));
        assertEquals(ErrorKind.CONFIG, e.kind());
        assertEquals("tolerations: effect 'Never' is not accepted (accepted: NoSchedule, PreferNoSchedule, NoExecute, "
                + "or empty for every effect)", e.getMessage());
    }

    // ---- several at once ----

    @Test
    void everyProblemIsReportedAtOnceWithItsOwnSource() {
        Settings.Builder b = SettingsTestSupport.isolated(home)
                .fileValues(FILE, Map.of("memroy", "1G", "poll_freq", 0L))
                .environmentValues(Map.of("VALENCE_K8S_VCPU", "lots"))
                .retries(-1);
        assertEquals("4 settings are not valid:\n"
                + "  unknown key 'memroy' (from /etc/valence/valence.toml): did you mean 'memory'?\n"
                + "  vcpu 'lots' (from VALENCE_K8S_VCPU) is not valid: " + QUANTITY + "\n"
                + "  poll_freq '0' (from /etc/valence/valence.toml) is not valid: " + POSITIVE_SECONDS + "\n"
                + "  retries '-1' (from the builder) is not valid: expected a whole number, 0 or more",
                configError(b));
    }

    @Test
    void extraChecksReportWithTheSourceToo() throws Exception {
        Path creds = Files.writeString(home.resolve("creds.toml"), "username = \"u\"\n");
        Settings.Builder b = SettingsTestSupport.isolated(home)
                .environmentValues(Map.of("VALENCE_K8S_REGISTRY_CREDENTIALS_FILE", creds.toString()))
                .check("registry_credentials_file", v -> java.util.Optional.of("the file has no 'password'"));
        assertEquals("registry_credentials_file '" + creds + "' (from VALENCE_K8S_REGISTRY_CREDENTIALS_FILE) is not "
                + "valid: the file has no 'password'", configError(b));
    }

    @Test
    void extraChecksAlsoRunOnDerivedDefaults() {
        Settings.Builder b = SettingsTestSupport.isolated(home)
                .check("data_store", v -> java.util.Optional.of("no installed store serves scheme 'file' (installed: s3)"));
        assertEquals("data_store '" + home.resolve(".cache/valence/data") + "' (default) is not valid: no installed "
                + "store serves scheme 'file' (installed: s3)", configError(b));
    }
}
