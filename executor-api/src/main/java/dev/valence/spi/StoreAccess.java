package dev.valence.spi;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/** How a pod reaches the artifact store: env variables (never secrets) and hostPath volumes. */
public record StoreAccess(Map<String, String> env, List<HostPathVolume> volumes) {

    /** A host directory mounted into the task container. */
    public record HostPathVolume(String name, String hostPath, String mountPath) {
        public HostPathVolume {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(hostPath, "hostPath");
            Objects.requireNonNull(mountPath, "mountPath");
        }
    }

    public StoreAccess {
        env = Map.copyOf(env);
        volumes = List.copyOf(volumes);
    }

    /** Access through env variables only. */
    public static StoreAccess env(Map<String, String> env) {
        return new StoreAccess(env, List.of());
    }
}
