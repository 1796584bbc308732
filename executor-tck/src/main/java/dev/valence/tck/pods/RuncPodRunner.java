package dev.valence.tck.pods;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.valence.tck.cluster.JobControllerStandIn;
import io.fabric8.kubernetes.api.model.Capabilities;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs each pod of the {@link JobControllerStandIn} as a real container with {@code runc}, as a
 * node's kubelet and container runtime would: pulls the pod's image from the registry it names,
 * turns the pod spec into an OCI runtime spec (command and args over the image's entrypoint and cmd,
 * env with {@code envFrom} Secrets, user and groups from the security context or the image,
 * {@code fsGroup}, read-only root, capabilities, no-new-privileges, hostPath, emptyDir, Secret and ConfigMap volumes,
 * memory limit as a cgroup limit, CPU shares and quota), runs it with {@code runc run} and reports
 * start, exit code, {@code OOMKilled}, and the container's output as the pod log. Needs root.
 */
public final class RuncPodRunner implements JobControllerStandIn.PodRunner, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RuncPodRunner.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** What to tell a user whose machine lacks runc. */
    public static final String INSTALL_HINT = "install it with: apt-get install runc (the tests run it as root)";
    /** The capabilities containerd gives a container by default. */
    static final List<String> DEFAULT_CAPABILITIES = List.of("CHOWN", "DAC_OVERRIDE", "FSETID", "FOWNER", "MKNOD",
            "NET_RAW", "SETGID", "SETUID", "SETFCAP", "SETPCAP", "NET_BIND_SERVICE", "SYS_CHROOT", "KILL", "AUDIT_WRITE");
    static final String TOKEN_PATH = "/var/run/secrets/kubernetes.io/serviceaccount";
    private static final String CGROUP_PARENT = "valence-tck";

    private final KubernetesClient client;
    private final ImagePuller puller;
    private final Path workDir;
    private final Map<String, Path> hostPaths;
    private final String runc;
    private final Map<String, String> running = new ConcurrentHashMap<>();
    /** Containers of this runner not yet cleaned up (id → its spec), for {@link #close()}. */
    private final Map<String, Spec> created = new ConcurrentHashMap<>();
    /** Pods (namespace/name) to kill: the request may come while the image is pulled or runc creates the container. */
    private final Set<String> killRequested = ConcurrentHashMap.newKeySet();
    private final long nodeMemory;
    private final boolean ownsWorkDir;

    private RuncPodRunner(Builder b) {
        this.client = Objects.requireNonNull(b.client, "client");
        this.puller = new ImagePuller(b.cacheDir);
        this.workDir = b.workDir;
        this.hostPaths = Map.copyOf(b.hostPaths);
        this.runc = b.runc;
        this.nodeMemory = b.nodeMemory;
        this.ownsWorkDir = b.ownsWorkDir;
    }

    /** Options for a runner. */
    public static Builder builder() {
        return new Builder();
    }

    /** Builder for {@link RuncPodRunner}. */
    public static final class Builder {
        private KubernetesClient client;
        private Path cacheDir;
        private Path workDir;
        private final Map<String, Path> hostPaths = new LinkedHashMap<>();
        private String runc;
        private long nodeMemory = Runtime.getRuntime().maxMemory() * 4;
        private boolean ownsWorkDir;

        private Builder() {
        }

        /** The API the runner reads Secrets ({@code envFrom}) through. */
        public Builder client(KubernetesClient client) {
            this.client = client;
            return this;
        }

        /** Where pulled images are unpacked and cached (default {@link SharedBeds#imageCache()}). */
        public Builder cacheDir(Path cacheDir) {
            this.cacheDir = cacheDir;
            return this;
        }

        /** Where the pods' bundles and emptyDirs go (default a temporary directory). */
        public Builder workDir(Path workDir) {
            this.workDir = workDir;
            return this;
        }

        /**
         * A hostPath of the pod spec ({@code nodePath} or a path under it) stands for {@code realDir} on
         * this machine, as a {@code minikube mount realDir:nodePath} would make it; unmapped hostPaths
         * are used as they are.
         */
        public Builder hostPath(String nodePath, Path realDir) {
            hostPaths.put(nodePath, realDir);
            return this;
        }

        /** The node's memory capacity in bytes, for the QoS-based OOM score (default: 4× this JVM's max heap). */
        public Builder nodeMemory(long bytes) {
            this.nodeMemory = bytes;
            return this;
        }

        /** Checks that runc is there and this process may use it; builds the runner. */
        public RuncPodRunner build() {
            runc = findOnPath("runc").orElseThrow(() -> new IllegalStateException(
                    "the real-pod bed needs 'runc' on PATH; " + INSTALL_HINT));
            collectStale(runc);
            if (!"root".equals(System.getProperty("user.name")) && !isRoot()) {
                throw new IllegalStateException("the real-pod bed runs containers with runc as root; this JVM runs as "
                        + System.getProperty("user.name") + " (run the tests as root, as CI does)");
            }
            try {
                if (cacheDir == null) {
                    cacheDir = SharedBeds.imageCache();
                }
                if (workDir == null) {
                    workDir = Files.createTempDirectory("valence-pods-" + ProcessHandle.current().pid() + "-");
                    ownsWorkDir = true;
                }
                Files.createDirectories(cacheDir);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create the runner's directories", e);
            }
            return new RuncPodRunner(this);
        }
    }

    @Override
    public boolean reportsStart() {
        return true;
    }

    @Override
    public JobControllerStandIn.Result run(JobControllerStandIn.PodRun run) throws Exception {
        Pod pod = run.pod();
        Container c = pod.getSpec().getContainers().get(0);
        ImagePuller.Pulled image;
        try {
            image = puller.pull(c.getImage());
        } catch (ImagePuller.PullFailure e) {
            return JobControllerStandIn.Result.waiting("ErrImagePull", e.getMessage());
        }
        if (killRequested.remove(run.namespace() + "/" + run.podName())) {
            return JobControllerStandIn.Result.exited(137, ""); // deleted while its image was pulled
        }
        Spec spec;
        try {
            spec = spec(run, pod, c, image);
        } catch (CannotCreate e) {
            return JobControllerStandIn.Result.waiting(e.reason, e.getMessage());
        }
        return runContainer(run, spec);
    }

    /** Kills the pod's container (the pod or its Job was deleted, or its deadline passed). */
    @Override
    public void kill(String namespace, String podName) {
        killRequested.add(namespace + "/" + podName);
        String id = running.get(namespace + "/" + podName);
        if (id != null) {
            exec(List.of(runc, "kill", id, "KILL"));
        }
    }

    private JobControllerStandIn.Result runContainer(JobControllerStandIn.PodRun run, Spec spec) throws IOException,
            InterruptedException {
        Path log = spec.bundle.resolve("container.log");
        Files.writeString(spec.bundle.resolve("config.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(spec.config));
        created.put(spec.id, spec);
        Process p = new ProcessBuilder(runc, "run", "--keep", "--bundle", spec.bundle.toString(), spec.id)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(log.toFile()).redirectErrorStream(true).start();
        running.put(run.namespace() + "/" + run.podName(), spec.id);
        run.status().started();
        LOG.debug("pod {}/{}: runc run {} started", run.namespace(), run.podName(), spec.id);
        try {
            for (int tick = 1; !p.waitFor(200, TimeUnit.MILLISECONDS); tick++) {
                if (killRequested.contains(run.namespace() + "/" + run.podName())) {
                    exec(List.of(runc, "kill", spec.id, "KILL"));
                }
                if (tick % 5 == 0) {
                    run.status().log(Files.readString(log, StandardCharsets.UTF_8));
                }
            }
            int code = p.exitValue();
            String text = Files.readString(log, StandardCharsets.UTF_8);
            boolean oom = oomKilled(spec.id);
            LOG.debug("pod {}/{}: container exited {}{}; log tail: {}", run.namespace(), run.podName(), code,
                    oom ? " (OOMKilled)" : "", text.substring(Math.max(0, text.length() - 400)));
            int runcError = text.indexOf("runc run failed:");
            if (runcError >= 0 && code != 0 && code < 128) {
                return JobControllerStandIn.Result.waiting("CreateContainerError", "failed to create containerd task: "
                        + "failed to create shim task: OCI runtime create failed: " + text.substring(runcError).strip());
            }
            return oom ? JobControllerStandIn.Result.oomKilled(text) : JobControllerStandIn.Result.exited(code, text);
        } finally {
            running.remove(run.namespace() + "/" + run.podName());
            killRequested.remove(run.namespace() + "/" + run.podName());
            boolean interrupted = Thread.interrupted();
            for (int i = 0; p.isAlive() && i < 150; i++) { // a kill may come before runc created the container: again
                exec(List.of(runc, "kill", spec.id, "KILL"));
                try {
                    p.waitFor(200, TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            cleanUp(spec);
        }
    }

    /** Deletes the container, unmounts its overlay root and removes its bundle; runs to its end when interrupted. */
    private void cleanUp(Spec spec) {
        exec(List.of(runc, "delete", "--force", spec.id));
        spec.overlayRoot.ifPresent(root -> exec(List.of("umount", root.toString())));
        exec(List.of("rm", "-rf", "--one-file-system", spec.bundle.toString()));
        created.remove(spec.id);
    }

    private static boolean collected;

    /**
     * Removes what runners of test JVMs that died left behind (containers {@code vt<pid>-...},
     * overlay mounts and bundles under {@code valence-pods-<pid>-...}, unpacked images under
     * {@code valence-images-<pid>-...}): once per JVM.
     */
    private static synchronized void collectStale(String runc) {
        if (collected) {
            return;
        }
        collected = true;
        java.util.regex.Pattern container = java.util.regex.Pattern.compile("^vt(\\d+)-");
        for (String id : capture(List.of(runc, "list", "-q")).lines().toList()) {
            java.util.regex.Matcher m = container.matcher(id.strip());
            if (m.find() && !alive(Long.parseLong(m.group(1)))) {
                exec(List.of(runc, "delete", "--force", id.strip()));
            }
        }
        java.util.regex.Pattern dir = java.util.regex.Pattern.compile("/valence-(?:pods|images)-(\\d+)-[^/ ]*");
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
                String[] f = line.split(" ");
                java.util.regex.Matcher m = dir.matcher(f.length > 4 ? f[4] : "");
                if (m.find() && !alive(Long.parseLong(m.group(1)))) {
                    exec(List.of("umount", f[4]));
                }
            }
            Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
            try (var dirs = Files.list(tmp)) {
                for (Path d : dirs.toList()) {
                    java.util.regex.Matcher m = dir.matcher("/" + d.getFileName());
                    if (m.matches() && !alive(Long.parseLong(m.group(1)))) {
                        exec(List.of("rm", "-rf", "--one-file-system", d.toString()));
                    }
                }
            }
        } catch (IOException e) {
            LOG.debug("cannot look for stale pods", e);
        }
    }

    private static boolean alive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    private static String capture(List<String> command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor(30, TimeUnit.SECONDS);
            return p.exitValue() == 0 ? out : "";
        } catch (IOException | IllegalThreadStateException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    /** Whether the kernel OOM-killed in the container's cgroup: {@code oom_kill} of cgroup v1's or v2's memory files. */
    private static boolean oomKilled(String id) {
        for (Path counters : List.of(Path.of("/sys/fs/cgroup/memory", CGROUP_PARENT, id, "memory.oom_control"),
                Path.of("/sys/fs/cgroup", CGROUP_PARENT, id, "memory.events"))) {
            try {
                if (Files.readAllLines(counters).stream().anyMatch(l -> l.startsWith("oom_kill ") && !l.endsWith(" 0"))) {
                    return true;
                }
            } catch (IOException e) {
                // not this cgroup version, or no memory controller
            }
        }
        return false;
    }

    // ---- the OCI runtime spec ----

    private record Spec(String id, Path bundle, ObjectNode config, Optional<Path> overlayRoot) {
    }

    /** A container the runtime cannot create: a kubelet's waiting reason and message. */
    private static final class CannotCreate extends Exception {
        private static final long serialVersionUID = 1L;
        final String reason;

        CannotCreate(String reason, String message) {
            super(message);
            this.reason = reason;
        }
    }

    private Spec spec(JobControllerStandIn.PodRun run, Pod pod, Container c, ImagePuller.Pulled image)
            throws CannotCreate, IOException {
        String where = "(pod: \"" + run.podName() + "_" + run.namespace() + "\", container: " + c.getName() + ")";
        PodSecurityContext psc = Objects.requireNonNullElseGet(pod.getSpec().getSecurityContext(), PodSecurityContext::new);
        SecurityContext sc = Objects.requireNonNullElseGet(c.getSecurityContext(), SecurityContext::new);
        Path rootfs = image.rootfs();

        // env: the image's, then envFrom, then env
        Map<String, String> env = new LinkedHashMap<>();
        for (String kv : image.config().env()) {
            int eq = kv.indexOf('=');
            env.put(eq < 0 ? kv : kv.substring(0, eq), eq < 0 ? "" : kv.substring(eq + 1));
        }
        env.putIfAbsent("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        env.put("HOSTNAME", run.podName());
        for (EnvFromSource from : Objects.requireNonNullElse(c.getEnvFrom(), List.<EnvFromSource>of())) {
            if (from.getSecretRef() != null) {
                String name = from.getSecretRef().getName();
                Secret secret = client.secrets().inNamespace(run.namespace()).withName(name).get();
                if (secret == null) {
                    if (Boolean.TRUE.equals(from.getSecretRef().getOptional())) {
                        continue;
                    }
                    throw new CannotCreate("CreateContainerConfigError", "secret \"" + name + "\" not found");
                }
                String prefix = Objects.requireNonNullElse(from.getPrefix(), "");
                Objects.requireNonNullElse(secret.getData(), Map.<String, String>of()).forEach((k, v) ->
                        env.put(prefix + k, new String(Base64.getDecoder().decode(v), StandardCharsets.UTF_8)));
                Objects.requireNonNullElse(secret.getStringData(), Map.<String, String>of()).forEach((k, v) -> env.put(prefix + k, v));
            } else if (from.getConfigMapRef() != null) {
                var cm = client.configMaps().inNamespace(run.namespace()).withName(from.getConfigMapRef().getName()).get();
                if (cm == null) {
                    throw new CannotCreate("CreateContainerConfigError", "configmap \"" + from.getConfigMapRef().getName()
                            + "\" not found");
                }
                String prefix = Objects.requireNonNullElse(from.getPrefix(), "");
                Objects.requireNonNullElse(cm.getData(), Map.<String, String>of()).forEach((k, v) -> env.put(prefix + k, v));
            }
        }
        for (EnvVar e : Objects.requireNonNullElse(c.getEnv(), List.<EnvVar>of())) {
            env.put(e.getName(), envValue(run, pod, e));
        }

        // process args: Kubernetes' command/args over the image's entrypoint/cmd
        List<String> args = new ArrayList<>();
        List<String> command = Objects.requireNonNullElse(c.getCommand(), List.of());
        List<String> cargs = Objects.requireNonNullElse(c.getArgs(), List.of());
        if (!command.isEmpty()) {
            args.addAll(command);
            args.addAll(cargs);
        } else {
            args.addAll(image.config().entrypoint());
            args.addAll(cargs.isEmpty() ? image.config().cmd() : cargs);
        }
        if (args.isEmpty()) {
            throw new CannotCreate("CreateContainerError", "failed to generate container \"" + run.podName()
                    + "\" spec: failed to generate spec: no command specified");
        }
        if (executable(rootfs, args.get(0), env.get("PATH")).isEmpty()) {
            throw new CannotCreate("CreateContainerError", "failed to create containerd task: failed to create shim task: "
                    + "OCI runtime create failed: runc create failed: unable to start container process: exec: \""
                    + args.get(0) + "\": " + (args.get(0).contains("/") ? "stat " + args.get(0) + ": no such file or directory"
                    : "executable file not found in $PATH") + ": unknown");
        }

        // identity
        PodUser user;
        try {
            user = PodUser.resolve(rootfs, image.config().user(), first(sc.getRunAsUser(), psc.getRunAsUser()),
                    first(sc.getRunAsGroup(), psc.getRunAsGroup()), where);
        } catch (IllegalArgumentException unknown) {
            throw new CannotCreate("CreateContainerError", unknown.getMessage());
        }
        boolean nonRoot = Boolean.TRUE.equals(first(sc.getRunAsNonRoot(), psc.getRunAsNonRoot()));
        if (nonRoot && user.uid() == 0) {
            throw new CannotCreate("CreateContainerConfigError", "container has runAsNonRoot and image will run as root " + where);
        }
        if (nonRoot && user.nonNumericImageUser() != null) {
            throw new CannotCreate("CreateContainerConfigError", "container has runAsNonRoot and image has non-numeric user ("
                    + user.nonNumericImageUser() + "), cannot verify user is non-root " + where);
        }
        Set<Long> groups = new LinkedHashSet<>(user.additionalGids());
        Long fsGroup = psc.getFsGroup();
        if (fsGroup != null) {
            groups.add(fsGroup);
        }
        groups.addAll(Objects.requireNonNullElse(psc.getSupplementalGroups(), List.of()));

        String id = "vt" + ProcessHandle.current().pid() + "-" + run.podName();
        Path bundle = workDir.resolve(run.namespace() + "-" + run.podName());
        ImagePuller.deleteTree(bundle);
        Files.createDirectories(bundle);
        boolean readOnlyRoot = Boolean.TRUE.equals(sc.getReadOnlyRootFilesystem());
        Path root = rootfs;
        boolean overlay = false;
        if (!readOnlyRoot) { // a writable root is the container's own overlay (or copy); a read-only one is shared
            root = Files.createDirectories(bundle.resolve("rootfs"));
            Path upper = Files.createDirectories(bundle.resolve("upper"));
            Path work = Files.createDirectories(bundle.resolve("work"));
            overlay = run(List.of("mount", "-t", "overlay", "overlay", "-o", "lowerdir=" + rootfs + ",upperdir=" + upper
                    + ",workdir=" + work, root.toString())) == 0;
            if (!overlay) {
                Files.delete(root);
                exec(List.of("cp", "-a", rootfs.toString(), root.toString()));
            }
        }

        ObjectNode config = JSON.createObjectNode();
        config.put("ociVersion", "1.0.2");
        ObjectNode process = config.putObject("process");
        process.put("terminal", false);
        ObjectNode u = process.putObject("user");
        u.put("uid", user.uid());
        u.put("gid", user.gid());
        if (!groups.isEmpty()) {
            ArrayNode ag = u.putArray("additionalGids");
            groups.forEach(ag::add);
        }
        ArrayNode a = process.putArray("args");
        args.forEach(a::add);
        ArrayNode e = process.putArray("env");
        env.forEach((k, v) -> e.add(k + "=" + v));
        process.put("cwd", firstNonBlank(c.getWorkingDir(), image.config().workingDir(), "/"));
        ObjectNode caps = process.putObject("capabilities");
        List<String> granted = capabilities(sc.getCapabilities());
        for (String set : List.of("bounding", "effective", "permitted")) {
            ArrayNode arr = caps.putArray(set);
            if (set.equals("bounding") || user.uid() == 0) {
                granted.forEach(cap -> arr.add("CAP_" + cap));
            }
        }
        // no rlimits: the container keeps this process's (raising them needs CAP_SYS_RESOURCE, which the sandbox lacks)
        process.put("noNewPrivileges", Boolean.FALSE.equals(sc.getAllowPrivilegeEscalation()));
        process.put("oomScoreAdj", oomScoreAdj(c));

        ObjectNode r = config.putObject("root");
        r.put("path", root.toString());
        r.put("readonly", readOnlyRoot);
        config.put("hostname", run.podName());

        ArrayNode mounts = config.putArray("mounts");
        defaultMounts(mounts);
        etcFiles(run, bundle, mounts);
        try {
            volumes(run, pod, c, bundle, fsGroup, mounts);
        } catch (CannotCreate | IOException | RuntimeException failed) {
            // nothing will run: release the overlay root and the bundle made so far
            if (overlay) {
                exec(List.of("umount", root.toString()));
            }
            exec(List.of("rm", "-rf", "--one-file-system", bundle.toString()));
            throw failed;
        }

        ObjectNode linux = config.putObject("linux");
        linux.put("cgroupsPath", "/" + CGROUP_PARENT + "/" + id);
        resources(linux.putObject("resources"), c);
        ArrayNode ns = linux.putArray("namespaces");
        for (String type : List.of("pid", "ipc", "uts", "mount")) { // no network namespace: pods share the machine's loopback
            ns.addObject().put("type", type);
        }
        ArrayNode masked = linux.putArray("maskedPaths");
        List.of("/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
                "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware", "/proc/scsi").forEach(masked::add);
        ArrayNode ro = linux.putArray("readonlyPaths");
        List.of("/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger").forEach(ro::add);
        return new Spec(id, bundle, config, overlay ? Optional.of(root) : Optional.empty());
    }

    private String envValue(JobControllerStandIn.PodRun run, Pod pod, EnvVar e) throws CannotCreate {
        if (e.getValueFrom() == null) {
            return Objects.requireNonNullElse(e.getValue(), "");
        }
        var from = e.getValueFrom();
        if (from.getSecretKeyRef() != null) {
            Secret s = client.secrets().inNamespace(run.namespace()).withName(from.getSecretKeyRef().getName()).get();
            String key = from.getSecretKeyRef().getKey();
            if (s == null || s.getData() == null || !s.getData().containsKey(key)) {
                throw new CannotCreate("CreateContainerConfigError", s == null ? "secret \"" + from.getSecretKeyRef().getName()
                        + "\" not found" : "couldn't find key " + key + " in Secret " + run.namespace() + "/"
                        + from.getSecretKeyRef().getName());
            }
            return new String(Base64.getDecoder().decode(s.getData().get(key)), StandardCharsets.UTF_8);
        }
        if (from.getFieldRef() != null) {
            java.util.regex.Matcher byKey = java.util.regex.Pattern.compile("metadata\\.(annotations|labels)\\['(.+)'\\]")
                    .matcher(from.getFieldRef().getFieldPath());
            if (byKey.matches()) { // e.g. an Indexed Job pod's JOB_COMPLETION_INDEX from its completion-index annotation
                Map<String, String> values = byKey.group(1).equals("annotations") ? pod.getMetadata().getAnnotations()
                        : pod.getMetadata().getLabels();
                return values == null ? "" : Objects.requireNonNullElse(values.get(byKey.group(2)), "");
            }
            return switch (from.getFieldRef().getFieldPath()) {
                case "metadata.name" -> run.podName();
                case "metadata.namespace" -> run.namespace();
                case "spec.serviceAccountName" -> Objects.requireNonNullElse(pod.getSpec().getServiceAccountName(), "default");
                case "status.podIP", "status.hostIP" -> "127.0.0.1";
                default -> throw new CannotCreate("CreateContainerConfigError", "field " + from.getFieldRef().getFieldPath()
                        + " is not modelled by the real-pod bed");
            };
        }
        throw new CannotCreate("CreateContainerConfigError", "env " + e.getName() + ": this valueFrom is not modelled by "
                + "the real-pod bed (value, secretKeyRef and fieldRef are)");
    }

    private static List<String> capabilities(Capabilities spec) {
        Set<String> caps = new LinkedHashSet<>(DEFAULT_CAPABILITIES);
        if (spec != null) {
            List<String> drop = Objects.requireNonNullElse(spec.getDrop(), List.of());
            if (drop.stream().anyMatch(d -> d.equalsIgnoreCase("ALL"))) {
                caps.clear();
            }
            drop.forEach(d -> caps.remove(d.toUpperCase().replaceFirst("^CAP_", "")));
            Objects.requireNonNullElse(spec.getAdd(), List.<String>of()).forEach(x -> caps.add(x.toUpperCase().replaceFirst("^CAP_", "")));
        }
        return List.copyOf(caps);
    }

    private int oomScoreAdj(Container c) {
        Map<String, Quantity> req = requests(c);
        Map<String, Quantity> lim = limits(c);
        if (req.isEmpty() && lim.isEmpty()) {
            return 1000; // BestEffort
        }
        boolean guaranteed = lim.containsKey("cpu") && lim.containsKey("memory")
                && bytes(req.getOrDefault("cpu", lim.get("cpu"))).compareTo(bytes(lim.get("cpu"))) == 0
                && bytes(req.getOrDefault("memory", lim.get("memory"))).compareTo(bytes(lim.get("memory"))) == 0;
        if (guaranteed) {
            return 0; // a kubelet sets -997; this sandbox cannot go below 0
        }
        long memRequest = req.containsKey("memory") ? bytes(req.get("memory")).longValue() : 0;
        long score = 1000 - (1000 * memRequest) / Math.max(1, nodeMemory);
        return (int) Math.max(2, Math.min(999, score));
    }

    private static void resources(ObjectNode resources, Container c) {
        Map<String, Quantity> lim = limits(c);
        Map<String, Quantity> req = requests(c);
        if (lim.containsKey("memory")) {
            long bytes = bytes(lim.get("memory")).longValue();
            resources.putObject("memory").put("limit", bytes).put("swap", bytes);
        }
        ObjectNode cpu = resources.putObject("cpu");
        Quantity cpuRequest = req.getOrDefault("cpu", lim.get("cpu"));
        long shares = cpuRequest == null ? 2 : Math.max(2, bytes(cpuRequest).multiply(BigDecimal.valueOf(1024)).longValue());
        cpu.put("shares", shares);
        if (lim.containsKey("cpu")) {
            long period = 100_000;
            cpu.put("period", period);
            cpu.put("quota", Math.max(1000, bytes(lim.get("cpu")).multiply(BigDecimal.valueOf(period)).longValue()));
        }
    }

    private static Map<String, Quantity> limits(Container c) {
        return c.getResources() == null || c.getResources().getLimits() == null ? Map.of() : c.getResources().getLimits();
    }

    private static Map<String, Quantity> requests(Container c) {
        return c.getResources() == null || c.getResources().getRequests() == null ? Map.of() : c.getResources().getRequests();
    }

    private static BigDecimal bytes(Quantity q) {
        return Quantity.getAmountInBytes(q);
    }

    private static void defaultMounts(ArrayNode mounts) {
        mount(mounts, "/proc", "proc", "proc");
        mount(mounts, "/dev", "tmpfs", "tmpfs", "nosuid", "strictatime", "mode=755", "size=65536k");
        mount(mounts, "/dev/pts", "devpts", "devpts", "nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5");
        mount(mounts, "/dev/shm", "tmpfs", "shm", "nosuid", "noexec", "nodev", "mode=1777", "size=65536k");
        mount(mounts, "/dev/mqueue", "mqueue", "mqueue", "nosuid", "noexec", "nodev");
        mount(mounts, "/sys", "bind", "/sys", "rbind", "nosuid", "noexec", "nodev", "ro");
    }

    /** {@code /etc/hostname}, {@code /etc/hosts} and {@code /etc/resolv.conf}, bind-mounted as a kubelet does. */
    private static void etcFiles(JobControllerStandIn.PodRun run, Path bundle, ArrayNode mounts) throws IOException {
        Path etc = Files.createDirectories(bundle.resolve("etc"));
        Files.writeString(etc.resolve("hostname"), run.podName() + "\n");
        Files.writeString(etc.resolve("hosts"), "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n127.0.0.1\t"
                + run.podName() + "\n");
        Path resolv = Path.of("/etc/resolv.conf");
        Files.writeString(etc.resolve("resolv.conf"), Files.isReadable(resolv) ? Files.readString(resolv) : "");
        for (String f : List.of("hostname", "hosts", "resolv.conf")) {
            mount(mounts, "/etc/" + f, "bind", etc.resolve(f).toString(), "rbind", "rprivate", "rw");
        }
    }

    private void volumes(JobControllerStandIn.PodRun run, Pod pod, Container c, Path bundle, Long fsGroup, ArrayNode mounts)
            throws CannotCreate, IOException {
        Map<String, Path> sources = new TreeMap<>();
        for (Volume v : Objects.requireNonNullElse(pod.getSpec().getVolumes(), List.<Volume>of())) {
            if (v.getHostPath() != null) {
                Path host = hostPath(v.getHostPath().getPath());
                String type = Objects.requireNonNullElse(v.getHostPath().getType(), "");
                if (type.equals("DirectoryOrCreate") && !Files.exists(host)) {
                    Files.createDirectories(host);
                }
                if ((type.equals("Directory") || type.equals("DirectoryOrCreate")) && !Files.isDirectory(host)) {
                    throw new CannotCreate("ContainerCreating", "MountVolume.SetUp failed for volume \"" + v.getName()
                            + "\" : hostPath type check failed: " + v.getHostPath().getPath() + " is not a directory");
                }
                if (!Files.exists(host)) {
                    throw new CannotCreate("CreateContainerError", "failed to generate container spec: failed to mkdir \""
                            + v.getHostPath().getPath() + "\": the bed does not create a missing hostPath (mapped to "
                            + host + ")");
                }
                sources.put(v.getName(), host);
            } else if (v.getEmptyDir() != null) {
                Path dir = Files.createDirectories(bundle.resolve("volumes").resolve(v.getName()));
                exec(List.of("chmod", fsGroup == null ? "0777" : "2777", dir.toString()));
                if (fsGroup != null) {
                    exec(List.of("chown", "0:" + fsGroup, dir.toString()));
                }
                sources.put(v.getName(), dir);
            } else if (v.getProjected() != null || v.getSecret() != null && v.getName().startsWith("kube-api-access")) {
                sources.put(v.getName(), serviceAccountToken(run, bundle));
            } else if (v.getSecret() != null || v.getConfigMap() != null) {
                sources.put(v.getName(), objectFiles(run, v, bundle, fsGroup));
            } else {
                throw new CannotCreate("CreateContainerConfigError", "volume \"" + v.getName() + "\": only hostPath, "
                        + "emptyDir, secret and configMap volumes are modelled by the real-pod bed");
            }
        }
        boolean automount = !Boolean.FALSE.equals(pod.getSpec().getAutomountServiceAccountToken());
        boolean tokenMounted = false;
        for (VolumeMount m : Objects.requireNonNullElse(c.getVolumeMounts(), List.<VolumeMount>of())) {
            Path source = sources.get(m.getName());
            if (source == null) {
                throw new CannotCreate("CreateContainerConfigError", "cannot find volume \"" + m.getName() + "\" to mount into "
                        + "container \"" + c.getName() + "\"");
            }
            if (m.getSubPath() != null && !m.getSubPath().isEmpty()) {
                source = Files.createDirectories(source.resolve(m.getSubPath()));
            }
            tokenMounted |= m.getMountPath().equals(TOKEN_PATH);
            Volume volume = pod.getSpec().getVolumes().stream().filter(v -> v.getName().equals(m.getName())).findFirst()
                    .orElseThrow();
            if (volume.getSecret() != null || volume.getConfigMap() != null) {
                // the kubelet mounts Secret and ConfigMap volumes read-only whatever the mount says
                mount(mounts, m.getMountPath(), "bind", source.toString(), "rbind", "rprivate", "ro");
            } else if (volume.getEmptyDir() != null && "Memory".equals(volume.getEmptyDir().getMedium())) {
                mount(mounts, m.getMountPath(), "tmpfs", "tmpfs", "nosuid", "nodev", fsGroup == null ? "mode=1777" : "mode=2777");
            } else {
                mount(mounts, m.getMountPath(), "bind", source.toString(), "rbind", "rprivate",
                        Boolean.TRUE.equals(m.getReadOnly()) ? "ro" : "rw");
            }
        }
        if (automount && !tokenMounted) {
            mount(mounts, TOKEN_PATH, "bind", serviceAccountToken(run, bundle).toString(), "rbind", "rprivate", "ro");
        }
    }

    /**
     * The files of a Secret or ConfigMap volume, read through the API as a kubelet does: each of the
     * volume's items (or every key) a file with the key's content, mode {@code defaultMode} (0644 when
     * unset) or the item's own, owned by root and the pod's {@code fsGroup}. A missing object or key
     * is the kubelet's {@code MountVolume.SetUp failed} (the pod stays {@code ContainerCreating}).
     */
    private Path objectFiles(JobControllerStandIn.PodRun run, Volume v, Path bundle, Long fsGroup)
            throws CannotCreate, IOException {
        boolean secret = v.getSecret() != null;
        String name = secret ? v.getSecret().getSecretName() : v.getConfigMap().getName();
        boolean optional = Boolean.TRUE.equals(secret ? v.getSecret().getOptional() : v.getConfigMap().getOptional());
        List<io.fabric8.kubernetes.api.model.KeyToPath> items = Objects.requireNonNullElse(
                secret ? v.getSecret().getItems() : v.getConfigMap().getItems(), List.of());
        Integer mode = secret ? v.getSecret().getDefaultMode() : v.getConfigMap().getDefaultMode();
        Map<String, byte[]> data = new TreeMap<>();
        if (secret) {
            Secret s = client.secrets().inNamespace(run.namespace()).withName(name).get();
            if (s != null) {
                Objects.requireNonNullElse(s.getData(), Map.<String, String>of()).forEach((k, val) ->
                        data.put(k, Base64.getDecoder().decode(val)));
                Objects.requireNonNullElse(s.getStringData(), Map.<String, String>of()).forEach((k, val) ->
                        data.put(k, val.getBytes(StandardCharsets.UTF_8)));
            } else if (!optional) {
                throw new CannotCreate("ContainerCreating", "MountVolume.SetUp failed for volume \"" + v.getName()
                        + "\" : secret \"" + name + "\" not found");
            }
        } else {
            var cm = client.configMaps().inNamespace(run.namespace()).withName(name).get();
            if (cm != null) {
                Objects.requireNonNullElse(cm.getData(), Map.<String, String>of()).forEach((k, val) ->
                        data.put(k, val.getBytes(StandardCharsets.UTF_8)));
                Objects.requireNonNullElse(cm.getBinaryData(), Map.<String, String>of()).forEach((k, val) ->
                        data.put(k, Base64.getDecoder().decode(val)));
            } else if (!optional) {
                throw new CannotCreate("ContainerCreating", "MountVolume.SetUp failed for volume \"" + v.getName()
                        + "\" : configmap \"" + name + "\" not found");
            }
        }
        Map<String, String> paths = new TreeMap<>();
        Map<String, Integer> modes = new TreeMap<>();
        if (items.isEmpty()) {
            data.keySet().forEach(k -> paths.put(k, k));
        } else {
            for (var item : items) {
                if (!data.containsKey(item.getKey()) && !data.isEmpty()) {
                    throw new CannotCreate("ContainerCreating", "MountVolume.SetUp failed for volume \"" + v.getName()
                            + "\" : " + (secret ? "couldn't find key " + item.getKey() + " in Secret " + run.namespace()
                            + "/" + name : "configmap references non-existent config key: " + item.getKey()));
                }
                paths.put(item.getKey(), item.getPath());
                if (item.getMode() != null) {
                    modes.put(item.getKey(), item.getMode());
                }
            }
        }
        Path dir = Files.createDirectories(bundle.resolve("volumes").resolve(v.getName()));
        exec(List.of("chmod", "0755", dir.toString()));
        for (Map.Entry<String, String> e : paths.entrySet()) {
            byte[] content = data.get(e.getKey());
            if (content == null) {
                continue; // an optional object that is missing: an empty directory
            }
            Path file = dir.resolve(e.getValue()).normalize();
            if (!file.startsWith(dir)) {
                throw new CannotCreate("ContainerCreating", "MountVolume.SetUp failed for volume \"" + v.getName()
                        + "\" : invalid path " + e.getValue());
            }
            Files.createDirectories(file.getParent());
            Files.write(file, content);
            int fileMode = modes.getOrDefault(e.getKey(), mode == null ? 0644 : mode);
            if (fsGroup != null) {
                fileMode |= 0040; // the kubelet lets the fsGroup read
                exec(List.of("chown", "0:" + fsGroup, file.toString()));
            }
            exec(List.of("chmod", Integer.toOctalString(fileMode), file.toString()));
        }
        return dir;
    }

    /** What a service-account token volume holds, with a token that authenticates nothing. */
    private static Path serviceAccountToken(JobControllerStandIn.PodRun run, Path bundle) throws IOException {
        Path dir = Files.createDirectories(bundle.resolve("serviceaccount"));
        Files.writeString(dir.resolve("namespace"), run.namespace());
        Files.writeString(dir.resolve("token"), "stand-in-token-for-" + run.podName());
        Files.writeString(dir.resolve("ca.crt"), "");
        return dir;
    }

    private Path hostPath(String path) {
        for (Map.Entry<String, Path> e : hostPaths.entrySet()) {
            String node = e.getKey();
            if (path.equals(node)) {
                return e.getValue();
            }
            if (path.startsWith(node.endsWith("/") ? node : node + "/")) {
                return e.getValue().resolve(path.substring(node.length()).replaceFirst("^/", ""));
            }
        }
        return Path.of(path);
    }

    private static void mount(ArrayNode mounts, String destination, String type, String source, String... options) {
        ObjectNode m = mounts.addObject();
        m.put("destination", destination);
        m.put("type", type);
        m.put("source", source);
        if (options.length > 0) {
            ArrayNode o = m.putArray("options");
            for (String option : options) {
                o.add(option);
            }
        }
    }

    /** The program {@code name} resolves to inside {@code rootfs} (symlinks followed inside it), if any. */
    static Optional<String> executable(Path rootfs, String name, String path) {
        List<String> candidates = new ArrayList<>();
        if (name.contains("/")) {
            candidates.add(name.startsWith("/") ? name : "/" + name);
        } else {
            for (String dir : Objects.requireNonNullElse(path, "").split(":")) {
                if (!dir.isEmpty()) {
                    candidates.add(dir + "/" + name);
                }
            }
        }
        for (String candidate : candidates) {
            Optional<Path> real = PodUser.insideRoot(rootfs, candidate);
            if (real.isPresent() && Files.isRegularFile(real.get()) && Files.isExecutable(real.get())) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /** Runs a short command to its end even when this thread is interrupted (cleanup must finish); its exit code. */
    private static int run(List<String> command) {
        boolean interrupted = Thread.interrupted();
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            while (true) {
                try {
                    int code = p.waitFor();
                    if (code != 0) {
                        LOG.debug("{} exited {}: {}", command, code, out.strip());
                    }
                    return code;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        } catch (IOException e) {
            LOG.debug("cannot run {}", command, e);
            return -1;
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static void exec(List<String> command) {
        run(command);
    }

    @SafeVarargs
    private static <T> T first(T... values) {
        for (T v : values) {
            if (v != null) {
                return v;
            }
        }
        return null;
    }

    private static String firstNonBlank(String... values) {
        for (String v : values) {
            if (v != null && !v.isBlank()) {
                return v;
            }
        }
        return "/";
    }

    private static boolean isRoot() {
        try {
            Object uid = Files.getAttribute(Path.of("/proc/self"), "unix:uid", LinkOption.NOFOLLOW_LINKS);
            return Integer.valueOf(0).equals(uid);
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    private static Optional<String> findOnPath(String name) {
        String path = Objects.requireNonNullElse(System.getenv("PATH"), "/usr/local/bin:/usr/bin:/bin");
        List<String> dirs = new ArrayList<>(List.of(path.split(File.pathSeparator)));
        dirs.addAll(List.of("/usr/sbin", "/sbin", "/usr/local/sbin"));
        for (String d : dirs) {
            if (!d.isEmpty() && Files.isExecutable(Path.of(d, name))) {
                return Optional.of(Path.of(d, name).toString());
            }
        }
        return Optional.empty();
    }

    /** Kills the containers still running and removes their bundles. */
    @Override
    public void close() {
        for (String id : List.copyOf(running.values())) {
            exec(List.of(runc, "kill", id, "KILL"));
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!running.isEmpty() && System.nanoTime() < deadline) { // their threads clean up after themselves
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        for (Spec spec : List.copyOf(created.values())) {
            cleanUp(spec);
        }
        if (ownsWorkDir) {
            exec(List.of("rm", "-rf", "--one-file-system", workDir.toString()));
        }
    }
}
