package dev.valence.spi;

import dev.valence.api.Settings;
import java.util.Optional;
import java.util.Set;

/** Creates an {@link ArtifactStore}; selected by the URI scheme of {@code data_store}. */
public interface ArtifactStoreFactory extends PluginFactory {

    /** URI schemes served, e.g. {@code file}, {@code s3}; absolute paths count as {@code file}. */
    Set<String> schemes();

    /**
     * Keys of this store (among {@link #settingKeys()}) whose value in the pod may differ from the
     * client's, where the network does (an endpoint that is {@code localhost} for the client and
     * {@code host.minikube.internal} for pods): each gets a {@code pod_<key>} setting, which the store
     * reads with {@link Settings#podString(String)} when it builds {@link ArtifactStore#podAccess()}.
     */
    default Set<String> podSettingKeys() {
        return Set.of();
    }

    /**
     * Keys of this store (among {@link #settingKeys()}) whose value the task's pod needs as set: Valence
     * passes each one that is set as {@code VALENCE_K8S_<KEY>} in the Job's env (its {@code pod_<key>}
     * value when there is one), so {@link ArtifactStore#podAccess()} need not copy them. A sensitive key
     * ({@link #sensitiveKeys()}) is never passed as a value: name a Secret holding it instead
     * ({@link StoreAccess.Builder#envFromSecret}).
     */
    default Set<String> podEnvKeys() {
        return Set.of();
    }

    /**
     * What is wrong with a {@code data_store} value of a scheme this store serves (a bucket or
     * container name its backend refuses), said when the settings load, before anything connects:
     * what is accepted, or empty when the value is fine. The default checks nothing.
     */
    default Optional<String> locationProblem(String dataStore) {
        return Optional.empty();
    }

    /** Opens the store at {@link Settings#dataStore()}. */
    ArtifactStore create(Settings settings);

    /**
     * The store as a dry run ({@code valence render}) needs it, connecting to nothing: its
     * {@link ArtifactStore#location()} and {@link ArtifactStore#podAccess(String)} from the settings alone,
     * no bucket check, no request; its reads and writes may fail. The default is {@link #create(Settings)}:
     * a store that talks to a server on create overrides this, so a dry run works while the server is down.
     */
    default ArtifactStore describe(Settings settings) {
        return create(settings);
    }

    /**
     * Opens the store inside a task's pod (the launcher), where its start is on every task's critical
     * path: a store may leave out what only helps a user at the client — a check that the bucket exists
     * (the first read fails as clearly), probing chains for what the pod's settings already give. The
     * default is {@link #create(Settings)}.
     */
    default ArtifactStore openInPod(Settings settings) {
        return create(settings);
    }
}
