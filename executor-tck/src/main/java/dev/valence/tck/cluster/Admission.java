package dev.valence.tck.cluster;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceQuota;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * What the stand-in's API server refuses when a controller creates a pod, and what its scheduler
 * cannot place, with the real components' messages: the ServiceAccount admission plugin, Pod
 * Security Admission ({@code pod-security.kubernetes.io/enforce} on the namespace, levels
 * {@code baseline} and {@code restricted}, the checks that matter to a batch pod), ResourceQuota
 * ({@code pods}, {@code requests.*}, {@code limits.*}, {@code cpu}, {@code memory}), and the
 * scheduler's fit on the bed's one node (resources and {@code nodeSelector}; no taints).
 */
final class Admission {
    static final String ENFORCE = "pod-security.kubernetes.io/enforce";
    static final String ENFORCE_VERSION = "pod-security.kubernetes.io/enforce-version";
    private static final Set<String> BASELINE_CAPS = Set.of("AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID",
            "KILL", "MKNOD", "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT");
    private static final Set<String> RESTRICTED_VOLUMES = Set.of("configMap", "csi", "downwardAPI", "emptyDir", "ephemeral",
            "persistentVolumeClaim", "projected", "secret");

    private Admission() {
    }

    /** Why the API server refuses the pod ({@code pods "x" is forbidden: ...}), or empty when it admits it. */
    static Optional<String> refusal(KubernetesClient client, Pod pod) {
        String ns = pod.getMetadata().getNamespace();
        String name = pod.getMetadata().getName();
        String forbidden = "pods \"" + name + "\" is forbidden: ";
        String sa = pod.getSpec().getServiceAccountName();
        if (sa != null && !sa.isEmpty() && !sa.equals("default")
                && client.serviceAccounts().inNamespace(ns).withName(sa).get() == null) {
            return Optional.of(forbidden + "error looking up service account " + ns + "/" + sa + ": serviceaccount \"" + sa
                    + "\" not found");
        }
        Namespace namespace = client.namespaces().withName(ns).get();
        Map<String, String> labels = namespace == null || namespace.getMetadata().getLabels() == null ? Map.of()
                : namespace.getMetadata().getLabels();
        String level = labels.getOrDefault(ENFORCE, "privileged");
        if (level.equals("baseline") || level.equals("restricted")) {
            List<String> violations = podSecurity(pod, level.equals("restricted"));
            if (!violations.isEmpty()) {
                return Optional.of(forbidden + "violates PodSecurity \"" + level + ":" + labels.getOrDefault(ENFORCE_VERSION,
                        "latest") + "\": " + String.join(", ", violations));
            }
        }
        for (ResourceQuota quota : client.resourceQuotas().inNamespace(ns).list().getItems()) {
            Optional<String> exceeded = quota(client, pod, quota);
            if (exceeded.isPresent()) {
                return Optional.of(forbidden + exceeded.get());
            }
        }
        return Optional.empty();
    }

    /** The Pod Security Standards' checks a batch pod can fail, in the order and words of the admission plugin. */
    static List<String> podSecurity(Pod pod, boolean restricted) {
        List<String> out = new ArrayList<>();
        var spec = pod.getSpec();
        List<Container> containers = spec.getContainers();
        PodSecurityContext psc = Objects.requireNonNullElseGet(spec.getSecurityContext(), PodSecurityContext::new);
        List<String> hostNs = new ArrayList<>();
        if (Boolean.TRUE.equals(spec.getHostNetwork())) {
            hostNs.add("hostNetwork=true");
        }
        if (Boolean.TRUE.equals(spec.getHostPID())) {
            hostNs.add("hostPID=true");
        }
        if (Boolean.TRUE.equals(spec.getHostIPC())) {
            hostNs.add("hostIPC=true");
        }
        if (!hostNs.isEmpty()) {
            out.add("host namespaces (" + String.join(", ", hostNs) + ")");
        }
        List<String> privileged = containers.stream().filter(c -> c.getSecurityContext() != null
                && Boolean.TRUE.equals(c.getSecurityContext().getPrivileged())).map(c -> "\"" + c.getName() + "\"").toList();
        if (!privileged.isEmpty()) {
            out.add("privileged (container " + String.join(", ", privileged) + " must not set securityContext.privileged=true)");
        }
        for (Container c : containers) {
            SecurityContext sc = c.getSecurityContext();
            List<String> added = sc == null || sc.getCapabilities() == null || sc.getCapabilities().getAdd() == null ? List.of()
                    : sc.getCapabilities().getAdd().stream().filter(a -> !BASELINE_CAPS.contains(a)).toList();
            if (!added.isEmpty()) {
                out.add("non-default capabilities (container \"" + c.getName() + "\" must not include \""
                        + String.join("\", \"", added) + "\" in securityContext.capabilities.add)");
            }
        }
        List<String> hostPaths = Objects.requireNonNullElse(spec.getVolumes(), List.<Volume>of()).stream()
                .filter(v -> v.getHostPath() != null).map(v -> "\"" + v.getName() + "\"").toList();
        if (!hostPaths.isEmpty()) {
            out.add("hostPath volumes (volume" + (hostPaths.size() > 1 ? "s " : " ") + String.join(", ", hostPaths) + ")");
        }
        boolean hostPorts = containers.stream().anyMatch(c -> c.getPorts() != null && c.getPorts().stream()
                .anyMatch(p -> p.getHostPort() != null && p.getHostPort() != 0));
        if (hostPorts) {
            out.add("hostPort (containers must not set hostPort)");
        }
        if (!restricted) {
            return out;
        }
        List<String> restrictedVolumes = new ArrayList<>();
        for (Volume v : Objects.requireNonNullElse(spec.getVolumes(), List.<Volume>of())) {
            String type = volumeType(v);
            if (!RESTRICTED_VOLUMES.contains(type)) {
                restrictedVolumes.add("volume \"" + v.getName() + "\" uses restricted volume type \"" + type + "\"");
            }
        }
        if (!restrictedVolumes.isEmpty()) {
            out.add("restricted volume types (" + String.join(", ", restrictedVolumes) + ")");
        }
        for (Container c : containers) {
            SecurityContext sc = Objects.requireNonNullElseGet(c.getSecurityContext(), SecurityContext::new);
            String n = "\"" + c.getName() + "\"";
            if (!Boolean.FALSE.equals(sc.getAllowPrivilegeEscalation())) {
                out.add("allowPrivilegeEscalation != false (container " + n + " must set securityContext.allowPrivilegeEscalation=false)");
            }
            boolean dropsAll = sc.getCapabilities() != null && sc.getCapabilities().getDrop() != null
                    && sc.getCapabilities().getDrop().contains("ALL");
            List<String> add = sc.getCapabilities() == null || sc.getCapabilities().getAdd() == null ? List.of()
                    : sc.getCapabilities().getAdd().stream().filter(a -> !a.equals("NET_BIND_SERVICE")).toList();
            if (!dropsAll || !add.isEmpty()) {
                out.add("unrestricted capabilities (container " + n + (dropsAll ? "" : " must set securityContext.capabilities.drop=[\"ALL\"]")
                        + (add.isEmpty() ? "" : (dropsAll ? "" : "; container " + n) + " must not include \""
                        + String.join("\", \"", add) + "\" in securityContext.capabilities.add") + ")");
            }
            Boolean nonRoot = sc.getRunAsNonRoot() != null ? sc.getRunAsNonRoot() : psc.getRunAsNonRoot();
            if (!Boolean.TRUE.equals(nonRoot)) {
                out.add("runAsNonRoot != true (pod or container " + n + " must set securityContext.runAsNonRoot=true)");
            }
            Long uid = sc.getRunAsUser() != null ? sc.getRunAsUser() : psc.getRunAsUser();
            if (uid != null && uid == 0) {
                out.add("runAsUser=0 (pod and container " + n + " must not set runAsUser=0)");
            }
            String seccomp = sc.getSeccompProfile() != null ? sc.getSeccompProfile().getType()
                    : psc.getSeccompProfile() != null ? psc.getSeccompProfile().getType() : null;
            if (!"RuntimeDefault".equals(seccomp) && !"Localhost".equals(seccomp)) {
                out.add("seccompProfile (pod or container " + n + " must set securityContext.seccompProfile.type to "
                        + "\"RuntimeDefault\" or \"Localhost\")");
            }
        }
        return out;
    }

    private static String volumeType(Volume v) {
        if (v.getHostPath() != null) {
            return "hostPath";
        }
        if (v.getEmptyDir() != null) {
            return "emptyDir";
        }
        if (v.getSecret() != null) {
            return "secret";
        }
        if (v.getConfigMap() != null) {
            return "configMap";
        }
        if (v.getProjected() != null) {
            return "projected";
        }
        if (v.getPersistentVolumeClaim() != null) {
            return "persistentVolumeClaim";
        }
        if (v.getDownwardAPI() != null) {
            return "downwardAPI";
        }
        if (v.getCsi() != null) {
            return "csi";
        }
        if (v.getEphemeral() != null) {
            return "ephemeral";
        }
        if (v.getNfs() != null) {
            return "nfs";
        }
        return "unknown";
    }

    private static Optional<String> quota(KubernetesClient client, Pod pod, ResourceQuota quota) {
        Map<String, Quantity> hard = quota.getSpec() == null || quota.getSpec().getHard() == null ? Map.of()
                : quota.getSpec().getHard();
        List<Pod> others = client.pods().inNamespace(pod.getMetadata().getNamespace()).list().getItems().stream()
                .filter(p -> p.getStatus() == null || !Set.of("Succeeded", "Failed").contains(p.getStatus().getPhase()))
                .toList();
        List<String> missing = new ArrayList<>();
        Map<String, BigDecimal[]> exceeded = new LinkedHashMap<>();
        for (Map.Entry<String, Quantity> h : hard.entrySet()) {
            String key = h.getKey();
            BigDecimal limit = Quantity.getAmountInBytes(h.getValue());
            BigDecimal requested;
            BigDecimal used = BigDecimal.ZERO;
            if (key.equals("pods")) {
                requested = BigDecimal.ONE;
                used = BigDecimal.valueOf(others.size());
            } else {
                Optional<BigDecimal> r = amount(pod, key);
                if (r.isEmpty()) {
                    if (key.startsWith("requests.") || key.startsWith("limits.") || key.equals("cpu") || key.equals("memory")) {
                        missing.add(key);
                    }
                    continue;
                }
                requested = r.get();
                for (Pod o : others) {
                    used = used.add(amount(o, key).orElse(BigDecimal.ZERO));
                }
            }
            if (used.add(requested).compareTo(limit) > 0) {
                exceeded.put(key, new BigDecimal[] {requested, used, limit});
            }
        }
        if (!missing.isEmpty()) {
            return Optional.of("failed quota: " + quota.getMetadata().getName() + ": must specify " + String.join(",", missing));
        }
        if (exceeded.isEmpty()) {
            return Optional.empty();
        }
        StringBuilder requested = new StringBuilder();
        StringBuilder used = new StringBuilder();
        StringBuilder limited = new StringBuilder();
        exceeded.forEach((k, v) -> {
            String sep = requested.length() == 0 ? "" : ",";
            requested.append(sep).append(k).append('=').append(quantity(k, v[0], pod));
            used.append(sep).append(k).append('=').append(v[1].stripTrailingZeros().toPlainString());
            limited.append(sep).append(k).append('=').append(hard.get(k));
        });
        return Optional.of("exceeded quota: " + quota.getMetadata().getName() + ", requested: " + requested + ", used: "
                + used + ", limited: " + limited);
    }

    private static String quantity(String key, BigDecimal amount, Pod pod) {
        if (key.equals("pods")) {
            return "1";
        }
        String resource = key.contains(".") ? key.substring(key.indexOf('.') + 1) : key;
        boolean limits = key.startsWith("limits.");
        Container c = pod.getSpec().getContainers().get(0);
        Map<String, Quantity> m = c.getResources() == null ? null
                : limits ? c.getResources().getLimits() : c.getResources().getRequests();
        return m != null && m.get(resource) != null ? m.get(resource).toString() : amount.toPlainString();
    }

    private static Optional<BigDecimal> amount(Pod pod, String key) {
        String resource = key.contains(".") ? key.substring(key.indexOf('.') + 1) : key;
        boolean limits = key.startsWith("limits.");
        BigDecimal sum = null;
        for (Container c : pod.getSpec().getContainers()) {
            Map<String, Quantity> m = c.getResources() == null ? null
                    : limits ? c.getResources().getLimits() : c.getResources().getRequests();
            if (m == null || m.get(resource) == null) {
                if (!limits && c.getResources() != null && c.getResources().getLimits() != null
                        && c.getResources().getLimits().get(resource) != null) {
                    m = c.getResources().getLimits(); // a request defaults to the limit
                } else {
                    return Optional.empty();
                }
            }
            BigDecimal v = Quantity.getAmountInBytes(m.get(resource));
            sum = sum == null ? v : sum.add(v);
        }
        return Optional.ofNullable(sum);
    }

    /** Why the scheduler cannot place the pod on the bed's node, in its words, or empty when it fits. */
    static Optional<String> unschedulable(Pod pod, Node node) {
        Map<String, String> labels = Objects.requireNonNullElse(node.getMetadata().getLabels(), Map.of());
        Map<String, String> selector = Objects.requireNonNullElse(pod.getSpec().getNodeSelector(), Map.of());
        boolean matches = selector.entrySet().stream().allMatch(e -> e.getValue().equals(labels.get(e.getKey())));
        if (!matches) {
            return Optional.of("0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector. preemption: "
                    + "0/1 nodes are available: 1 Preemption is not helpful for scheduling.");
        }
        Map<String, Quantity> allocatable = node.getStatus() == null || node.getStatus().getAllocatable() == null ? Map.of()
                : node.getStatus().getAllocatable();
        List<String> insufficient = new ArrayList<>();
        Map<String, BigDecimal> requests = new LinkedHashMap<>();
        for (Container c : pod.getSpec().getContainers()) {
            Map<String, Quantity> r = new LinkedHashMap<>();
            if (c.getResources() != null && c.getResources().getLimits() != null) {
                r.putAll(c.getResources().getLimits());
            }
            if (c.getResources() != null && c.getResources().getRequests() != null) {
                r.putAll(c.getResources().getRequests());
            }
            r.forEach((k, v) -> requests.merge(k, Quantity.getAmountInBytes(v), BigDecimal::add));
        }
        for (Map.Entry<String, BigDecimal> r : requests.entrySet()) {
            Quantity has = allocatable.get(r.getKey());
            BigDecimal available = has == null ? BigDecimal.ZERO : Quantity.getAmountInBytes(has);
            if (r.getValue().signum() > 0 && r.getValue().compareTo(available) > 0) {
                insufficient.add("1 Insufficient " + r.getKey());
            }
        }
        if (insufficient.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of("0/1 nodes are available: " + String.join(", ", insufficient) + ". preemption: 0/1 nodes are "
                + "available: 1 No preemption victims found for incoming pod.");
    }
}
