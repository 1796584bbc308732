package dev.valence.spi;

import dev.valence.api.ErrorKind;
import dev.valence.api.ValenceException;
import java.net.URI;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The adapters found on a class loader, and the rules that pick one for given settings. */
public final class Plugins {
    private static final Logger LOG = LoggerFactory.getLogger(Plugins.class);

    private final List<PluginFactory> factories;

    private Plugins(List<? extends PluginFactory> factories) {
        this.factories = List.copyOf(factories);
    }

    /** Every factory registered in {@code META-INF/services} visible to {@code loader}. */
    public static Plugins load(ClassLoader loader) {
        List<PluginFactory> found = new ArrayList<>();
        for (Class<? extends PluginFactory> type : List.of(ClusterGatewayFactory.class, ArtifactStoreFactory.class,
                ImageBuilderFactory.class, CredentialProviderFactory.class)) {
            for (PluginFactory f : ServiceLoader.load(type, loader)) {
                LOG.debug("found {} '{}' in {}", type.getSimpleName(), f.name(), origin(f));
                found.add(f);
            }
        }
        return new Plugins(found);
    }

    /** A registry of exactly these factories. */
    public static Plugins of(List<? extends PluginFactory> factories) {
        return new Plugins(factories);
    }

    /** Every factory found, in discovery order. */
    public List<PluginFactory> all() {
        return factories;
    }

    /** Where a factory's class was loaded from (a jar or directory), for listings. */
    public static String origin(PluginFactory factory) {
        var source = factory.getClass().getProtectionDomain().getCodeSource();
        return source == null || source.getLocation() == null ? "(unknown)" : source.getLocation().toString();
    }

    /** The gateway named by {@code cluster_client}. */
    public ClusterGatewayFactory clusterGateway(String clusterClient) {
        List<ClusterGatewayFactory> all = of(ClusterGatewayFactory.class);
        return all.stream().filter(f -> f.name().equals(clusterClient)).findFirst()
                .orElseThrow(() -> new ValenceException(ErrorKind.PLUGIN, "no ClusterGateway for cluster_client '"
                        + clusterClient + "' (installed: " + names(all, PluginFactory::name) + ")"));
    }

    /**
     * The gateway for these settings: the one {@code cluster_client} names; when that is only the
     * default and no such adapter is installed, the sole installed one; else an error.
     */
    public ClusterGatewayFactory clusterGateway(dev.valence.api.Settings settings) {
        String name = settings.clusterClient();
        List<ClusterGatewayFactory> all = of(ClusterGatewayFactory.class);
        boolean explicit = settings.entry("cluster_client").map(e -> e.source() != dev.valence.api.Settings.Source.DEFAULT)
                .orElse(false);
        if (!explicit && all.size() == 1 && all.stream().noneMatch(f -> f.name().equals(name))) {
            LOG.info("cluster_client not set and '{}' not installed: using the only one installed, '{}'", name,
                    all.get(0).name());
            return all.get(0);
        }
        return clusterGateway(name);
    }

    /** The store serving the scheme of {@code dataStore}. */
    public ArtifactStoreFactory artifactStore(String dataStore) {
        String scheme = scheme(dataStore);
        List<ArtifactStoreFactory> all = of(ArtifactStoreFactory.class);
        return all.stream().filter(f -> f.schemes().contains(scheme)).findFirst()
                .orElseThrow(() -> new ValenceException(ErrorKind.PLUGIN, "no ArtifactStore for scheme '" + scheme
                        + "' in data_store '" + dataStore + "' (installed: "
                        + names(all, f -> String.join(", ", new TreeSet<>(f.schemes()))) + ")"));
    }

    /** The image builder that supports {@code registry}. */
    public ImageBuilderFactory imageBuilder(String registry) {
        List<ImageBuilderFactory> all = of(ImageBuilderFactory.class);
        return all.stream().filter(f -> f.supports(registry)).findFirst()
                .orElseThrow(() -> new ValenceException(ErrorKind.PLUGIN, "no ImageBuilder for registry '"
                        + registry + "' (installed: " + names(all, PluginFactory::name) + ")"));
    }

    /** Every credential provider factory, lowest priority first. */
    public List<CredentialProviderFactory> credentialProviders() {
        return of(CredentialProviderFactory.class).stream()
                .sorted(Comparator.comparingInt(CredentialProviderFactory::priority)).toList();
    }

    /**
     * Plugin-specific setting keys and their defaults, from every factory; a store's pod-side keys
     * ({@code podSettingKeys()}, {@code podEnvKeys()}) as {@code pod_<key>} with no default (the client's
     * value applies).
     */
    public Map<String, String> settingKeys() {
        Map<String, String> keys = new LinkedHashMap<>();
        factories.forEach(f -> keys.putAll(f.settingKeys()));
        for (PluginFactory f : factories) {
            if (f instanceof ArtifactStoreFactory store) {
                store.podSettingKeys().forEach(k -> keys.putIfAbsent(dev.valence.api.Settings.POD_PREFIX + k, null));
                store.podEnvKeys().forEach(k -> keys.putIfAbsent(dev.valence.api.Settings.POD_PREFIX + k, null));
            }
        }
        return keys;
    }

    /** Secret setting keys declared by every factory (and their {@code pod_} forms). */
    public Set<String> sensitiveKeys() {
        Set<String> keys = factories.stream().flatMap(f -> f.sensitiveKeys().stream()).collect(Collectors.toSet());
        Set<String> pod = keys.stream().map(k -> dev.valence.api.Settings.POD_PREFIX + k).collect(Collectors.toSet());
        keys.addAll(pod);
        return keys;
    }

    /** Declares every plugin's setting keys and secrets on a settings builder, so they validate. */
    public dev.valence.api.Settings.Builder declareKeys(dev.valence.api.Settings.Builder builder) {
        settingKeys().forEach(builder::knownKey);
        return builder.sensitiveKeys(sensitiveKeys());
    }

    /** The scheme of a {@code data_store} value: {@code file} for absolute paths. */
    public static String scheme(String dataStore) {
        if (dataStore.startsWith("/")) {
            return "file";
        }
        try {
            String s = URI.create(dataStore).getScheme();
            return s == null ? "file" : s.toLowerCase(Locale.ROOT);
        } catch (IllegalArgumentException e) {
            int colon = dataStore.indexOf(':');
            return colon > 0 ? dataStore.substring(0, colon).toLowerCase(Locale.ROOT) : "file";
        }
    }

    /** Factories of one kind. */
    public <T extends PluginFactory> List<T> of(Class<T> type) {
        return factories.stream().filter(type::isInstance).map(type::cast).toList();
    }

    private static <T> String names(List<T> all, java.util.function.Function<T, String> name) {
        return all.isEmpty() ? "none" : all.stream().map(name).sorted().distinct().collect(Collectors.joining(", "));
    }

    @Override
    public String toString() {
        return factories.stream().map(f -> f.getClass().getSimpleName() + "(" + f.name() + ")")
                .collect(Collectors.joining(", ", "Plugins[", "]"));
    }

    /** Optional lookup by name across all kinds. */
    public Optional<PluginFactory> named(String name) {
        return factories.stream().filter(f -> f.name().equals(name)).findFirst();
    }
}
