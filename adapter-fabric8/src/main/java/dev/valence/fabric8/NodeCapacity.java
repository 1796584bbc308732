package dev.valence.fabric8;

import dev.valence.api.ErrorKind;
import dev.valence.api.ValenceException;
import dev.valence.spi.JobSpec;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Refuses, before the Job is made, a task whose requests no node's allocatable can hold (it would
 * only fail after {@code unschedulable_grace}). Nodes are listed at most once a minute; an identity
 * that may not list nodes (the namespaced Role of infra/rbac.yaml) skips the check, said once, and
 * such a task then fails as unschedulable after the grace. A cluster without nodes listed (a
 * virtual or scaled-to-zero one) is not judged.
 */
final class NodeCapacity {
    private static final Logger LOG = LoggerFactory.getLogger(NodeCapacity.class);
    private static final long FRESH_NANOS = 60_000_000_000L;

    private final KubernetesClient client;
    private volatile List<Node> nodes;
    private volatile long listedAt;
    private volatile boolean denied;

    NodeCapacity(KubernetesClient client) {
        this.client = client;
    }

    /** Throws a CONFIG error when no node (matching the spec's node selector) can hold the spec's requests. */
    void check(JobSpec spec) {
        Map<String, String> wanted = requests(spec);
        if (wanted.isEmpty()) {
            return;
        }
        List<Node> all = nodes();
        List<Node> candidates = all.stream().filter(n -> matches(n, spec.nodeSelector())).toList();
        if (candidates.isEmpty() || candidates.stream().anyMatch(n -> fits(n, wanted))) {
            return;
        }
        StringBuilder largest = new StringBuilder();
        for (Node n : candidates) {
            Map<String, Quantity> a = allocatable(n);
            largest.append(largest.length() == 0 ? "" : "; ").append(n.getMetadata().getName()).append(": ");
            int before = largest.length();
            wanted.keySet().forEach(r -> largest.append(largest.length() == before ? "" : ", ").append(r).append(' ')
                    .append(a.containsKey(r) ? a.get(r).toString() : "0"));
        }
        throw new ValenceException(ErrorKind.CONFIG, "no node can hold Job " + spec.name() + ": it requests "
                + describe(wanted) + " but the nodes" + (spec.nodeSelector().isEmpty() ? "" : " matching node_selector "
                + spec.nodeSelector()) + " allocate at most (" + largest + "); lower vcpu, memory or gpus, or add a larger "
                + "node (if your cluster adds nodes on demand, set check_node_capacity = false)");
    }

    private List<Node> nodes() {
        if (denied) {
            return List.of();
        }
        List<Node> n = nodes;
        if (n != null && System.nanoTime() - listedAt < FRESH_NANOS) {
            return n;
        }
        try {
            n = client.nodes().list().getItems();
        } catch (KubernetesClientException e) {
            if (e.getCode() == 401 || e.getCode() == 403) {
                denied = true;
                LOG.info("cannot list nodes ({}): a task larger than every node is seen only as unschedulable after "
                        + "unschedulable_grace; a ClusterRole with 'nodes: list' makes it fail at submit", e.getCode());
            } else {
                LOG.debug("listing nodes failed; not checking node capacity this time", e);
            }
            return List.of();
        }
        nodes = n;
        listedAt = System.nanoTime();
        return n;
    }

    private static Map<String, String> requests(JobSpec spec) {
        Map<String, String> r = new LinkedHashMap<>();
        spec.vcpu().ifPresent(v -> r.put("cpu", v));
        spec.memory().ifPresent(v -> r.put("memory", v));
        if (spec.gpus() > 0) {
            r.put("nvidia.com/gpu", Integer.toString(spec.gpus()));
        }
        return r;
    }

    private static boolean matches(Node n, Map<String, String> selector) {
        Map<String, String> labels = n.getMetadata().getLabels() == null ? Map.of() : n.getMetadata().getLabels();
        return labels.entrySet().containsAll(selector.entrySet());
    }

    private static boolean fits(Node n, Map<String, String> wanted) {
        Map<String, Quantity> a = allocatable(n);
        for (Map.Entry<String, String> w : wanted.entrySet()) {
            Quantity have = a.get(w.getKey());
            BigDecimal need = Quantity.getAmountInBytes(new Quantity(w.getValue()));
            if (have == null || Quantity.getAmountInBytes(have).compareTo(need) < 0) {
                return false;
            }
        }
        return true;
    }

    private static Map<String, Quantity> allocatable(Node n) {
        return n.getStatus() == null || n.getStatus().getAllocatable() == null ? Map.of() : n.getStatus().getAllocatable();
    }

    private static String describe(Map<String, String> wanted) {
        StringBuilder sb = new StringBuilder();
        wanted.forEach((k, v) -> sb.append(sb.length() == 0 ? "" : ", ").append(k).append(' ').append(v));
        return sb.toString();
    }
}
