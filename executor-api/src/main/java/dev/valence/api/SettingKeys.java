package dev.valence.api;

import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The catalog of Valence's own keys: type, default, and what is accepted. */
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

    /** Inputs the defaults depend on. */
    record Defaults(Map<String, String> env, Path home) {
    }

    @FunctionalInterface
    private interface Parser {
        Object parse(Object raw) throws Invalid;
    }

    private record Key(String name, Parser parser, Function<Defaults, Object> defaultValue) {
    }

    static final Pattern QUANTITY = Pattern.compile(
            "^\\+?(\\d+(\\.\\d*)?|\\.\\d+)(Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E|[eE][+-]?\\d+)?$");
    private static final Pattern DNS_LABEL = Pattern.compile("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$");
    private static final Pattern DNS_SUBDOMAIN = Pattern.compile(
            "^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$");
    private static final Pattern HOST_PORT = Pattern.compile(
            "^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*(:\\d{1,5})?$");
    private static final Pattern IMAGE_REPO = Pattern.compile(
            "^[a-z0-9]+([._-][a-z0-9]+)*(/[a-z0-9]+([._-][a-z0-9]+)*)*$");
    private static final Pattern LABEL_NAME = Pattern.compile("^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)$");
    private static final Pattern LABEL_VALUE = Pattern.compile("^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$");
    private static final Pattern ENV_NAME = Pattern.compile("^[A-Za-z_][A-Za-z0-9_.-]*$");
    private static final Pattern DURATION = Pattern.compile("^(\\d+(\\.\\d+)?)(ms|s|m|h)?$");
    private static final Pattern TAINT = Pattern.compile("^([^=:]*)(=([^:]*))?(:(\\w*))?$");

    private static final String QUANTITY_ACCEPTED =
            "expected a Kubernetes quantity such as 500m, 2, 1.5, 512Mi, 1G (suffixes m, k, M, G, T, P, E, Ki, Mi, Gi, Ti, Pi, Ei)";

    private static void key(String name, Parser parser, Function<Defaults, Object> def) {
        KEYS.put(name, new Key(name, parser, def));
    }

    static List<String> names() {
        return List.copyOf(KEYS.keySet());
    }

    static boolean isKnown(String key) {
        return KEYS.containsKey(key);
    }

    static Object parse(String key, Object raw) throws Invalid {
        return KEYS.get(key).parser().parse(raw);
    }

    static Object parsePluginValue(String key, Object raw) throws Invalid {
        if (raw instanceof Map || raw instanceof List) {
            throw new Invalid("expected a single value, not a table or list");
        }
        return String.valueOf(raw);
    }

    static Object defaultValue(String key, Defaults defaults, Map<String, Settings.Entry> soFar) {
        if (key.equals("data_store")) {
            return null; // derived from cache_dir in crossCheck
        }
        return KEYS.get(key).defaultValue().apply(defaults);
    }

    /** Checks that involve more than one key, and fills derived defaults. */
    static List<String> crossCheck(Map<String, Settings.Entry> out) {
        List<String> problems = new ArrayList<>();
        Settings.Entry store = out.get("data_store");
        if (store.value() == null) {
            Path cache = (Path) out.get("cache_dir").value();
            out.put("data_store", new Settings.Entry("data_store", cache.resolve("data").toString(),
                    Settings.Source.DEFAULT, "default"));
        }
        return problems;
    }

    static String schemeOf(String dataStore) {
        if (dataStore.startsWith("/")) {
            return "file";
        }
        int colon = dataStore.indexOf(':');
        return colon > 0 ? dataStore.substring(0, colon).toLowerCase(Locale.ROOT) : "";
    }

    static String unknownKey(String key, String origin, Collection<String> known) {
        String where = origin == null || origin.equals("builder") ? "" : " (from " + origin + ")";
        Optional<String> near = nearest(key, known);
        return "unknown key '" + key + "'" + where
                + near.map(n -> ": did you mean '" + n + "'?").orElse(": not a Valence setting")
                + " (known keys: " + String.join(", ", known) + ")";
    }

    static Optional<String> nearest(String key, Collection<String> known) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String k : known) {
            int d = distance(key.toLowerCase(Locale.ROOT).replace('-', '_'), k);
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

    static String show(Object raw) {
        return raw == null ? "" : String.valueOf(raw);
    }

    // ---- defaults ----

    private static Object defaultKubeconfig(Defaults d) {
        String kubeconfig = d.env().get("KUBECONFIG");
        if (kubeconfig != null && !kubeconfig.isBlank()) {
            String first = kubeconfig.split(java.io.File.pathSeparator)[0];
            return Path.of(first);
        }
        Path home = d.home().resolve(".kube").resolve("config");
        if (!Files.exists(home) && d.env().containsKey("KUBERNETES_SERVICE_HOST")) {
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

    private static String typeName(Object v) {
        if (v instanceof Map) {
            return "a table";
        }
        if (v instanceof List) {
            return "a list";
        }
        if (v instanceof Boolean) {
            return "a boolean";
        }
        if (v instanceof Number) {
            return "a number";
        }
        return v == null ? "nothing" : v.getClass().getSimpleName();
    }

    private static String nonEmpty(String s, String accepted) throws Invalid {
        if (s.isEmpty()) {
            throw new Invalid("expected " + accepted + ", got an empty value");
        }
        return s;
    }

    private static Object path(String s) {
        if (s.isEmpty()) {
            return null;
        }
        if (s.equals("~") || s.startsWith("~/")) {
            return Path.of(System.getProperty("user.home") + s.substring(1));
        }
        return Path.of(s);
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

    private static String oneOf(String s, List<String> accepted) throws Invalid {
        if (!accepted.contains(s)) {
            throw new Invalid("accepted: " + String.join(", ", accepted));
        }
        return s;
    }

    private static String quantity(Object v) throws Invalid {
        String s = v instanceof Number n ? new BigDecimal(n.toString()).toPlainString() : string(v);
        Matcher m = QUANTITY.matcher(s);
        if (!m.matches()) {
            throw new Invalid(QUANTITY_ACCEPTED);
        }
        if (new BigDecimal(m.group(1).startsWith(".") ? "0" + m.group(1) : m.group(1)).signum() == 0) {
            throw new Invalid("must be greater than zero; " + QUANTITY_ACCEPTED);
        }
        return s;
    }

    private static String registry(Object v) throws Invalid {
        String s = string(v);
        if (s.equals("docker") || s.equals("tar")) {
            return s;
        }
        Matcher m = HOST_PORT.matcher(s);
        if (!m.matches()) {
            throw new Invalid("expected a registry host[:port] (localhost:5000, 123456789012.dkr.ecr.us-east-1.amazonaws.com), "
                    + "'docker' (a local Docker daemon) or 'tar' (an image tar for 'minikube image load')");
        }
        int colon = s.lastIndexOf(':');
        if (colon > 0) {
            int port = Integer.parseInt(s.substring(colon + 1));
            if (port < 1 || port > 65535) {
                throw new Invalid("port must be between 1 and 65535");
            }
        }
        return s;
    }

    private static String dataStore(Object v) throws Invalid {
        String s = string(v);
        String accepted = "expected an absolute path, file:/path, s3://bucket/prefix or azblob://container/prefix";
        if (s.isEmpty()) {
            throw new Invalid(accepted + ", got an empty value");
        }
        if (s.startsWith("/")) {
            return s;
        }
        if (s.startsWith("file:")) {
            String path = s.substring("file:".length()).replaceFirst("^//", "");
            if (!path.startsWith("/")) {
                throw new Invalid("a file: store needs an absolute path, such as file:/tmp/valence");
            }
            return s;
        }
        Matcher m = Pattern.compile("^([a-z][a-z0-9+.-]*)://([^/]*)(/.*)?$").matcher(s);
        if (!m.matches()) {
            throw new Invalid(accepted);
        }
        if (m.group(2).isEmpty()) {
            throw new Invalid("no bucket or container after '" + m.group(1) + "://'; " + accepted);
        }
        return s;
    }

    private static Duration duration(Object v, boolean zeroAllowed) throws Invalid {
        String accepted = "expected " + (zeroAllowed ? "zero or more" : "a positive number of")
                + " seconds, such as 10, 2.5, or with a unit: 500ms, 30s, 5m, 1h";
        BigDecimal seconds;
        if (v instanceof Duration d) {
            seconds = BigDecimal.valueOf(d.toMillis()).movePointLeft(3);
        } else if (v instanceof Number n) {
            seconds = new BigDecimal(n.toString());
        } else if (v instanceof String s) {
            Matcher m = DURATION.matcher(s.trim());
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
        } else {
            throw new Invalid(accepted + ", got " + typeName(v));
        }
        if (seconds.signum() < 0 || (!zeroAllowed && seconds.signum() == 0)) {
            throw new Invalid(accepted);
        }
        return Duration.ofMillis(seconds.movePointRight(3).longValue());
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
        } else if (v instanceof String s && s.trim().matches("-?\\d{1,18}")) {
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
        throw new Invalid("accepted: true, false");
    }

    @FunctionalInterface
    private interface Check {
        void check(String s) throws Invalid;
    }

    private static final Check LABEL_NAME_CHECK = s -> {
        int slash = s.indexOf('/');
        String prefix = slash >= 0 ? s.substring(0, slash) : "";
        String name = slash >= 0 ? s.substring(slash + 1) : s;
        if ((slash >= 0 && !DNS_SUBDOMAIN.matcher(prefix).matches()) || !LABEL_NAME.matcher(name).matches()) {
            throw new Invalid("key '" + s + "' is not a label key: [prefix/]name, name at most 63 of letters, digits, '-', '_', '.'");
        }
    };
    private static final Check LABEL_VALUE_CHECK = s -> {
        if (!LABEL_VALUE.matcher(s).matches()) {
            throw new Invalid("value '" + s + "' is not a label value: at most 63 of letters, digits, '-', '_', '.', "
                    + "starting and ending with a letter or digit");
        }
    };
    private static final Check ENV_NAME_CHECK = s -> {
        if (!ENV_NAME.matcher(s).matches()) {
            throw new Invalid("'" + s + "' is not an environment variable name: letters, digits and '_', not starting with a digit");
        }
    };

    private static Map<String, String> stringMap(Object v, Check keyCheck, Check valueCheck) throws Invalid {
        Map<String, String> out = new LinkedHashMap<>();
        if (v instanceof Map<?, ?> m) {
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (e.getValue() instanceof Map || e.getValue() instanceof List) {
                    throw new Invalid("expected a table of strings; '" + e.getKey() + "' is " + typeName(e.getValue()));
                }
                out.put(String.valueOf(e.getKey()), String.valueOf(e.getValue()));
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
                out.add(string(o));
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
                throw new Invalid("'" + s + "': expected " + accepted);
            }
        }
        return List.copyOf(out);
    }

    private static List<Toleration> tolerations(Object v) throws Invalid {
        List<Toleration> out = new ArrayList<>();
        String accepted = "expected a list of tables {key, operator, value, effect, toleration_seconds} "
                + "or taints as key=value:Effect,key:Effect";
        try {
            if (v instanceof List<?> l) {
                for (Object o : l) {
                    if (o instanceof Toleration t) {
                        out.add(t);
                    } else if (o instanceof Map<?, ?> m) {
                        for (Object k : m.keySet()) {
                            if (!List.of("key", "operator", "value", "effect", "toleration_seconds").contains(k)) {
                                throw new Invalid("unknown toleration field '" + k
                                        + "' (accepted: key, operator, value, effect, toleration_seconds)");
                            }
                        }
                        Object seconds = m.get("toleration_seconds");
                        out.add(new Toleration(str(m.get("key")), m.get("operator") == null ? null : str(m.get("operator")),
                                str(m.get("value")), str(m.get("effect")),
                                seconds == null ? Optional.empty() : Optional.of(integerLong(seconds, 0))));
                    } else if (o instanceof String s) {
                        out.add(taint(s, accepted));
                    } else {
                        throw new Invalid(accepted);
                    }
                }
            } else if (v instanceof String s) {
                for (String part : s.split(",")) {
                    if (!part.isBlank()) {
                        out.add(taint(part.trim(), accepted));
                    }
                }
            } else {
                throw new Invalid(accepted + ", got " + typeName(v));
            }
        } catch (ValenceException e) {
            throw new Invalid(e.getMessage());
        }
        return List.copyOf(out);
    }

    private static String str(Object o) {
        return o == null ? null : String.valueOf(o);
    }

    private static Toleration taint(String s, String accepted) throws Invalid {
        Matcher m = TAINT.matcher(s);
        if (!m.matches() || m.group(1).isEmpty()) {
            throw new Invalid(accepted);
        }
        String effect = m.group(5) == null ? "" : m.group(5);
        return m.group(2) == null ? Toleration.exists(m.group(1), effect)
                : Toleration.equal(m.group(1), m.group(3), effect);
    }

    private static final Map<String, Key> KEYS = new LinkedHashMap<>();

    static {
        key("base_image", v -> nonEmpty(string(v), "an image reference such as eclipse-temurin:17-jre"),
                d -> "eclipse-temurin:17-jre");
        key("k8s_config_file", v -> path(string(v)), SettingKeys::defaultKubeconfig);
        key("k8s_context", SettingKeys::string, d -> "");
        key("namespace", v -> matching(string(v), DNS_LABEL, true,
                "expected a DNS-1123 label: lowercase letters, digits and '-', at most 63 characters"), d -> "");
        key("registry", SettingKeys::registry, d -> "localhost:5000");
        key("image_repo", v -> matching(string(v), IMAGE_REPO, false,
                "expected a repository name: lowercase letters, digits, '.', '_', '-' and '/' between components"),
                d -> "valence-task");
        key("registry_credentials_file", v -> path(string(v)), d -> null);
        key("region", v -> matching(string(v), Pattern.compile("^[a-z]{2}(-[a-z]+)+-\\d+$"), true,
                "expected an AWS region such as us-east-1"), d -> "");
        key("data_store", SettingKeys::dataStore, d -> null);
        key("data_store_mount", v -> absolute(string(v)), d -> "/data");
        key("vcpu", SettingKeys::quantity, d -> "500m");
        key("memory", SettingKeys::quantity, d -> "1G");
        key("cache_dir", v -> path(nonEmpty(string(v), "a directory path")),
                d -> d.home().resolve(".cache").resolve("valence"));
        key("poll_freq", v -> duration(v, false), d -> Duration.ofSeconds(10));
        key("cluster_client", v -> oneOf(string(v), List.of("fabric8", "official")), d -> "fabric8");
        key("gpus", v -> integer(v, 0), d -> 0);
        key("node_selector", v -> stringMap(v, LABEL_NAME_CHECK, LABEL_VALUE_CHECK), d -> Map.of());
        key("tolerations", SettingKeys::tolerations, d -> List.of());
        key("service_account", v -> matching(string(v), DNS_SUBDOMAIN, true,
                "expected a DNS-1123 subdomain: lowercase letters, digits, '-' and '.'"), d -> "");
        key("image_pull_secrets", v -> stringList(v, DNS_SUBDOMAIN,
                "each a secret name (DNS-1123 subdomain)"), d -> List.of());
        key("env", v -> stringMap(v, ENV_NAME_CHECK, s -> { }), d -> Map.of());
        key("timeout", v -> duration(v, false), d -> null);
        key("retries", v -> integer(v, 0), d -> 0);
        key("ttl_after_finished", v -> duration(v, true), d -> Duration.ofDays(1));
        key("keep_artifacts", SettingKeys::bool, d -> false);
        key("labels", v -> stringMap(v, LABEL_NAME_CHECK, LABEL_VALUE_CHECK), d -> Map.of());
        key("unschedulable_grace", v -> duration(v, false), d -> Duration.ofMinutes(5));
        key("max_output_bytes", v -> (long) integerLong(v, 1), d -> 256L * 1024 * 1024);
    }
}
