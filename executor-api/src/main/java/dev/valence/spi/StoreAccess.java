package dev.valence.spi;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/** How a pod reaches the artifact store: env variables (never secrets) and hostPath volumes. */
public record StoreAccess(Map<String, String> env, List<HostPathVolume> volumes) {

    /**
     * A host directory mounted into the task container; {@code type} is the hostPath type
     * ({@code Directory}: it must exist on the node, {@code DirectoryOrCreate}: the kubelet makes it).
     */
    public record HostPathVolume(String name, String hostPath, String mountPath, String type) {
        /** The hostPath types a store may ask for. */
        public static final java.util.Set<String> TYPES = java.util.Set.of("Directory", "DirectoryOrCreate");

        public HostPathVolume {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(hostPath, "hostPath");
            Objects.requireNonNull(mountPath, "mountPath");
            Objects.requireNonNull(type, "type");
            if (!TYPES.contains(type)) {
                throw new IllegalArgumentException("hostPath type '" + type + "' of volume " + name
                        + " is not one of " + new java.util.TreeSet<>(TYPES));
            }
        }

        /** A directory that must already exist on the node. */
        public HostPathVolume(String name, String hostPath, String mountPath) {
            this(name, hostPath, mountPath, "Directory");
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
