package dev.valence.tck.cluster;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Sysctl;
import io.fabric8.kubernetes.api.model.Volume;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * The Pod Security Standards' checks a batch pod can fail ({@code baseline}, and {@code restricted}
 * which includes it), in the words of the Pod Security Admission plugin: the one rule set behind the
 * stand-in's admission ({@code violates PodSecurity "<level>:latest": ...}) and a test's check of a
 * rendered Job. AppArmor, SELinux options and Windows host processes are not modelled: Valence sets
 * none of them.
 */
public final class PodSecurityStandards {
    /** The namespace label whose value is the level the API server enforces. */
    public static final String ENFORCE = "pod-security.kubernetes.io/enforce";
    /** The namespace label naming the version of the standards enforced (default {@code latest}). */
    public static final String ENFORCE_VERSION = "pod-security.kubernetes.io/enforce-version";

    private static final Set<String> BASELINE_CAPS = Set.of("AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID",
            "KILL", "MKNOD", "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT");
    private static final Set<String> SAFE_SYSCTLS = Set.of("kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range",
            "net.ipv4.ip_unprivileged_port_start", "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range",
            "net.ipv4.ip_local_reserved_ports", "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout",
            "net.ipv4.tcp_keepalive_intvl", "net.ipv4.tcp_keepalive_probes");
    private static final Set<String> RESTRICTED_VOLUMES = Set.of("configMap", "csi", "downwardAPI", "emptyDir", "ephemeral",
            "persistentVolumeClaim", "projected", "secret");

    /** A level of the standards, as the namespace label spells it. */
    public enum Level {
        /** Everything allowed. */
        PRIVILEGED,
        /** Known privilege escalations forbidden (host namespaces, privileged, hostPath, ...). */
        BASELINE,
        /** Baseline plus the hardening best practices (non-root, no escalation, drop ALL, seccomp, volume types). */
        RESTRICTED;

        /** The level a namespace label value names; an absent label is {@code privileged}. */
        public static Optional<Level> of(String label) {
            if (label == null) {
                return Optional.of(PRIVILEGED);
            }
            for (Level l : values()) {
                if (l.label().equals(label)) {
                    return Optional.of(l);
                }
            }
            return Optional.empty();
        }

        /** The label value ({@code baseline}). */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private PodSecurityStandards() {
    }

    /** What in {@code pod} breaks "restricted", one check each in the admission plugin's words; empty when it passes. */
    public static List<String> restrictedViolations(PodSpec pod) {
        return violations(pod, Level.RESTRICTED);
    }

    /**
     * What in {@code pod} breaks {@code level}, one check each in the admission plugin's words (the
     * baseline checks first, then those only "restricted" makes); empty when it passes.
     */
    public static List<String> violations(PodSpec pod, Level level) {
        List<String> out = new ArrayList<>();
        if (level == Level.PRIVILEGED) {
            return out;
        }
        boolean restricted = level == Level.RESTRICTED;
        List<Container> containers = new ArrayList<>(orEmpty(pod.getInitContainers()));
        containers.addAll(orEmpty(pod.getContainers()));
        PodSecurityContext psc = Objects.requireNonNullElseGet(pod.getSecurityContext(), PodSecurityContext::new);
        List<Volume> volumes = orEmpty(pod.getVolumes());

        List<String> hostNs = new ArrayList<>();
        if (Boolean.TRUE.equals(pod.getHostNetwork())) {
            hostNs.add("hostNetwork=true");
        }
        if (Boolean.TRUE.equals(pod.getHostPID())) {
            hostNs.add("hostPID=true");
        }
        if (Boolean.TRUE.equals(pod.getHostIPC())) {
            hostNs.add("hostIPC=true");
        }
        add(out, "host namespaces", hostNs.isEmpty() ? "" : String.join(", ", hostNs));
        add(out, "privileged", named(containers, c -> Boolean.TRUE.equals(sc(c).getPrivileged()),
                " must not set securityContext.privileged=true"));
        if (!restricted) { // "restricted" checks capabilities its own way
            List<String> nonDefault = new ArrayList<>();
            for (Container c : containers) {
                List<String> added = orEmpty(sc(c).getCapabilities() == null ? null : sc(c).getCapabilities().getAdd())
                        .stream().filter(a -> !BASELINE_CAPS.contains(a)).toList();
                if (!added.isEmpty()) {
                    nonDefault.add("container \"" + c.getName() + "\" must not include \"" + String.join("\", \"", added)
                            + "\" in securityContext.capabilities.add");
                }
            }
            add(out, "non-default capabilities", String.join("; ", nonDefault));
        }
        List<String> hostPaths = volumes.stream().filter(v -> v.getHostPath() != null).map(v -> "\"" + v.getName() + "\"")
                .toList();
        add(out, "hostPath volumes", hostPaths.isEmpty() ? "" : "volume" + (hostPaths.size() > 1 ? "s " : " ")
                + String.join(", ", hostPaths));
        List<String> hostPorts = new ArrayList<>();
        for (Container c : containers) {
            orEmpty(c.getPorts()).stream().filter(p -> p.getHostPort() != null && p.getHostPort() != 0)
                    .forEach(p -> hostPorts.add("container \"" + c.getName() + "\" uses hostPort " + p.getHostPort()));
        }
        add(out, "hostPort", String.join(", ", hostPorts));
        List<String> procMounts = new ArrayList<>();
        for (Container c : containers) {
            String proc = sc(c).getProcMount();
            if (proc != null && !proc.equals("Default")) {
                procMounts.add("container \"" + c.getName() + "\" must not set securityContext.procMount to \"" + proc + "\"");
            }
        }
        add(out, "procMount", String.join("; ", procMounts));
        if (!restricted) { // "restricted" asks for more
            boolean unconfined = "Unconfined".equals(psc.getSeccompProfile() == null ? null : psc.getSeccompProfile().getType())
                    || containers.stream().anyMatch(c -> sc(c).getSeccompProfile() != null
                    && "Unconfined".equals(sc(c).getSeccompProfile().getType()));
            add(out, "seccompProfile", unconfined ? "pod or container must not set securityContext.seccompProfile.type "
                    + "to \"Unconfined\"" : "");
        }
        List<String> sysctls = orEmpty(psc.getSysctls()).stream().map(Sysctl::getName)
                .filter(n -> !SAFE_SYSCTLS.contains(n)).toList();
        add(out, "forbidden sysctls", String.join(", ", sysctls));
        if (!restricted) {
            return out;
        }
        List<String> restrictedVolumes = volumes.stream().filter(v -> !RESTRICTED_VOLUMES.contains(volumeType(v)))
                .map(v -> "volume \"" + v.getName() + "\" uses restricted volume type \"" + volumeType(v) + "\"").toList();
        add(out, "restricted volume types", String.join(", ", restrictedVolumes));
        add(out, "allowPrivilegeEscalation != false", named(containers,
                c -> !Boolean.FALSE.equals(sc(c).getAllowPrivilegeEscalation()),
                " must set securityContext.allowPrivilegeEscalation=false"));
        List<String> details = new ArrayList<>();
        for (Container c : containers) {
            var caps = sc(c).getCapabilities();
            boolean dropsAll = caps != null && orEmpty(caps.getDrop()).contains("ALL");
            List<String> added = caps == null ? List.of()
                    : orEmpty(caps.getAdd()).stream().filter(a -> !a.equals("NET_BIND_SERVICE")).toList();
            String n = "container \"" + c.getName() + "\"";
            if (!dropsAll) {
                details.add(n + " must set securityContext.capabilities.drop=[\"ALL\"]");
            }
            if (!added.isEmpty()) {
                details.add(n + " must not include \"" + String.join("\", \"", added) + "\" in securityContext.capabilities.add");
            }
        }
        add(out, "unrestricted capabilities", String.join("; ", details));
        add(out, "runAsNonRoot != true", named(containers, c -> !Boolean.TRUE.equals(
                        sc(c).getRunAsNonRoot() != null ? sc(c).getRunAsNonRoot() : psc.getRunAsNonRoot()),
                " must set securityContext.runAsNonRoot=true", "pod or "));
        boolean podRoot = Long.valueOf(0).equals(psc.getRunAsUser());
        String rootContainers = named(containers, c -> Long.valueOf(0).equals(sc(c).getRunAsUser()), "");
        add(out, "runAsUser=0", !podRoot && rootContainers.isEmpty() ? ""
                : (podRoot ? "pod" : "") + (podRoot && !rootContainers.isEmpty() ? " and " : "") + rootContainers
                + " must not set runAsUser=0");
        String podSeccomp = psc.getSeccompProfile() == null ? null : psc.getSeccompProfile().getType();
        add(out, "seccompProfile", named(containers, c -> {
            String type = sc(c).getSeccompProfile() != null ? sc(c).getSeccompProfile().getType() : podSeccomp;
            return !"RuntimeDefault".equals(type) && !"Localhost".equals(type);
        }, " must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\"", "pod or "));
        return out;
    }

    private static void add(List<String> out, String check, String detail) {
        if (!detail.isEmpty()) {
            out.add(check + " (" + detail + ")");
        }
    }

    /** {@code container "a"} or {@code containers "a", "b"} for those matching, then {@code rest}; empty when none. */
    private static String named(List<Container> containers, java.util.function.Predicate<Container> breaks, String rest) {
        return named(containers, breaks, rest, "");
    }

    private static String named(List<Container> containers, java.util.function.Predicate<Container> breaks, String rest,
                                String prefix) {
        List<String> names = containers.stream().filter(breaks).map(c -> "\"" + c.getName() + "\"").toList();
        return names.isEmpty() ? "" : prefix + (names.size() > 1 ? "containers " : "container ") + String.join(", ", names) + rest;
    }

    private static SecurityContext sc(Container c) {
        return Objects.requireNonNullElseGet(c.getSecurityContext(), SecurityContext::new);
    }

    private static <T> List<T> orEmpty(List<T> list) {
        return list == null ? List.of() : list;
    }

    private static String volumeType(Volume v) {
        List<Function<Volume, Object>> sources = List.of(Volume::getHostPath, Volume::getEmptyDir, Volume::getSecret,
                Volume::getConfigMap, Volume::getProjected, Volume::getPersistentVolumeClaim, Volume::getDownwardAPI,
                Volume::getCsi, Volume::getEphemeral, Volume::getNfs);
        List<String> names = List.of("hostPath", "emptyDir", "secret", "configMap", "projected", "persistentVolumeClaim",
                "downwardAPI", "csi", "ephemeral", "nfs");
        for (int i = 0; i < sources.size(); i++) {
            if (sources.get(i).apply(v) != null) {
                return names.get(i);
            }
        }
        return "unknown";
    }
}
