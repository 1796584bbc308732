package dev.valence.distribution;

import dev.valence.core.plugin.PluginClassLoader;
import dev.valence.core.plugin.PluginFolder;
import dev.valence.spi.ArtifactStoreFactory;
import dev.valence.spi.ClusterGatewayFactory;
import dev.valence.spi.CredentialProviderFactory;
import dev.valence.spi.ImageBuilderFactory;
import dev.valence.spi.PluginFactory;
import dev.valence.spi.Plugins;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.TreeMap;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The adapters of this run: those on the application class path plus every plugin of the plugins
 * folder ({@code plugins/<name>/*.jar}, or a loose jar), each on a {@link PluginClassLoader} of its own
 * that lends it only the API, the SPI and SLF4J. A jar that cannot be read, or a provider that cannot be
 * loaded, is named in {@link #problems()} and left out; the others still load.
 */
final class LoadedPlugins implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LoadedPlugins.class);
    private static final List<Class<? extends PluginFactory>> PORTS = List.of(ClusterGatewayFactory.class,
            ArtifactStoreFactory.class, ImageBuilderFactory.class, CredentialProviderFactory.class);
    private static final Pattern PROVIDER = Pattern.compile("Provider ([\\w.$]+)");

    private final Plugins plugins;
    private final Optional<Path> dir;
    private final List<PluginClassLoader> loaders;
    private final List<String> problems;

    private LoadedPlugins(Plugins plugins, Optional<Path> dir, List<PluginClassLoader> loaders, List<String> problems) {
        this.plugins = plugins;
        this.dir = dir;
        this.loaders = List.copyOf(loaders);
        this.problems = List.copyOf(problems);
    }

    /**
     * Finds every factory visible to {@code parent}, then those of each plugin of {@code dir} (file name
     * order); factories named in {@code preferred} come first, so they win a tie.
     */
    static LoadedPlugins load(Optional<Path> dir, ClassLoader parent, List<String> preferred) {
        List<String> problems = new ArrayList<>();
        List<PluginFolder.Plugin> folder = dir.map(d -> PluginFolder.scan(d, problems)).orElse(List.of());
        List<PluginFactory> found = new ArrayList<>();
        for (Class<? extends PluginFactory> port : PORTS) {
            found.addAll(discover(port, parent, List.of(), problems));
        }
        List<PluginClassLoader> loaders = new ArrayList<>();
        for (PluginFolder.Plugin plugin : folder) {
            PluginClassLoader loader = plugin.loader(parent);
            loaders.add(loader);
            for (Class<? extends PluginFactory> port : PORTS) {
                found.addAll(discover(port, loader, plugin.jars(), problems));
            }
        }
        List<PluginFactory> ordered = new ArrayList<>(found);
        ordered.sort(Comparator.comparingInt(f -> preferred.stream().anyMatch(p -> isNamed(f, p)) ? 0 : 1));
        LOG.debug("plugins: {} factories ({} plugins in {}), {} problems", ordered.size(), loaders.size(),
                dir.map(Path::toString).orElse("no plugins folder"), problems.size());
        return new LoadedPlugins(Plugins.of(ordered), dir, loaders, problems);
    }

    /** The registry the rest of Valence selects adapters from. */
    Plugins plugins() {
        return plugins;
    }

    /** Whether {@code --prefer-plugin name} means this factory: its name, its class, or its jar's file name. */
    static boolean isNamed(PluginFactory f, String name) {
        return f.name().equals(name) || f.getClass().getName().equals(name)
                || Path.of(where(f)).getFileName() != null && Path.of(where(f)).getFileName().toString().equals(name);
    }

    /** The plugins folder, when there is one. */
    Optional<Path> dir() {
        return dir;
    }

    /** The jars of the plugins folder, of every plugin. */
    List<Path> jars() {
        return loaders.stream().flatMap(l -> l.jars().stream()).toList();
    }

    /** The plugins of the plugins folder, each with its own class loader. */
    List<PluginClassLoader> folderPlugins() {
        return loaders;
    }

    /** What could not be loaded, each naming the jar and what to do. */
    List<String> problems() {
        return problems;
    }

    /** Whether a factory came from the plugins folder (rather than the application class path). */
    boolean fromPluginsFolder(PluginFactory factory) {
        return loaders.contains(factory.getClass().getClassLoader());
    }

    /** The port a factory implements, as a short name ({@code ArtifactStore}). */
    static String kind(PluginFactory f) {
        for (Class<? extends PluginFactory> port : PORTS) {
            if (port.isInstance(f)) {
                return port.getSimpleName().replace("Factory", "");
            }
        }
        return f.getClass().getSimpleName();
    }

    /**
     * Adapters that claim the same thing (a store scheme, a cluster client name), each with which one
     * is used and how to choose the other.
     */
    List<String> conflicts() {
        List<String> out = new ArrayList<>();
        Map<String, List<PluginFactory>> byScheme = new TreeMap<>();
        for (ArtifactStoreFactory f : plugins.of(ArtifactStoreFactory.class)) {
            f.schemes().forEach(s -> byScheme.computeIfAbsent(s, k -> new ArrayList<>()).add(f));
        }
        byScheme.forEach((scheme, list) -> conflict("scheme '" + scheme + "'", "stores", list).ifPresent(out::add));
        Map<String, List<PluginFactory>> byName = new LinkedHashMap<>();
        for (ClusterGatewayFactory f : plugins.of(ClusterGatewayFactory.class)) {
            byName.computeIfAbsent(f.name(), k -> new ArrayList<>()).add(f);
        }
        byName.forEach((name, list) -> conflict("cluster_client '" + name + "'", "cluster clients", list)
                .ifPresent(out::add));
        return out;
    }

    private Optional<String> conflict(String what, String kinds, List<PluginFactory> list) {
        if (list.size() < 2) {
            return Optional.empty();
        }
        String all = list.stream().map(f -> "'" + f.name() + "' (" + where(f) + ")").collect(Collectors.joining(", "));
        boolean sameName = list.stream().map(PluginFactory::name).distinct().count() < list.size();
        String others = list.stream().skip(1).map(f -> sameName ? jarName(f) : f.name()).distinct()
                .collect(Collectors.joining("' or '"));
        return Optional.of(what + " is served by " + list.size() + " " + kinds + ": " + all + "; '" + list.get(0).name()
                + "' is used (the class path comes before the plugins folder, whose jars go in file name order); "
                + "to use another, pass --prefer-plugin '" + others + "' or remove the jar you do not want");
    }

    private static String jarName(PluginFactory f) {
        Path file = Path.of(where(f)).getFileName();
        return file == null ? f.getClass().getName() : file.toString();
    }

    /** Where a factory was loaded from: a path when it is a file, else the URL. */
    static String where(PluginFactory f) {
        String origin = Plugins.origin(f);
        if (origin.startsWith("file:")) {
            try {
                return Path.of(new URI(origin)).toString();
            } catch (URISyntaxException | IllegalArgumentException e) {
                return origin;
            }
        }
        return origin;
    }

    @Override
    public void close() throws IOException {
        for (PluginClassLoader loader : loaders) {
            loader.close();
        }
    }

    private static <T extends PluginFactory> List<T> discover(Class<T> port, ClassLoader loader, List<Path> jars,
            List<String> problems) {
        List<T> found = new ArrayList<>();
        Iterator<T> it = ServiceLoader.load(port, loader).iterator();
        for (int guard = 0; guard < 10_000; guard++) {
            try {
                if (!it.hasNext()) {
                    break;
                }
                T f = it.next();
                found.add(f);
            } catch (ServiceConfigurationError | LinkageError | RuntimeException e) {
                String provider = providerIn(e.getMessage());
                String jar = provider == null ? null : jarRegistering(jars, port, provider);
                problems.add((jar != null ? jar : "a " + port.getSimpleName() + " provider") + ": " + e.getMessage()
                        + (e.getCause() != null ? " (" + e.getCause() + ")" : "")
                        + "; it was left out: check the jar was built for this Valence version, or remove it");
            }
        }
        return found;
    }

    /** The provider class named in a ServiceLoader message ({@code ...: Provider a.B not found}), if any. */
    private static String providerIn(String message) {
        if (message == null) {
            return null;
        }
        Matcher m = PROVIDER.matcher(message);
        return m.find() ? m.group(1) : null;
    }

    private static String jarRegistering(List<Path> jars, Class<?> port, String provider) {
        for (Path jar : jars) {
            try (JarFile jf = new JarFile(jar.toFile())) {
                JarEntry e = jf.getJarEntry("META-INF/services/" + port.getName());
                if (e != null && new String(jf.getInputStream(e).readAllBytes(), StandardCharsets.UTF_8)
                        .contains(provider)) {
                    return jar.toString();
                }
            } catch (IOException ignored) {
                // already checked readable; nothing better to say
            }
        }
        return null;
    }
}
