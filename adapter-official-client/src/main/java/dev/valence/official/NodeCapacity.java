package dev.valence.official;

import dev.valence.api.ErrorKind;
import dev.valence.api.ValenceException;
import dev.valence.official.ApiCalls.Op;
import dev.valence.spi.JobSpec;
import io.kubernetes.client.custom.Quantity;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1Node;
import io.kubernetes.client.openapi.models.V1NodeList;
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
 * virtual or scaled-to-zero one) is not judged. The same rules as the fabric8 adapter's.
 */
final class NodeCapacity {
    private static final Logger LOG = LoggerFactory.getLogger(NodeCapacity.class);
    private static final long FRESH_NANOS = 60_000_000_000L;

    private final CoreV1Api core;
    private final ApiCalls calls;
    private volatile List<V1Node> nodes;
    private volatile long listedAt;
    private volatile boolean denied;

    NodeCapacity(CoreV1Api core, ApiCalls calls) {
        this.core = core;
        this.calls = calls;
    }

    /** Throws a CONFIG error when no node (matching the spec's node selector) can hold the spec's requests. */
    void check(JobSpec spec) {
        Map<String, String> wanted = requests(spec);
        if (wanted.isEmpty()) {
            return;
        }
        List<V1Node> candidates = nodes().stream().filter(n -> matches(n, spec.nodeSelector())).toList();
        if (candidates.isEmpty() || candidates.stream().anyMatch(n -> fits(n, wanted))) {
            return;
        }
        StringBuilder largest = new StringBuilder();
        for (V1Node n : candidates) {
            Map<String, Quantity> a = allocatable(n);
            largest.append(largest.length() == 0 ? "" : "; ").append(n.getMetadata().getName()).append(": ");
            int before = largest.length();
            wanted.keySet().forEach(r -> largest.append(largest.length() == before ? "" : ", ").append(r).append(' ')
                    .append(a.containsKey(r) ? a.get(r).toSuffixedString() : "0"));
        }
        throw new ValenceException(ErrorKind.CONFIG, "no node can hold Job " + spec.name() + ": it requests "
                + describe(wanted) + " but the nodes" + (spec.nodeSelector().isEmpty() ? "" : " matching node_selector "
                + spec.nodeSelector()) + " allocate at most (" + largest + "); lower vcpu, memory or gpus, or add a larger "
                + "node (if your cluster adds nodes on demand, set check_node_capacity = false)");
    }

    private List<V1Node> nodes() {
        if (denied) {
            return List.of();
        }
        List<V1Node> n = nodes;
        if (n != null && System.nanoTime() - listedAt < FRESH_NANOS) {
            return n;
        }
        try {
            V1NodeList list = calls.run(Op.of("list", "nodes", ""),
                    () -> LenientJson.send(core.listNode().buildCall(null), V1NodeList.class));
            n = list.getItems() == null ? List.of() : list.getItems();
        } catch (ValenceException e) {
            if (e.kind() == ErrorKind.PERMISSION) {
                denied = true;
                LOG.info("cannot list nodes: a task larger than every node is seen only as unschedulable after "
                        + "unschedulable_grace; a ClusterRole with 'nodes: list' makes it fail at submit");
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
            r.put(JobManifest.GPU_RESOURCE, Integer.toString(spec.gpus()));
        }
        return r;
    }

    private static boolean matches(V1Node n, Map<String, String> selector) {
        Map<String, String> labels = n.getMetadata() == null || n.getMetadata().getLabels() == null ? Map.of()
                : n.getMetadata().getLabels();
        return labels.entrySet().containsAll(selector.entrySet());
    }

    private static boolean fits(V1Node n, Map<String, String> wanted) {
        Map<String, Quantity> a = allocatable(n);
        for (Map.Entry<String, String> w : wanted.entrySet()) {
            Quantity have = a.get(w.getKey());
            BigDecimal need = new Quantity(w.getValue()).getNumber();
            if (have == null || have.getNumber().compareTo(need) < 0) {
                return false;
            }
        }
        return true;
    }

    private static Map<String, Quantity> allocatable(V1Node n) {
        return n.getStatus() == null || n.getStatus().getAllocatable() == null ? Map.of() : n.getStatus().getAllocatable();
    }

    private static String describe(Map<String, String> wanted) {
        StringBuilder sb = new StringBuilder();
        wanted.forEach((k, v) -> sb.append(sb.length() == 0 ? "" : ", ").append(k).append(' ').append(v));
        return sb.toString();
    }
}
