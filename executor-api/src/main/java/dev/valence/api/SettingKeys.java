package dev.valence.api;

import java.io.File;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.time.temporal.TemporalAccessor;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The catalog of Valence's own keys, in the seed README's order then Valence's own: how each is
 * parsed and validated, its default, and what an empty value means.
 */
final class SettingKeys {
    private SettingKeys() {
    }

    /** A value was not accepted; the message says what is. */
    static final class Invalid extends Exception {
        private static final long serialVersionUID = 1L;

        Invalid(String accepted) {
            super(accepted, null, false, false);
        }
    }

    /** Inputs the defaults (and {@code ~} expansion) depend on: the process environment and the home directory. */
    record Defaults(Map<String, String> env, Path home) {
    }

    @FunctionalInterface
    private interface Parser {
        Object parse(Object raw, Defaults d) throws Invalid;
    }

    private record Key(String name, Parser parser, Function<Defaults, Object> defaultValue, String whenEmpty) {
    }

    private static final Map<String, Key> KEYS = new LinkedHashMap<>();

    static final Pattern QUANTITY = Pattern.compile(
            "^\\+?(\\d+(\\.\\d*)?|\\.\\d+)(Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E|[eE][+-]?\\d+)?$");
    private static final Pattern DNS_LABEL = Pattern.compile("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$");
    private static final Pattern DNS_SUBDOMAIN = Pattern.compile(
            "^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$");
    private static final Pattern HOST_PORT = Pattern.compile(
            "^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*(:\\d{1,5})?$");
    private static final Pattern IMAGE_REPO = Pattern.compile(
            "^[a-z0-9]+([._-][a-z0-9]+)*(/[a-z0-9]+([._-][a-z0-9]+)*)*$");
    private static final Pattern LABEL_NAME = Pattern.compile("^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$");
    private static final Pattern LABEL_VALUE = Pattern.compile("^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$");
    private static final Pattern ENV_NAME = Pattern.compile("^[-._a-zA-Z][-._a-zA-Z0-9]*$");
    private static final Pattern DURATION = Pattern.compile("^(\\d+(\\.\\d+)?|\\.\\d+)(ms|s|m|h)?$");
    private static final Pattern TAINT = Pattern.compile("^([^=:]*)(=([^:]*))?(:(\\w*))?$");
    private static final Pattern REGION = Pattern.compile("^[a-z]{2}(-[a-z]+)+-\\d+$");
    /**
     * An image reference as the OCI distribution spec writes one: an optional registry host (with a
     * '.' or ':', or localhost), a lowercase repository path, an optional tag and digest.
     */
    private static final Pattern IMAGE_REFERENCE = Pattern.compile("^((?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
            + "(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+(?::\\d+)?|localhost(?::\\d+)?|[A-Za-z0-9-]+:\\d+)/)?"
            + "([a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*)"
            + "(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?$");
    /** Official images without a JVM, which the seed's own config used (python:3.8-slim-bullseye). */
    private static final Set<String> NOT_JAVA_IMAGES = Set.of("python", "pypy", "node", "golang", "ruby", "php", "perl",
            "rust", "ubuntu", "debian", "alpine", "busybox", "centos", "fedora", "rockylinux", "almalinux", "nginx",
            "httpd", "redis", "postgres", "mysql");
    private static final Pattern STORE_URI = Pattern.compile("^([a-z][a-z0-9+.-]*)://([^/]*)(/.*)?$");

    private static final String QUANTITY_ACCEPTED = "expected a Kubernetes quantity such as 500m, 2, 1.5, 512Mi, 1G "
            + "(suffixes m, k, M, G, T, P, E, Ki, Mi, Gi, Ti, Pi, Ei)";
    private static final String DATA_STORE_ACCEPTED = "expected an absolute path (/tmp/valence, ~/valence), "
            + "file:/path, s3://bucket/prefix or azblob://container/prefix "
            + "(another scheme works when a store plugin serves it)";
    private static final String REGISTRY_ACCEPTED = "expected a registry host[:port] "
            + "(localhost:5000, 123456789012.dkr.ecr.us-east-1.amazonaws.com), "
            + "'docker' (a local Docker daemon) or 'tar' (an image tar for 'minikube image load')";
    private static final String LABEL_KEY_ACCEPTED = "a label key is [prefix/]name: name at most 63 letters, digits, "
            + "'-', '_', '.', starting and ending with a letter or digit; prefix a DNS subdomain";
    private static final String LABEL_VALUE_ACCEPTED = "a label value is at most 63 letters, digits, '-', '_', '.', "
            + "starting and ending with a letter or digit (or empty)";
    private static final String ENV_NAME_ACCEPTED = "an environment variable name is letters, digits, '_', '-' and '.', "
            + "not starting with a digit";
    private static final String TOLERATIONS_ACCEPTED = "expected a list of tables "
            + "{key, operator, value, effect, toleration_seconds} ([[executors.k8s.tolerations]]) "
            + "or taints as key=value:Effect,key:Effect";

    private static final List<String> TOLERATION_FIELDS = List.of("key", "operator", "value", "effect",
            "toleration_seconds");
    /** Labels Valence puts on every Job; the executor relies on them to find its Jobs. */
    private static final String MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";
    private static final String VALENCE_LABEL_PREFIX = "valence.dev/";

    static {
        // the seed's configuration block, in its order
        key("base_image", (v, d) -> image(string(v)), d -> "eclipse-temurin:17-jre", null);
        key("k8s_config_file", SettingKeys::kubeconfig, SettingKeys::defaultKubeconfig,
                "in-cluster config (no kubeconfig found, running in a pod)");
        key("k8s_context", (v, d) -> string(v), d -> "", "the kubeconfig's current context");
        key("registry", (v, d) -> registry(v), d -> "localhost:5000", null);
        key("registry_credentials_file", SettingKeys::credentialsFile, d -> null, "none");
        key("data_store", SettingKeys::dataStore, d -> null, null);
        key("vcpu", (v, d) -> quantity(v), d -> "500m", null);
        key("memory", (v, d) -> quantity(v), d -> "1G", null);
        key("cache_dir", (v, d) -> directory(string(v), d), d -> d.home().resolve(".cache").resolve("valence"), null);
        key("poll_freq", (v, d) -> duration(v, false), d -> Duration.ofSeconds(10), null);
        // the seed's executor example
        key("image_repo", (v, d) -> matching(string(v), IMAGE_REPO, false,
                "expected a repository name: lowercase letters, digits, '.', '_', '-' and '/' between components"),
                d -> "valence-task", null);
        // Valence's own
        key("namespace", (v, d) -> matching(string(v), DNS_LABEL, true,
                "expected a DNS-1123 label: lowercase letters, digits and '-', at most 63 characters "
                        + "(or empty for the context's namespace)"),
                d -> "", "the context's namespace, else default");
        key("region", (v, d) -> matching(string(v), REGION, true, "expected an AWS region such as us-east-1 "
                + "(or empty for the AWS SDK's default chain)"), d -> "", "the AWS SDK's default chain");
        key("data_store_mount", (v, d) -> absolute(string(v)), d -> "/data", null);
        // fabric8 and official ship with Valence; a plugin may bring another (Plugins names what is installed)
        key("cluster_client", (v, d) -> matching(string(v), Pattern.compile("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$"), false,
                "accepted: fabric8, official, or the name of an installed cluster client plugin "
                        + "(lowercase letters, digits, '-' and '.')"), d -> "fabric8", null);
        key("gpus", (v, d) -> integer(v, 0), d -> 0, null);
        key("node_selector", (v, d) -> stringMap(v, SettingKeys::labelKeyCheck, SettingKeys::labelValue), d -> Map.of(),
                null);
        key("tolerations", (v, d) -> tolerations(v), d -> List.of(), null);
        key("service_account", (v, d) -> matching(string(v), DNS_SUBDOMAIN, true,
                "expected a DNS-1123 subdomain: lowercase letters, digits, '-' and '.' "
                        + "(or empty for the namespace's default)"),
                d -> "", "the namespace's default");
        key("image_pull_secrets", (v, d) -> stringList(v, DNS_SUBDOMAIN, "a secret name (DNS-1123 subdomain: "
                + "lowercase letters, digits, '-' and '.')"), d -> List.of(), null);
        key("env_from_secrets", (v, d) -> stringList(v, DNS_SUBDOMAIN, "a secret name (DNS-1123 subdomain: "
                + "lowercase letters, digits, '-' and '.')"), d -> List.of(), null);
        key("env", (v, d) -> stringMap(v, SettingKeys::envName, s -> { }), d -> Map.of(), null);
        key("timeout", (v, d) -> emptyIsNone(v) ? null : duration(v, false), d -> null, "none");
        key("retries", (v, d) -> integer(v, 0), d -> 0, null);
        key("ttl_after_finished", (v, d) -> emptyIsNone(v) ? null : duration(v, true), d -> Duration.ofDays(1),
                "none (kept until Valence deletes it)");
        key("keep_artifacts", (v, d) -> bool(v), d -> false, null);
        key("labels", (v, d) -> stringMap(v, SettingKeys::userLabelKey, SettingKeys::labelValue), d -> Map.of(),
                null);
        key("unschedulable_grace", (v, d) -> duration(v, false), d -> Duration.ofMinutes(5), null);
        key("max_output_bytes", (v, d) -> integerLong(v, 1), d -> 256L * 1024 * 1024, null);
        // the pod's identity and resources (issue 19)
        key("run_as_user", (v, d) -> integer(v, 1), d -> 1000, null);
        key("run_as_group", (v, d) -> integer(v, 0), d -> 1000, null);
        key("fs_group", (v, d) -> emptyIsNone(v) ? null : integer(v, 0), d -> 1000,
                "none (a local store's folders are then open to every user, mode 0777)");
        key("vcpu_limit", (v, d) -> emptyIsNone(v) ? null : quantity(v), d -> null,
                "none (a CPU request only: start-up is not throttled)");
        key("memory_limit", (v, d) -> emptyIsNone(v) ? null : quantity(v), d -> null, "the memory request");
        key("automount_service_account_token", (v, d) -> bool(v), d -> false, null);
        key("check_node_capacity", (v, d) -> bool(v), d -> true, null);
        // memoized calls (issue 24)
        key("cache", (v, d) -> bool(v), d -> false, null);
        key("cache_ttl", (v, d) -> emptyIsNone(v) ? null : duration(v, false), d -> null, "none (entries never expire)");
        // a private CA for the data store (issue 28)
        key("ca_bundle", (v, d) -> caBundle(v), d -> null, "none: pods trust the JRE's CAs");
        key("ca_bundle_file", SettingKeys::caBundleFile, d -> null, "none: the client trusts the JRE's CAs");
    }

    private static Object caBundle(Object v) throws Invalid {
        String s = string(v);
        if (s.isEmpty()) {
            return null;
        }
        try {
            return ClusterFileRef.parse(s);
        } catch (IllegalArgumentException e) {
            throw new Invalid(e.getMessage());
        }
    }

    private static Object caBundleFile(Object v, Defaults d) throws Invalid {
        return readableFile(v, d, "a PEM file of the CA certificates the data store's TLS certificate is signed by");
    }

    /** A readable file (home-expanded), or null for an empty value; else what was wrong and {@code expected}. */
    private static Path readableFile(Object v, Defaults d, String expected) throws Invalid {
        String s = string(v);
        if (s.isEmpty()) {
            return null;
        }
        Path p = expandHome(s, d);
        if (!Files.isRegularFile(p) || !Files.isReadable(p)) {
            throw new Invalid((Files.exists(p) ? "not a readable file" : noSuchFile(s, p)) + "; expected " + expected
                    + " (or empty for none)");
        }
        return p;
    }

    private static void key(String name, Parser parser, Function<Defaults, Object> def, String whenEmpty) {
        KEYS.put(name, new Key(name, parser, def, whenEmpty));
    }

    static List<String> names() {
        return List.copyOf(KEYS.keySet());
    }

    static boolean isKnown(String key) {
        return KEYS.containsKey(key);
    }

    static Object parse(String key, Object raw, Defaults defaults) throws Invalid {
        return KEYS.get(key).parser().parse(raw, defaults);
    }

    static Object parsePluginValue(Object raw) throws Invalid {
        if (raw instanceof Map || raw instanceof List) {
            throw new Invalid("expected a single value, got " + typeName(raw));
        }
        return plain(raw);
    }

    static Object defaultValue(String key, Defaults defaults) {
        return KEYS.get(key).defaultValue().apply(defaults);
    }

    /** What an empty value of this key means, for listings; empty when the key always has a value. */
    static Optional<String> whenEmpty(String key) {
        Key k = KEYS.get(key);
        return k == null ? Optional.empty() : Optional.ofNullable(k.whenEmpty());
    }

    /** Fills values derived from other keys: {@code data_store} defaults to {@code <cache_dir>/data}. */
    static void derive(Map<String, Settings.Entry> out) {
        Settings.Entry store = out.get("data_store");
        if (store.value() == null) {
            Path cache = (Path) out.get("cache_dir").value();
            out.put("data_store", new Settings.Entry("data_store", cache.resolve("data").toString(),
                    Settings.Source.DEFAULT, "default"));
        }
    }

    static String schemeOf(String dataStore) {
        if (dataStore.startsWith("/")) {
            return "file";
        }
        int colon = dataStore.indexOf(':');
        return colon > 0 ? dataStore.substring(0, colon).toLowerCase(Locale.ROOT) : "file";
    }

    // ---- unknown keys ----

    static String unknownKey(String key, Settings.Source source, String origin, Collection<String> known) {
        Optional<String> near = nearest(key, known);
        String suggestion;
        if (near.isPresent() && source == Settings.Source.ENV) {
            int named = origin.indexOf(Settings.NAME_SEPARATOR);
            String prefix = named > 0 ? origin.substring(0, named + Settings.NAME_SEPARATOR.length()) : Settings.ENV_PREFIX;
            suggestion = ": did you mean " + prefix + near.get().toUpperCase(Locale.ROOT) + "?";
        } else if (near.isPresent()) {
            suggestion = ": did you mean '" + near.get() + "'?";
        } else {
            suggestion = ": not a Valence setting (known keys: " + String.join(", ", known) + ")";
        }
        return "unknown key '" + key + "'" + from(source, origin) + suggestion;
    }

    static Optional<String> nearest(String key, Collection<String> known) {
        String wanted = key.toLowerCase(Locale.ROOT).replace('-', '_');
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String k : known) {
            int d = distance(wanted, k);
            boolean prefix = Math.min(wanted.length(), k.length()) >= 4 && (wanted.startsWith(k) || k.startsWith(wanted));
            if (prefix) {
                d = Math.min(d, 1);
            }
            if (d < bestDistance) {
                bestDistance = d;
                best = k;
            }
        }
        int allowed = Math.max(2, key.length() / 4);
        return bestDistance <= allowed ? Optional.ofNullable(best) : Optional.empty();
    }

    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    /** Where a value came from, as error messages say it: {@code  (from VALENCE_K8S_VCPU)}. */
    static String from(Settings.Source source, String origin) {
        return switch (source) {
            case DEFAULT -> " (default)";
            case BUILDER -> "builder".equals(origin) ? " (from the builder)" : " (from " + origin + ")";
            default -> " (from " + origin + ")";
        };
    }

    // ---- display ----

    /** A value as a user would write it: durations as {@code 10s}, lists and maps flat. */
    static String plain(Object value) {
        if (value == null) {
            return "";
        }
        if (value instanceof Duration d) {
            return duration(d);
        }
        if (value instanceof Optional<?> o) {
            return o.map(SettingKeys::plain).orElse("");
        }
        return String.valueOf(value);
    }

    private static String duration(Duration d) {
        long ms = d.toMillis();
        if (ms % 1000 != 0) {
            return ms + "ms";
        }
        long s = ms / 1000;
        if (s != 0 && s % 3600 == 0) {
            return s / 3600 + "h";
        }
        if (s != 0 && s % 60 == 0) {
            return s / 60 + "m";
        }
        return s + "s";
    }

    // ---- defaults ----

    /**
     * The environment variable a key's default was taken from, when it was: {@code k8s_config_file}
     * from {@code $KUBECONFIG} (shown as env, not default, since the user set it).
     */
    static Optional<String> defaultFromVariable(String key, Defaults d) {
        if (key.equals("k8s_config_file")) {
            String kubeconfig = d.env().get("KUBECONFIG");
            if (kubeconfig != null && !kubeconfig.isBlank()) {
                return Optional.of("KUBECONFIG");
            }
        }
        return Optional.empty();
    }

    private static Object defaultKubeconfig(Defaults d) {
        String kubeconfig = d.env().get("KUBECONFIG");
        if (kubeconfig != null && !kubeconfig.isBlank()) {
            List<Path> listed = new ArrayList<>();
            for (String part : kubeconfig.split(Pattern.quote(File.pathSeparator))) {
                if (!part.isBlank()) {
                    listed.add(expandHome(part.trim(), d));
                }
            }
            return listed.stream().filter(Files::isRegularFile).findFirst().orElse(listed.get(0));
        }
        Path home = d.home().resolve(".kube").resolve("config");
        String serviceHost = d.env().get("KUBERNETES_SERVICE_HOST");
        if (!Files.exists(home) && serviceHost != null && !serviceHost.isBlank()) {
            return null; // in a pod: in-cluster config
        }
        return home;
    }

    // ---- parsers ----

    private static String string(Object v) throws Invalid {
        if (v instanceof String s) {
            return s.trim();
        }
        if (v instanceof Path p) {
            return p.toString();
        }
        throw new Invalid("expected a string, got " + typeName(v));
    }

    static String typeName(Object v) {
        if (v instanceof Map) {
            return "a table";
        }
        if (v instanceof List) {
            return "a list";
        }
        if (v instanceof Boolean) {
            return "a boolean";
        }
        if (v instanceof Double || v instanceof Float || v instanceof BigDecimal) {
            return "a decimal number";
        }
        if (v instanceof Number) {
            return "a number";
        }
        if (v instanceof TemporalAccessor) {
            return "a date/time";
        }
        return v == null ? "nothing" : v.getClass().getSimpleName();
    }

    private static boolean emptyIsNone(Object v) {
        return v instanceof String s && s.isBlank();
    }

    private static String image(String s) throws Invalid {
        String accepted = "expected an image reference [registry[:port]/]repository[:tag][@sha256:digest] of a "
                + "Java 17+ JRE image, such as eclipse-temurin:17-jre";
        Matcher m = IMAGE_REFERENCE.matcher(s);
        if (!m.matches()) {
            throw new Invalid(accepted);
        }
        String registry = m.group(1) == null ? "docker.io/" : m.group(1);
        String name = m.group(2).startsWith("library/") ? m.group(2).substring("library/".length()) : m.group(2);
        if (registry.equals("docker.io/") && NOT_JAVA_IMAGES.contains(name)) {
            throw new Invalid("'" + name + "' images have no Java, and the task's launcher is a Java program; use a "
                    + "JRE image such as eclipse-temurin:17-jre (or your own image with java 17+ on its PATH)");
        }
        return s;
    }

    private static Path expandHome(String s, Defaults d) {
        if (s.equals("~")) {
            return d.home();
        }
        if (s.startsWith("~/")) {
            return d.home().resolve(s.substring(2));
        }
        return Path.of(s);
    }

    private static Object kubeconfig(Object v, Defaults d) throws Invalid {
        String s = string(v);
        if (s.isEmpty()) {
            return defaultKubeconfig(d);
        }
        Path p = expandHome(s, d);
        if (!Files.isRegularFile(p)) {
            throw new Invalid(noSuchFile(s, p) + "; expected a kubeconfig file "
                    + "(or empty for $KUBECONFIG, ~/.kube/config, or in-cluster config in a pod)");
        }
        return p;
    }

    private static String noSuchFile(String given, Path resolved) {
        return given.equals(resolved.toString()) ? "no such file" : "no such file " + resolved;
    }

    private static Object credentialsFile(Object v, Defaults d) throws Invalid {
        return readableFile(v, d, "a TOML file with username and password");
    }

    private static Path directory(String s, Defaults d) throws Invalid {
        Path p = s.isEmpty() ? null : expandHome(s, d);
        if (p == null || !p.isAbsolute()) {
            throw new Invalid("expected an absolute directory path, such as /home/user/.cache/valence or ~/.cache/valence");
        }
        return p;
    }

    private static String absolute(String s) throws Invalid {
        if (!s.startsWith("/")) {
            throw new Invalid("expected an absolute path in the pod, such as /data");
        }
        return s;
    }

    private static String matching(String s, Pattern p, boolean emptyAllowed, String accepted) throws Invalid {
        if (s.isEmpty() && emptyAllowed) {
            return s;
        }
        if (!p.matcher(s).matches()) {
            throw new Invalid(accepted);
        }
        return s;
    }

    private static String quantity(Object v) throws Invalid {
        String s;
        if (v instanceof Number n) {
            if (v instanceof Double dbl && (dbl.isNaN() || dbl.isInfinite())) {
                throw new Invalid(QUANTITY_ACCEPTED);
            }
            s = new BigDecimal(n.toString()).toPlainString();
        } else {
            s = string(v);
        }
        Matcher m = QUANTITY.matcher(s);
        if (!m.matches()) {
            throw new Invalid(QUANTITY_ACCEPTED);
        }
        if (new BigDecimal(m.group(1).startsWith(".") ? "0" + m.group(1) : m.group(1)).signum() == 0) {
            throw new Invalid("must be more than zero; " + QUANTITY_ACCEPTED);
        }
        return s;
    }

    private static String registry(Object v) throws Invalid {
        String s = string(v);
        if (s.equals("docker") || s.equals("tar")) {
            return s;
        }
        if (s.equals("localhost")) {
            // the seed's plugin: "localhost" meant "no registry, load the image into minikube"
            throw new Invalid("'localhost' (the Python plugin's word for minikube's own image store) has no port: "
                    + "write registry = \"tar\" to build an image tar for 'minikube image load', or "
                    + "\"localhost:5000\" for a registry on port 5000 (minikube addons enable registry); "
                    + REGISTRY_ACCEPTED);
        }
        if (!HOST_PORT.matcher(s).matches()) {
            throw new Invalid(REGISTRY_ACCEPTED);
        }
        int colon = s.lastIndexOf(':');
        if (colon > 0) {
            int port = Integer.parseInt(s.substring(colon + 1));
            if (port < 1 || port > 65535) {
                throw new Invalid("the port must be from 1 to 65535; " + REGISTRY_ACCEPTED);
            }
        }
        return s;
    }

    private static String dataStore(Object v, Defaults d) throws Invalid {
        String s = string(v);
        if (s.isEmpty()) {
            throw new Invalid(DATA_STORE_ACCEPTED + ", got an empty value");
        }
        if (s.equals("~") || s.startsWith("~/")) {
            return expandHome(s, d).toString();
        }
        if (s.startsWith("/")) {
            return s;
        }
        if (s.startsWith("file:")) {
            String path = s.substring("file:".length()).replaceFirst("^//", "");
            if (!path.startsWith("/")) {
                throw new Invalid("a file: store needs an absolute path, such as file:/tmp/valence; "
                        + DATA_STORE_ACCEPTED);
            }
            return s;
        }
        Matcher m = STORE_URI.matcher(s);
        if (!m.matches()) {
            throw new Invalid(DATA_STORE_ACCEPTED);
        }
        if (m.group(2).isEmpty()) {
            throw new Invalid("no bucket or container after '" + m.group(1) + "://'; " + DATA_STORE_ACCEPTED);
        }
        return s;
    }

    /** The longest duration a setting takes: Kubernetes' int32 seconds fields (ttlSecondsAfterFinished). */
    static final long MAX_SECONDS = Integer.MAX_VALUE;

    private static Duration duration(Object v, boolean zeroAllowed) throws Invalid {
        String accepted = "expected " + (zeroAllowed ? "from 0" : "from 0.001 (1 ms)") + " to " + MAX_SECONDS
                + " seconds (about 68 years, the most Kubernetes takes), such as 10, 2.5, or with a unit: 500ms, 30s, "
                + "5m, 1h";
        BigDecimal seconds;
        if (v instanceof Duration d) {
            seconds = BigDecimal.valueOf(d.toMillis()).movePointLeft(3);
        } else if (v instanceof Double dbl && (dbl.isNaN() || dbl.isInfinite())) {
            throw new Invalid(accepted);
        } else if (v instanceof Number n) {
            seconds = new BigDecimal(n.toString());
        } else if (v instanceof String str) {
            String s = str.trim();
            if (s.startsWith("P") || s.startsWith("p")) {
                try {
                    seconds = BigDecimal.valueOf(Duration.parse(s).toMillis()).movePointLeft(3);
                } catch (DateTimeParseException | ArithmeticException e) {
                    throw new Invalid(accepted);
                }
            } else {
                Matcher m = DURATION.matcher(s);
                if (!m.matches()) {
                    throw new Invalid(accepted);
                }
                BigDecimal n = new BigDecimal(m.group(1));
                String unit = m.group(3) == null ? "s" : m.group(3);
                seconds = switch (unit) {
                    case "ms" -> n.movePointLeft(3);
                    case "m" -> n.multiply(BigDecimal.valueOf(60));
                    case "h" -> n.multiply(BigDecimal.valueOf(3600));
                    default -> n;
                };
            }
        } else {
            throw new Invalid(accepted + ", got " + typeName(v));
        }
        long millis;
        try {
            millis = seconds.movePointRight(3).setScale(0, java.math.RoundingMode.DOWN).longValueExact();
        } catch (ArithmeticException e) {
            throw new Invalid(accepted);
        }
        if (millis < 0 || (!zeroAllowed && millis == 0) || millis > MAX_SECONDS * 1000L) {
            throw new Invalid(accepted);
        }
        return Duration.ofMillis(millis);
    }

    private static int integer(Object v, int min) throws Invalid {
        long l = integerLong(v, min);
        if (l > Integer.MAX_VALUE) {
            throw new Invalid("expected a whole number from " + min + " to " + Integer.MAX_VALUE);
        }
        return (int) l;
    }

    private static long integerLong(Object v, long min) throws Invalid {
        String accepted = "expected a whole number, " + min + " or more";
        long l;
        if (v instanceof Integer || v instanceof Long || v instanceof Short) {
            l = ((Number) v).longValue();
        } else if (v instanceof String s && s.trim().matches("[-+]?\\d{1,18}")) {
            l = Long.parseLong(s.trim());
        } else {
            throw new Invalid(accepted + (v instanceof String ? "" : ", got " + typeName(v)));
        }
        if (l < min) {
            throw new Invalid(accepted);
        }
        return l;
    }

    private static boolean bool(Object v) throws Invalid {
        if (v instanceof Boolean b) {
            return b;
        }
        if (v instanceof String s) {
            switch (s.trim().toLowerCase(Locale.ROOT)) {
                case "true":
                    return true;
                case "false":
                    return false;
                default:
                    break;
            }
        }
        throw new Invalid("accepted: true, false" + (v instanceof String ? "" : "; got " + typeName(v)));
    }

    @FunctionalInterface
    private interface Check {
        void check(String s) throws Invalid;
    }

    static void labelKeyCheck(String s) throws Invalid {
        int slash = s.indexOf('/');
        String prefix = slash >= 0 ? s.substring(0, slash) : "";
        String name = slash >= 0 ? s.substring(slash + 1) : s;
        if ((slash >= 0 && !DNS_SUBDOMAIN.matcher(prefix).matches()) || !LABEL_NAME.matcher(name).matches()) {
            throw new Invalid("'" + s + "' is not a label key; " + LABEL_KEY_ACCEPTED);
        }
    }

    private static void userLabelKey(String s) throws Invalid {
        labelKeyCheck(s);
        if (s.equals(MANAGED_BY_LABEL) || s.startsWith(VALENCE_LABEL_PREFIX)) {
            throw new Invalid("'" + s + "' is set by Valence on every Job; " + MANAGED_BY_LABEL
                    + " and keys starting with " + VALENCE_LABEL_PREFIX + " are reserved");
        }
    }

    private static void labelValue(String s) throws Invalid {
        if (!LABEL_VALUE.matcher(s).matches()) {
            throw new Invalid("'" + s + "' is not a label value; " + LABEL_VALUE_ACCEPTED);
        }
    }

    private static void envName(String s) throws Invalid {
        if (!ENV_NAME.matcher(s).matches()) {
            throw new Invalid("'" + s + "' is not an environment variable name; " + ENV_NAME_ACCEPTED);
        }
        if (s.startsWith("VALENCE_")) {
            throw new Invalid("'" + s + "': names starting with VALENCE_ are reserved for Valence");
        }
    }

    private static Map<String, String> stringMap(Object v, Check keyCheck, Check valueCheck) throws Invalid {
        Map<String, String> out = new LinkedHashMap<>();
        if (v instanceof Map<?, ?> m) {
            for (Map.Entry<?, ?> e : m.entrySet()) {
                Object value = e.getValue();
                if (value instanceof Map<?, ?> nested) {
                    String example = e.getKey() + "." + nested.keySet().stream().map(String::valueOf).findFirst().orElse("name");
                    throw new Invalid("expected a table of strings; '" + e.getKey() + "' is a table "
                            + "(quote keys that contain dots: \"" + example + "\" = \"...\")");
                }
                if (value instanceof List || value == null) {
                    throw new Invalid("expected a table of strings; '" + e.getKey() + "' is " + typeName(value));
                }
                out.put(String.valueOf(e.getKey()), plain(value));
            }
        } else if (v instanceof String s) {
            for (String part : s.split(",")) {
                if (part.isBlank()) {
                    continue;
                }
                int eq = part.indexOf('=');
                if (eq <= 0) {
                    throw new Invalid("expected key=value pairs separated by commas, such as a=1,b=2");
                }
                out.put(part.substring(0, eq).trim(), part.substring(eq + 1).trim());
            }
        } else {
            throw new Invalid("expected a table of strings (or key=value,key=value), got " + typeName(v));
        }
        for (Map.Entry<String, String> e : out.entrySet()) {
            keyCheck.check(e.getKey());
            valueCheck.check(e.getValue());
        }
        return Collections.unmodifiableMap(out);
    }

    private static List<String> stringList(Object v, Pattern each, String accepted) throws Invalid {
        List<String> out = new ArrayList<>();
        if (v instanceof List<?> l) {
            for (Object o : l) {
                if (!(o instanceof String)) {
                    throw new Invalid("expected a list of strings, got " + typeName(o) + " in the list");
                }
                out.add(((String) o).trim());
            }
        } else if (v instanceof String s) {
            for (String part : s.split(",")) {
                if (!part.isBlank()) {
                    out.add(part.trim());
                }
            }
        } else {
            throw new Invalid("expected a list of strings (or a,b,c), got " + typeName(v));
        }
        for (String s : out) {
            if (!each.matcher(s).matches()) {
                throw new Invalid("'" + s + "' is not " + accepted);
            }
        }
        return List.copyOf(out);
    }

    private static List<Toleration> tolerations(Object v) throws Invalid {
        List<Toleration> out = new ArrayList<>();
        if (v instanceof List<?> l) {
            int n = 0;
            for (Object o : l) {
                n++;
                if (o instanceof Toleration t) {
                    out.add(t);
                } else if (o instanceof Map<?, ?> m) {
                    out.add(toleration(n, m));
                } else if (o instanceof String s) {
                    out.add(taint(n, s.trim()));
                } else {
                    throw new Invalid("toleration " + n + " is " + typeName(o) + "; " + TOLERATIONS_ACCEPTED);
                }
            }
        } else if (v instanceof String s) {
            int n = 0;
            for (String part : s.split(",")) {
                if (!part.isBlank()) {
                    out.add(taint(++n, part.trim()));
                }
            }
        } else {
            throw new Invalid(TOLERATIONS_ACCEPTED + ", got " + typeName(v));
        }
        return List.copyOf(out);
    }

    private static Toleration toleration(int n, Map<?, ?> m) throws Invalid {
        for (Object field : m.keySet()) {
            if (!TOLERATION_FIELDS.contains(String.valueOf(field))) {
                throw new Invalid("toleration " + n + ": unknown field '" + field + "' (accepted: "
                        + String.join(", ", TOLERATION_FIELDS) + ")");
            }
        }
        for (String field : List.of("key", "operator", "value", "effect")) {
            Object value = m.get(field);
            if (value != null && !(value instanceof String)) {
                throw new Invalid("toleration " + n + ": " + field + " must be a string, got " + typeName(value));
            }
        }
        Optional<Long> seconds = Optional.empty();
        if (m.get("toleration_seconds") != null) {
            try {
                seconds = Optional.of(integerLong(m.get("toleration_seconds"), 0));
            } catch (Invalid e) {
                throw new Invalid("toleration " + n + ": toleration_seconds " + e.getMessage());
            }
        }
        return checked(n, (String) m.get("key"), (String) m.get("operator"), (String) m.get("value"),
                (String) m.get("effect"), seconds);
    }

    private static Toleration taint(int n, String s) throws Invalid {
        Matcher m = TAINT.matcher(s);
        if (!m.matches() || m.group(1).isEmpty()) {
            throw new Invalid("toleration " + n + " '" + s + "': " + TOLERATIONS_ACCEPTED);
        }
        String effect = m.group(5) == null ? "" : m.group(5);
        return m.group(2) == null
                ? checked(n, m.group(1), "Exists", "", effect, Optional.empty())
                : checked(n, m.group(1), "Equal", m.group(3), effect, Optional.empty());
    }

    private static Toleration checked(int n, String key, String operator, String value, String effect,
            Optional<Long> seconds) throws Invalid {
        String problem = Toleration.problem(key, operator, value, effect, seconds);
        if (problem != null) {
            throw new Invalid("toleration " + n + ": " + problem);
        }
        return new Toleration(key, operator, value, effect, seconds);
    }
}
