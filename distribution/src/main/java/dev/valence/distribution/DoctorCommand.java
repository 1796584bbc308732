package dev.valence.distribution;

import dev.valence.api.ClusterFileRef;
import dev.valence.api.ErrorKind;
import dev.valence.api.Settings;
import dev.valence.api.ValenceException;
import dev.valence.core.KubernetesExecutor;
import dev.valence.spi.ArtifactStore;
import dev.valence.spi.ArtifactStoreFactory;
import dev.valence.spi.ClusterGateway;
import dev.valence.spi.ClusterGatewayFactory;
import dev.valence.spi.CredentialProvider;
import dev.valence.spi.Credentials;
import dev.valence.spi.ImageBuilder;
import dev.valence.spi.ImageBuilderFactory;
import dev.valence.spi.ImageRef;
import dev.valence.spi.ImageSpec;
import dev.valence.spi.Plugins;
import dev.valence.spi.StoreAccess;
import jakarta.inject.Inject;
import jakarta.inject.Provider;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code valence doctor}: checks, in order, what a run needs — settings, kubeconfig, context, API,
 * namespace, permissions, registry, credentials, store, what a pod sees (a probe Job), plugins — one
 * line each with PASS, FAIL or SKIP and, for a failure, what to do.
 */
@Command(name = "doctor", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Checks what a run needs, one line each: PASS, FAIL (with the fix) or SKIP (with why).",
                "Settings, kubeconfig found, context exists, API reachable, namespace exists, permissions (an access "
                        + "review per verb), registry reachable, registry credentials work, store writable (a probe "
                        + "key is written, read and deleted), secrets found (the Secrets and ConfigMaps of env_from_secrets and "
                        + "ca_bundle exist; shown only when some are set), probe pod (a tiny task submitted as a Job: its pod pulls "
                        + "the task image, reads its input from the store and writes its output there, as the identity "
                        + "tasks run as; its Job and artifacts are deleted after), plugins found.",
                "Exits with 1 when a check fails."})
final class DoctorCommand implements Callable<Integer> {
    /** The check that the Secrets and ConfigMaps a task's pod refers to exist (only when some are referred to). */
    static final String OBJECTS = "secrets found";
    /** The check that runs a probe pod. */
    static final String PROBE = "probe pod";
    /** Dispatch ids of probe Jobs start with this (their Jobs are valence-doctor-...). */
    static final String PROBE_DISPATCH_PREFIX = "doctor-";
    /** Default bound of the probe pod, seconds: it may pull a JRE image for the first time. */
    static final int PROBE_TIMEOUT_DEFAULT = 180;
    /** Default bound of each other check, seconds. */
    static final int TIMEOUT_DEFAULT = 10;

    /** The permissions the executor needs in its namespace (as infra/rbac.yaml grants them). */
    static final List<Permission> PERMISSIONS = List.of(
            new Permission("batch", "jobs", "", "create"), new Permission("batch", "jobs", "", "get"),
            new Permission("batch", "jobs", "", "list"), new Permission("batch", "jobs", "", "watch"),
            new Permission("batch", "jobs", "", "delete"), new Permission("", "pods", "", "get"),
            new Permission("", "pods", "", "list"), new Permission("", "pods", "", "watch"),
            new Permission("", "pods", "log", "get"), new Permission("", "events", "", "list"));

    /** One permission: API group (empty for core), resource, subresource (empty for none), verb. */
    record Permission(String group, String resource, String subresource, String verb) {
        @Override
        public String toString() {
            return (group.isEmpty() ? "" : group + "/") + resource + (subresource.isEmpty() ? "" : "/" + subresource)
                    + ":" + verb;
        }
    }

    /** How a check ended. */
    enum Status { PASS, FAIL, SKIP }

    /** One line of the report. */
    record Check(String name, Status status, String detail, String fix) {
        static Check pass(String name, String detail) {
            return new Check(name, Status.PASS, detail, "");
        }

        static Check fail(String name, String detail, String fix) {
            return new Check(name, Status.FAIL, detail, fix);
        }

        static Check skip(String name, String why) {
            return new Check(name, Status.SKIP, why, "");
        }
    }

    @Option(names = "--timeout", paramLabel = "SECONDS",
            description = "How long each check may take (default: " + TIMEOUT_DEFAULT + " s, and "
                    + PROBE_TIMEOUT_DEFAULT + " s for the probe pod, which may pull the base image for the first "
                    + "time; a value given here bounds the probe pod too).")
    Integer timeout;

    @Option(names = "--no-probe", description = "Do not run the probe pod (only what this machine sees is checked).")
    boolean noProbe;

    @Mixin
    OutputFormat output = new OutputFormat();

    @Spec
    CommandSpec spec;

    private final Provider<Settings> settings;
    private final Provider<SettingsSource> source;
    private final Provider<LoadedPlugins> plugins;
    private final Provider<ClusterGateway> gateway;
    private final Provider<ArtifactStore> store;
    private final Provider<ImageBuilder> imageBuilder;
    private final Provider<List<CredentialProvider>> credentials;
    private final Provider<KubernetesExecutor> kubernetes;
    private final CliEnvironment env;
    private final List<Check> checks = new ArrayList<>();

    @Inject
    DoctorCommand(Provider<Settings> settings, Provider<SettingsSource> source, Provider<LoadedPlugins> plugins,
            Provider<ClusterGateway> gateway, Provider<ArtifactStore> store, Provider<ImageBuilder> imageBuilder,
            Provider<List<CredentialProvider>> credentials, Provider<KubernetesExecutor> kubernetes,
            CliEnvironment env) {
        this.settings = settings;
        this.source = source;
        this.plugins = plugins;
        this.gateway = gateway;
        this.store = store;
        this.imageBuilder = imageBuilder;
        this.credentials = credentials;
        this.kubernetes = kubernetes;
        this.env = env;
    }

    @Override
    public Integer call() {
        if (timeout != null && timeout < 1) {
            throw new ParameterException(spec.commandLine(), "--timeout must be 1 or more seconds, was " + timeout);
        }
        Optional<Settings> s = settingsCheck();
        if (s.isEmpty()) {
            for (String name : List.of("kubeconfig found", "context exists", "API reachable", "namespace exists",
                    "permissions", "registry reachable", "registry credentials", "store writable", PROBE)) {
                add(Check.skip(name, "the settings are not valid"));
            }
        } else {
            clusterChecks(s.get());
            registryChecks(s.get());
            storeCheck(s.get());
            objectsCheck(s.get());
            probeCheck(s.get());
        }
        pluginsCheck(s);
        boolean failed = checks.stream().anyMatch(c -> c.status() == Status.FAIL);
        PrintWriter out = env.out();
        if (output.structured()) {
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("checks", checks.stream().map(DoctorCommand::json).toList());
            doc.put("failed", failed);
            out.print(output.write(doc));
        } else {
            out.println(failed ? "some checks failed; fix them from the top, as later checks depend on earlier ones"
                    : "all checks passed (or were skipped, as said)");
        }
        out.flush();
        return failed ? Failures.FAILED : 0;
    }

    private static Map<String, Object> json(Check c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", c.name());
        m.put("status", c.status().name());
        m.put("detail", c.detail());
        m.put("fix", c.fix());
        return m;
    }

    private void add(Check c) {
        checks.add(c);
        if (output.structured()) {
            return;
        }
        PrintWriter out = env.out();
        out.printf("%-4s  %-21s %s%n", c.status(), c.name(), c.detail());
        if (!c.fix().isEmpty()) {
            out.printf("      %-21s fix: %s%n", "", c.fix());
        }
        out.flush();
    }

    private Status statusOf(String name) {
        return checks.stream().filter(c -> c.name().equals(name)).map(Check::status).findFirst().orElse(Status.SKIP);
    }

    private int checkTimeout() {
        return timeout != null ? timeout : TIMEOUT_DEFAULT;
    }

    private int probeTimeout() {
        return timeout != null ? timeout : PROBE_TIMEOUT_DEFAULT;
    }

    private Optional<Settings> settingsCheck() {
        try {
            Settings s = Failures.unwrapped(settings::get);
            add(Check.pass("settings", source.get().effectiveConfigFile().map(f -> "valid (file " + f + ")")
                    .orElse("valid (no settings file: defaults and the environment)")));
            return Optional.of(s);
        } catch (RuntimeException e) {
            add(Check.fail("settings", Failures.message(e), "correct the value named above in the file, the "
                    + "VALENCE_K8S_ variable or --set, then run 'valence config'"));
            return Optional.empty();
        }
    }

    private void clusterChecks(Settings s) {
        Optional<Path> kubeconfig = s.k8sConfigFile();
        String inCluster = env.variables().getOrDefault("KUBERNETES_SERVICE_HOST", "");
        if (kubeconfig.isEmpty()) {
            add(inCluster.isBlank()
                    ? Check.fail("kubeconfig found", "no kubeconfig and not in a pod",
                            "start a cluster (minikube start) or set k8s_config_file / KUBECONFIG")
                    : Check.pass("kubeconfig found", "in-cluster config (service account of this pod)"));
        } else if (Files.isRegularFile(kubeconfig.get())) {
            add(Check.pass("kubeconfig found", kubeconfig.get().toString()));
        } else {
            add(Check.fail("kubeconfig found", "no file at " + kubeconfig.get(), "start a cluster (minikube start "
                    + "writes ~/.kube/config), or point k8s_config_file (or KUBECONFIG) at your kubeconfig"));
            skipCluster("there is no kubeconfig");
            return;
        }
        ClusterGateway g;
        try {
            g = Failures.unwrapped(gateway::get);
            add(Check.pass("context exists", ExecutorChoice.target(s) + ", namespace '" + g.namespace() + "', client "
                    + s.clusterClient()));
        } catch (RuntimeException e) {
            if (Failures.unsupported(e)) {
                add(Check.skip("context exists", "the " + s.clusterClient() + " cluster client is not built yet ("
                        + Failures.message(e) + "); try --set cluster_client=" + otherClient(s)));
                skipCluster("the cluster client cannot start");
                return;
            }
            add(Check.fail("context exists", Failures.message(e), "set k8s_context to one of the contexts listed "
                    + "(kubectl config get-contexts), or fix the kubeconfig entry named above"));
            skipCluster("the kubeconfig context cannot be used");
            return;
        }
        Optional<Throwable> checkError = bounded("API reachable", () -> {
            g.check();
            return true;
        }).error();
        if (checkError.isEmpty()) {
            add(Check.pass("API reachable", "the API server answered"));
            add(Check.pass("namespace exists", g.namespace()));
        } else if (isMissingNamespace(checkError.get(), g.namespace())) {
            add(Check.pass("API reachable", "the API server answered"));
            add(Check.fail("namespace exists", Failures.message(checkError.get()), "kubectl create namespace "
                    + g.namespace() + " (or set namespace to an existing one)"));
            add(Check.skip("permissions", "the namespace does not exist"));
            return;
        } else {
            Throwable err = checkError.get();
            boolean denied = Failures.unwrap(err) instanceof ValenceException v && v.kind() == ErrorKind.PERMISSION;
            add(Check.fail("API reachable", Failures.message(err), denied
                    ? "the API server answered but refused these credentials: renew them (minikube: minikube "
                            + "update-context; EKS: aws eks update-kubeconfig --name <cluster>)"
                    : "start the cluster (minikube start), or check the server address and the network with: kubectl"
                            + s.k8sContext().map(c -> " --context " + c).orElse("") + " get nodes"));
            add(Check.skip("namespace exists", "the API server did not answer"));
            add(Check.skip("permissions", "the API server did not answer"));
            return;
        }
        permissionsCheck(g, s);
    }

    private void permissionsCheck(ClusterGateway g, Settings s) {
        List<String> missing = new ArrayList<>();
        for (Permission p : PERMISSIONS) {
            Outcome<Boolean> allowed = bounded("permissions", () -> g.allowed(p.verb(), p.group(), p.resource(),
                    p.subresource()));
            if (allowed.error().isPresent()) {
                Throwable e = allowed.error().get();
                if (Failures.unsupported(e)) {
                    add(Check.skip("permissions", "the " + s.clusterClient() + " cluster client cannot ask access "
                            + "reviews (SelfSubjectAccessReview): " + Failures.message(e)));
                } else {
                    add(Check.fail("permissions", "access review for " + p + " failed: " + Failures.message(e),
                            "check the API server answers access reviews (authorization.k8s.io/v1)"));
                }
                return;
            }
            if (!allowed.value().orElse(false)) {
                missing.add(p.toString());
            }
        }
        if (missing.isEmpty()) {
            add(Check.pass("permissions", PERMISSIONS.size() + " verbs allowed in namespace " + g.namespace()
                    + " (jobs create/get/list/watch/delete, pods get/list/watch, pods/log get, events list)"));
        } else {
            add(Check.fail("permissions", "not allowed in namespace " + g.namespace() + ": "
                    + String.join(", ", missing), "apply infra/rbac.yaml (kubectl apply -n " + g.namespace()
                    + " -f infra/rbac.yaml) or ask your admin for a Role with these verbs"));
        }
    }

    private void skipCluster(String why) {
        for (String name : List.of("API reachable", "namespace exists", "permissions")) {
            add(Check.skip(name, why));
        }
    }

    private static boolean isMissingNamespace(Throwable error, String namespace) {
        return Failures.unwrap(error) instanceof ValenceException v && v.kind() == ErrorKind.CONFIG
                && v.getMessage().contains("namespace '" + namespace + "' not found");
    }

    private static String otherClient(Settings s) {
        return s.clusterClient().equals("fabric8") ? "official" : "fabric8";
    }

    private void registryChecks(Settings s) {
        String registry = s.registry();
        if (registry.equals("tar")) {
            add(Check.skip("registry reachable", "registry = tar: images are written under " + s.cacheDir()
                    .resolve("images") + " and loaded with 'minikube image load'; nothing to reach"));
            add(Check.skip("registry credentials", "registry = tar: none needed"));
            return;
        }
        ImageBuilder builder;
        List<CredentialProvider> providers;
        try {
            builder = Failures.unwrapped(imageBuilder::get);
            providers = Failures.unwrapped(credentials::get);
        } catch (RuntimeException e) {
            String why = Failures.message(e);
            if (Failures.unsupported(e)) {
                add(Check.skip("registry reachable", "the image builder is not built yet: " + why));
            } else {
                add(Check.fail("registry reachable", why, "install an image builder for registry '" + registry
                        + "' (see 'valence plugins') or change registry"));
            }
            add(Check.skip("registry credentials", "no image builder"));
            return;
        }
        boolean daemon = registry.equals("docker");
        String host = daemon ? "docker" : registry;
        Optional<Credentials> creds = Optional.empty();
        for (CredentialProvider p : providers) {
            Outcome<Optional<Credentials>> found = bounded("registry credentials", () -> p.credentialsFor(host));
            if (found.error().isPresent()) {
                add(Check.fail("registry credentials", p.description() + ": " + Failures.message(found.error().get()),
                        "fix the credentials source named above"));
                add(Check.skip("registry reachable", "the credentials could not be read"));
                return;
            }
            if (found.value().flatMap(c -> c).isPresent()) {
                creds = found.value().get();
                break;
            }
        }
        String target = daemon ? "docker://" + s.imageRepo() + ":valence-doctor" : registry + "/" + s.imageRepo()
                + ":valence-doctor";
        ImageSpec.Builder spec = ImageSpec.builder().baseImage(s.baseImage()).target(target)
                .allowInsecure(isLoopback(registry));
        creds.ifPresent(spec::targetCredentials);
        ImageRef probe = new ImageRef(daemon ? s.imageRepo() : registry + "/" + s.imageRepo(), "valence-doctor",
                "sha256:" + "0".repeat(64), Optional.empty());
        Outcome<Boolean> exists = bounded("registry reachable", () -> builder.exists(probe, spec.build()));
        String who = creds.map(c -> "as " + c.username() + " (from " + c.source() + ")").orElse("anonymously");
        if (exists.error().isEmpty()) {
            add(Check.pass("registry reachable", daemon ? "the Docker daemon answered" : registry + " answered"));
            add(Check.pass("registry credentials", (daemon ? "none needed" : "accepted, " + who)
                    + (daemon ? "" : " (a pull check; push rights are checked by the first run)")));
            return;
        }
        Throwable e = exists.error().get();
        boolean denied = Failures.unwrap(e) instanceof ValenceException v && v.kind() == ErrorKind.PERMISSION;
        if (denied) {
            add(Check.pass("registry reachable", registry + " answered"));
            add(Check.fail("registry credentials", "refused " + who + ": " + Failures.message(e), creds.isEmpty()
                    ? "give credentials: registry_credentials_file (TOML with username and password) or docker login "
                            + registry
                    : "correct the credentials from " + creds.get().source()));
        } else if (Failures.unsupported(e)) {
            add(Check.skip("registry reachable", "the image builder cannot check a registry yet: " + Failures.message(e)));
            add(Check.skip("registry credentials", "the registry was not checked"));
        } else {
            add(Check.fail("registry reachable", Failures.message(e), daemon ? "start Docker, or set registry to a "
                    + "registry host or tar" : isLoopback(registry) ? "start a registry on " + registry + " (minikube "
                    + "addons enable registry, or docker run -d -p 5000:5000 registry:2), or set registry"
                    : "check the registry host and the network, or set registry"));
            add(Check.skip("registry credentials", "the registry did not answer"));
        }
    }

    private static boolean isLoopback(String registry) {
        String h = registry.replaceFirst(":\\d+$", "").toLowerCase(Locale.ROOT);
        return h.equals("localhost") || h.startsWith("127.") || h.equals("[::1]");
    }

    private void storeCheck(Settings s) {
        Outcome<String> probe = bounded("store writable", () -> {
            ArtifactStore st = Failures.unwrapped(store::get);
            // one folder level: deleting the prefix removes the folder itself, nothing is left behind
            String key = "valence-doctor-" + UUID.randomUUID() + "/probe";
            byte[] data = ("valence doctor probe " + key).getBytes(StandardCharsets.UTF_8);
            try {
                st.put(key, data);
                if (!Arrays.equals(data, st.getBytes(key))) {
                    throw new ValenceException(ErrorKind.STORE, "read back something else than was written at "
                            + st.describe(key));
                }
            } finally {
                st.deletePrefix(key.substring(0, key.lastIndexOf('/') + 1));
            }
            if (st.exists(key)) {
                throw new ValenceException(ErrorKind.STORE, st.describe(key) + " still exists after delete");
            }
            return st.location();
        });
        if (probe.error().isEmpty()) {
            add(Check.pass("store writable", "put, get and delete work at " + probe.value().orElse("")));
        } else if (Failures.unsupported(probe.error().get())) {
            add(Check.skip("store writable", "the store for data_store '" + s.dataStore() + "' is not built yet: "
                    + Failures.message(probe.error().get())));
        } else {
            add(Check.fail("store writable", Failures.message(probe.error().get()), "check data_store '"
                    + s.dataStore() + "' exists and these credentials may write it, or set data_store"));
        }
    }

    /**
     * The Secrets and ConfigMaps a task's pod refers to ({@code env_from_secrets}, and the store's
     * volumes such as {@code ca_bundle}) exist in the namespace: a missing one leaves every pod waiting
     * ({@code CreateContainerConfigError}, or {@code ContainerCreating} with a {@code FailedMount} event).
     * No line when none is referred to.
     */
    private void objectsCheck(Settings s) {
        Map<ClusterFileRef.Kind, Map<String, String>> wanted = new java.util.EnumMap<>(ClusterFileRef.Kind.class);
        s.envFromSecrets().forEach(n -> wanted.computeIfAbsent(ClusterFileRef.Kind.SECRET, k -> new java.util.TreeMap<>())
                .put(n, "env_from_secrets"));
        Optional<StoreAccess> access = statusOf("store writable") == Status.PASS
                ? bounded(OBJECTS, () -> Failures.unwrapped(store::get).podAccess()).value() : Optional.empty();
        List<StoreAccess.ObjectVolume> volumes = access.map(StoreAccess::objectVolumes).orElse(List.of());
        // the Secrets the store names for the pod's env (key-based auth): a missing one stops every pod
        access.map(StoreAccess::envFromSecrets).orElse(List.of()).forEach(n -> wanted.computeIfAbsent(
                ClusterFileRef.Kind.SECRET, k -> new java.util.TreeMap<>()).putIfAbsent(n, "the store's env"));
        for (StoreAccess.ObjectVolume v : volumes) {
            wanted.computeIfAbsent(v.kind(), k -> new java.util.TreeMap<>()).putIfAbsent(v.objectName(),
                    StoreAccess.CA_BUNDLE_VOLUME.equals(v.volumeName()) ? "ca_bundle" : "the store's volume " + v.volumeName());
        }
        s.caBundle().ifPresent(r -> wanted.computeIfAbsent(r.kind(), k -> new java.util.TreeMap<>())
                .putIfAbsent(r.name(), "ca_bundle"));
        if (wanted.isEmpty()) {
            return;
        }
        for (String needed : List.of("API reachable", "namespace exists")) {
            if (statusOf(needed) != Status.PASS) {
                add(Check.skip(OBJECTS, "the '" + needed + "' check did not pass"));
                return;
            }
        }
        List<String> found = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        String namespace = "";
        for (Map.Entry<ClusterFileRef.Kind, Map<String, String>> e : wanted.entrySet()) {
            String kind = e.getKey() == ClusterFileRef.Kind.SECRET ? "secret" : "configmap";
            Outcome<java.util.Set<String>> absent = bounded(OBJECTS, () -> {
                ClusterGateway g = Failures.unwrapped(gateway::get);
                return g.missing(e.getKey(), e.getValue().keySet());
            });
            if (absent.error().isPresent()) {
                Throwable err = absent.error().get();
                if (Failures.unsupported(err)) {
                    add(Check.skip(OBJECTS, "the " + s.clusterClient() + " cluster client cannot check Secrets and "
                            + "ConfigMaps: " + Failures.message(err)));
                } else if (err instanceof ValenceException v && v.kind() == ErrorKind.PERMISSION) {
                    add(Check.skip(OBJECTS, "these credentials may not read " + kind + "s (" + Failures.message(err)
                            + "); the probe pod shows whether " + String.join(", ", e.getValue().keySet())
                            + " can be mounted"));
                } else {
                    add(Check.fail(OBJECTS, "checking " + kind + "s failed: " + Failures.message(err),
                            "see the message; 'kubectl get " + kind + "s' shows what the namespace holds"));
                }
                return;
            }
            namespace = Failures.unwrapped(gateway::get).namespace();
            for (Map.Entry<String, String> ref : e.getValue().entrySet()) {
                (absent.value().orElse(java.util.Set.of()).contains(ref.getKey()) ? missing : found)
                        .add(kind + " \"" + ref.getKey() + "\" (" + ref.getValue() + ")");
            }
        }
        if (missing.isEmpty()) {
            add(Check.pass(OBJECTS, String.join(", ", found) + " in namespace " + namespace));
        } else {
            add(Check.fail(OBJECTS, String.join(", ", missing) + " not found in namespace " + namespace
                    + ": every task's pod would wait for it", "create it (kubectl -n " + namespace + " create secret "
                    + "generic <name> --from-file=<key>=<file>, or kubectl create configmap <name> --from-file=...) or"
                    + " fix the setting named in brackets"));
        }
    }

    private void probeCheck(Settings s) {
        if (noProbe) {
            add(Check.skip(PROBE, "--no-probe was given"));
            return;
        }
        for (String needed : List.of("API reachable", "namespace exists", "permissions")) {
            Status st = statusOf(needed);
            if (st == Status.FAIL || st == Status.SKIP && !needed.equals("permissions")) {
                add(Check.skip(PROBE, "the '" + needed + "' check did not pass"));
                return;
            }
        }
        for (String needed : List.of("registry reachable", "registry credentials", "store writable", OBJECTS)) {
            if (statusOf(needed) == Status.FAIL) {
                add(Check.skip(PROBE, "the '" + needed + "' check failed"));
                return;
            }
        }
        if (s.registry().equals("tar")) {
            add(Check.skip(PROBE, "registry = tar: a pod can pull the task image only after 'minikube image load' of "
                    + "the tar a run writes under " + s.cacheDir().resolve("images")));
            return;
        }
        add(PodProbe.run(Failures.unwrapped(kubernetes::get), Failures.unwrapped(gateway::get),
                Failures.unwrapped(store::get), s, Duration.ofSeconds(probeTimeout())));
    }

    private void pluginsCheck(Optional<Settings> s) {
        LoadedPlugins loaded = plugins.get();
        Plugins p = loaded.plugins();
        List<String> wanting = new ArrayList<>();
        if (s.isPresent()) {
            tryPick(() -> p.clusterGateway(s.get().clusterClient())).ifPresent(wanting::add);
            tryPick(() -> p.artifactStore(s.get().dataStore())).ifPresent(wanting::add);
            tryPick(() -> p.imageBuilder(s.get().registry())).ifPresent(wanting::add);
        }
        String counts = p.of(ClusterGatewayFactory.class).size() + " cluster clients, "
                + p.of(ArtifactStoreFactory.class).size() + " stores, " + p.of(ImageBuilderFactory.class).size()
                + " image builders, " + p.credentialProviders().size() + " credential providers"
                + loaded.dir().map(d -> " (" + loaded.jars().size() + " jars from " + d + ")").orElse("");
        if (!wanting.isEmpty()) {
            add(Check.fail("plugins found", String.join("; ", wanting), "put the adapter's jar in the plugins folder, "
                    + "or build a distribution that includes it (see 'valence plugins')"));
        } else if (!loaded.problems().isEmpty()) {
            add(Check.fail("plugins found", counts + "; but: " + String.join("; ", loaded.problems()),
                    "replace or remove the jars named above"));
        } else {
            add(Check.pass("plugins found", counts));
        }
    }

    private static Optional<String> tryPick(Supplier<?> pick) {
        try {
            pick.get();
            return Optional.empty();
        } catch (RuntimeException e) {
            return Optional.of(Failures.message(e));
        }
    }

    /** A value or the error that stopped it. */
    record Outcome<T>(Optional<T> value, Optional<Throwable> error) {
    }

    private <T> Outcome<T> bounded(String what, Supplier<T> action) {
        CompletableFuture<T> f = CompletableFuture.supplyAsync(action, Daemons.EXECUTOR);
        try {
            return new Outcome<>(Optional.ofNullable(f.get(checkTimeout(), TimeUnit.SECONDS)), Optional.empty());
        } catch (TimeoutException e) {
            f.cancel(true);
            return new Outcome<>(Optional.empty(), Optional.of(new ValenceException(ErrorKind.TIMEOUT, what
                    + ": no answer within " + Duration.ofSeconds(checkTimeout()).toSeconds() + " s")));
        } catch (ExecutionException e) {
            return new Outcome<>(Optional.empty(), Optional.of(Failures.unwrap(e)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Outcome<>(Optional.empty(), Optional.of(e));
        }
    }
}
