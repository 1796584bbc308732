package dev.valence.spi;

import dev.valence.api.ClusterFileRef;
import dev.valence.api.Settings;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * How a pod reaches the artifact store: env variables (never secrets), hostPath volumes, Secret or
 * ConfigMap volumes (files with a key's content each, such as a CA bundle or a credentials file), and
 * Secrets whose keys become env variables ({@code envFrom}: an access key pair, a token). A store names
 * Secrets; their values never pass through Valence.
 */
public record StoreAccess(Map<String, String> env, List<HostPathVolume> volumes, List<ObjectVolume> objectVolumes,
        List<String> envFromSecrets) {

    /** Volume name of the {@code ca_bundle} mount. */
    public static final String CA_BUNDLE_VOLUME = "valence-ca-bundle";
    /** Directory the {@code ca_bundle} key is mounted in; the file is named by the key. */
    public static final String CA_BUNDLE_DIR = "/etc/valence/ca-bundle";

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

    /**
     * A Secret or ConfigMap of the Job's namespace mounted as a directory: each of {@code items}
     * (key → file name) becomes a file with the key's content, or every key when {@code items} is
     * empty. Read-only, files of mode {@code defaultMode} (0644 unless set).
     */
    public static final class ObjectVolume {
        private static final Pattern DNS_LABEL = Pattern.compile("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$");
        static final Pattern DNS_SUBDOMAIN = Pattern.compile("^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$");
        private final ClusterFileRef.Kind kind;
        private final String objectName;
        private final String volumeName;
        private final String mountPath;
        private final Map<String, String> items;
        private final boolean readOnly;
        private final int defaultMode;

        private ObjectVolume(Builder b) {
            kind = require(b.kind, "kind");
            objectName = require(b.objectName, "objectName");
            volumeName = require(b.volumeName, "volumeName");
            mountPath = require(b.mountPath, "mountPath");
            if (!DNS_LABEL.matcher(volumeName).matches()) {
                throw new IllegalArgumentException("volumeName '" + volumeName + "' is not a DNS-1123 label");
            }
            if (!mountPath.startsWith("/")) {
                throw new IllegalArgumentException("mountPath '" + mountPath + "' of volume " + volumeName
                        + " is not absolute");
            }
            b.items.forEach((k, path) -> {
                if (path.isEmpty() || path.startsWith("/") || path.contains("..")) {
                    throw new IllegalArgumentException("item path '" + path + "' of key " + k + " in volume " + volumeName
                            + " must be relative and without '..'");
                }
            });
            if (b.defaultMode < 0 || b.defaultMode > 0777) {
                throw new IllegalArgumentException("defaultMode " + Integer.toOctalString(b.defaultMode) + " of volume "
                        + volumeName + " is not a file mode between 0 and 0777");
            }
            items = Map.copyOf(b.items);
            readOnly = b.readOnly;
            defaultMode = b.defaultMode;
        }

        private static <T> T require(T v, String field) {
            if (v == null) {
                throw new IllegalArgumentException("ObjectVolume." + field + " is required");
            }
            return v;
        }

        /** A builder; {@code readOnly} true and {@code defaultMode} 0644 by default. */
        public static Builder builder() {
            return new Builder();
        }

        /** Secret or ConfigMap. */
        public ClusterFileRef.Kind kind() { return kind; }

        /** Name of the Secret or ConfigMap. */
        public String objectName() { return objectName; }

        /** Name of the pod's volume. */
        public String volumeName() { return volumeName; }

        /** Directory in the container. */
        public String mountPath() { return mountPath; }

        /** Key → file name under {@link #mountPath()}; empty means every key under its own name. */
        public Map<String, String> items() { return items; }

        /** Whether the mount is read-only. */
        public boolean readOnly() { return readOnly; }

        /** Mode of the files (0644 unless set). */
        public int defaultMode() { return defaultMode; }

        @Override
        public boolean equals(Object o) {
            return o instanceof ObjectVolume v && kind == v.kind && objectName.equals(v.objectName)
                    && volumeName.equals(v.volumeName) && mountPath.equals(v.mountPath) && items.equals(v.items)
                    && readOnly == v.readOnly && defaultMode == v.defaultMode;
        }

        @Override
        public int hashCode() {
            return Objects.hash(kind, objectName, volumeName, mountPath, items, readOnly, defaultMode);
        }

        @Override
        public String toString() {
            return kind.prefix() + " " + objectName + " at " + mountPath + (items.isEmpty() ? "" : " " + items)
                    + (readOnly ? " (ro" : " (rw") + ", mode 0" + Integer.toOctalString(defaultMode) + ")";
        }

        /** Builds an {@link ObjectVolume}; {@link #build()} checks the fields and names the one at fault. */
        public static final class Builder {
            private ClusterFileRef.Kind kind;
            private String objectName;
            private String volumeName;
            private String mountPath;
            private final Map<String, String> items = new LinkedHashMap<>();
            private boolean readOnly = true;
            private int defaultMode = 0644;

            private Builder() {
            }

            /** A Secret named {@code name}. */
            public Builder secret(String name) { kind = ClusterFileRef.Kind.SECRET; objectName = name; return this; }

            /** A ConfigMap named {@code name}. */
            public Builder configMap(String name) {
                kind = ClusterFileRef.Kind.CONFIG_MAP;
                objectName = name;
                return this;
            }

            /** The pod's volume name (a DNS-1123 label). */
            public Builder volumeName(String v) { volumeName = v; return this; }

            /** The directory in the container. */
            public Builder mountPath(String v) { mountPath = v; return this; }

            /** Mounts {@code key} as the file {@code path} (relative to the mount path). */
            public Builder item(String key, String path) { items.put(key, path); return this; }

            /** Whether the mount is read-only (default true). */
            public Builder readOnly(boolean v) { readOnly = v; return this; }

            /** Mode of the files, e.g. {@code 0644} (the default) or {@code 0400}. */
            public Builder defaultMode(int v) { defaultMode = v; return this; }

            /** The volume. */
            public ObjectVolume build() { return new ObjectVolume(this); }
        }
    }

    public StoreAccess {
        env = Map.copyOf(env);
        volumes = List.copyOf(volumes);
        objectVolumes = List.copyOf(objectVolumes);
        envFromSecrets = List.copyOf(envFromSecrets);
        for (String secret : envFromSecrets) {
            if (!ObjectVolume.DNS_SUBDOMAIN.matcher(secret).matches()) {
                throw new IllegalArgumentException("envFromSecrets: '" + secret + "' is not a Secret name (a DNS-1123 "
                        + "subdomain: lower case letters, digits, '-' and '.')");
            }
        }
    }

    /** Env, hostPath volumes and Secret or ConfigMap volumes; no Secret as env. */
    public StoreAccess(Map<String, String> env, List<HostPathVolume> volumes, List<ObjectVolume> objectVolumes) {
        this(env, volumes, objectVolumes, List.of());
    }

    /** Env and hostPath volumes, no Secret or ConfigMap volume. */
    public StoreAccess(Map<String, String> env, List<HostPathVolume> volumes) {
        this(env, volumes, List.of());
    }

    /** Access through env variables only. */
    public static StoreAccess env(Map<String, String> env) {
        return new StoreAccess(env, List.of());
    }

    /** A builder, for access with Secret or ConfigMap volumes. */
    public static Builder builder() {
        return new Builder();
    }

    /** Builds a {@link StoreAccess}. */
    public static final class Builder {
        private final Map<String, String> env = new LinkedHashMap<>();
        private final List<HostPathVolume> volumes = new ArrayList<>();
        private final List<ObjectVolume> objectVolumes = new ArrayList<>();
        private final List<String> envFromSecrets = new ArrayList<>();

        private Builder() {
        }

        /** Every key of the Secret {@code name} becomes an env variable of the task's container ({@code envFrom}). */
        public Builder envFromSecret(String name) { envFromSecrets.add(name); return this; }

        /**
         * Every key of the Secret {@code name} becomes a read-only file (mode 0400) under {@code mountPath}, in a
         * volume named {@code volumeName}: a credentials file, a key.
         */
        public Builder secretFiles(String name, String volumeName, String mountPath) {
            objectVolumes.add(ObjectVolume.builder().secret(name).volumeName(volumeName).mountPath(mountPath)
                    .defaultMode(0400).build());
            return this;
        }

        /** Adds env variables (never secrets). */
        public Builder env(Map<String, String> v) { env.putAll(v); return this; }

        /** Adds one env variable (never a secret). */
        public Builder env(String name, String value) { env.put(name, value); return this; }

        /** Adds a hostPath volume. */
        public Builder hostPath(HostPathVolume v) { volumes.add(v); return this; }

        /** Adds a Secret or ConfigMap volume. */
        public Builder objectVolume(ObjectVolume v) { objectVolumes.add(v); return this; }

        /**
         * Mounts {@code ca_bundle} ({@link Settings#caBundle()}, when set) at {@link #CA_BUNDLE_DIR} and points the pod's
         * {@code ca_bundle_file} at it, so the store's client in the pod trusts that CA: the one way
         * every store mounts a private CA.
         */
        public Builder caBundle(Optional<ClusterFileRef> caBundle) {
            caBundle.ifPresent(r -> {
                ObjectVolume.Builder v = ObjectVolume.builder().volumeName(CA_BUNDLE_VOLUME).mountPath(CA_BUNDLE_DIR)
                        .item(r.key(), r.key());
                if (r.kind() == ClusterFileRef.Kind.SECRET) {
                    v.secret(r.name());
                } else {
                    v.configMap(r.name());
                }
                objectVolumes.add(v.build());
                env.put(Settings.ENV_PREFIX + "CA_BUNDLE_FILE", CA_BUNDLE_DIR + "/" + r.key());
            });
            return this;
        }

        /** The access. */
        public StoreAccess build() { return new StoreAccess(env, volumes, objectVolumes, envFromSecrets); }
    }
}
