package dev.valence.tck.cluster;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceQuota;
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
 * Security Admission ({@code pod-security.kubernetes.io/enforce} on the namespace, the rules of
 * {@link PodSecurityStandards}), ResourceQuota
 * ({@code pods}, {@code requests.*}, {@code limits.*}, {@code cpu}, {@code memory}), and the
 * scheduler's fit on the bed's one node (resources and {@code nodeSelector}; no taints).
 */
final class Admission {

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
        PodSecurityStandards.Level level = PodSecurityStandards.Level.of(labels.get(PodSecurityStandards.ENFORCE))
                .orElse(PodSecurityStandards.Level.PRIVILEGED);
        List<String> violations = PodSecurityStandards.violations(pod.getSpec(), level);
        if (!violations.isEmpty()) {
            return Optional.of(forbidden + "violates PodSecurity \"" + level.label() + ":"
                    + labels.getOrDefault(PodSecurityStandards.ENFORCE_VERSION, "latest") + "\": " + String.join(", ", violations));
        }
        for (ResourceQuota quota : client.resourceQuotas().inNamespace(ns).list().getItems()) {
            Optional<String> exceeded = quota(client, pod, quota);
            if (exceeded.isPresent()) {
                return Optional.of(forbidden + exceeded.get());
            }
        }
        return Optional.empty();
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
