package dev.valence.tck.cluster;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tools.jackson.core.type.TypeReference;

/**
 * Reads objects as the API server stored them and normalises them so that manifests written by
 * different clients compare equal: server-set fields (uid, resourceVersion, creationTimestamp,
 * generation, managedFields, selfLink) and {@code status} are dropped, as are nulls and empty
 * maps and lists.
 */
public final class StoredManifests {
    private static final Set<String> SERVER_METADATA = Set.of("uid", "resourceVersion", "creationTimestamp",
            "generation", "managedFields", "selfLink");

    private StoredManifests() {
    }

    /** The stored Job, normalised; null when there is none. */
    public static Map<String, Object> job(KubernetesClient client, String namespace, String name) {
        String json;
        try {
            json = client.raw("/apis/batch/v1/namespaces/" + namespace + "/jobs/" + name);
        } catch (RuntimeException e) {
            return null;
        }
        return json == null ? null : normalise(parseJson(json));
    }

    /** A manifest given as YAML (or JSON), normalised the same way. */
    public static Map<String, Object> fromYaml(String yaml) {
        Map<String, Object> m = Serialization.unmarshal(yaml, new TypeReference<Map<String, Object>>() { });
        return normalise(m);
    }

    private static Map<String, Object> parseJson(String json) {
        return Serialization.unmarshal(json, new TypeReference<Map<String, Object>>() { });
    }

    /** Drops server-set fields, status, nulls and empty containers; numbers become longs, map order is ignored. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> normalise(Map<String, Object> object) {
        Map<String, Object> copy = (Map<String, Object>) clean(object);
        if (copy == null) {
            return Map.of();
        }
        copy.remove("status");
        Object metadata = copy.get("metadata");
        if (metadata instanceof Map<?, ?> md) {
            SERVER_METADATA.forEach(md::remove);
            if (md.isEmpty()) {
                copy.remove("metadata");
            }
        }
        return copy;
    }

    private static Object clean(Object o) {
        if (o instanceof Map<?, ?> m) {
            Map<String, Object> out = new LinkedHashMap<>();
            m.forEach((k, v) -> {
                Object c = clean(v);
                if (c != null) {
                    out.put(String.valueOf(k), c);
                }
            });
            return out.isEmpty() ? null : out;
        }
        if (o instanceof Collection<?> l) {
            List<Object> out = new ArrayList<>();
            for (Object v : l) {
                Object c = clean(v);
                if (c != null) {
                    out.add(c);
                }
            }
            return out.isEmpty() ? null : out;
        }
        if (o instanceof Number n && !(o instanceof Double) && !(o instanceof Float)) {
            return n.longValue();
        }
        return o;
    }
}
