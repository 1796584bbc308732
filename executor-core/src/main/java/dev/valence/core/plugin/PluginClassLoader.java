package dev.valence.core.plugin;

import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;

/**
 * One plugin's own class loader: its jars first; from the application only the API, the SPI and SLF4J
 * ({@link #SHARED}); the JDK from the platform. Two plugins with different versions of one library each
 * see their own, and a library of the application (Valence's {@code lib/}) is invisible to a plugin.
 */
public final class PluginClassLoader extends URLClassLoader {
    /** Package prefixes a plugin takes from the application: what it implements and logs with. */
    public static final List<String> SHARED = List.of("dev.valence.api.", "dev.valence.spi.", "org.slf4j.");

    static {
        ClassLoader.registerAsParallelCapable();
    }

    private final String pluginName;
    private final List<Path> jars;
    private final ClassLoader application;

    /** A loader for the plugin {@code pluginName} made of {@code jars}; {@code application} lends {@link #SHARED}. */
    public PluginClassLoader(String pluginName, List<Path> jars, ClassLoader application) {
        super("valence-plugin-" + pluginName, urls(jars), ClassLoader.getPlatformClassLoader());
        this.pluginName = pluginName;
        this.jars = List.copyOf(jars);
        this.application = application;
    }

    /** The plugin's name: its folder's name under {@code plugins/}, or a loose jar's name without {@code .jar}. */
    public String pluginName() {
        return pluginName;
    }

    /** The plugin's jars, in the order they are searched. */
    public List<Path> jars() {
        return jars;
    }

    /** Whether a class of this name comes from the application (the API, the SPI, SLF4J). */
    public static boolean shared(String className) {
        return SHARED.stream().anyMatch(className::startsWith);
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
        synchronized (getClassLoadingLock(name)) {
            Class<?> c = findLoadedClass(name);
            if (c == null) {
                if (shared(name)) {
                    c = application.loadClass(name);
                } else if (name.startsWith("java.")) {
                    c = getParent().loadClass(name);
                } else {
                    try {
                        c = findClass(name);
                    } catch (ClassNotFoundException notOwn) {
                        c = getParent().loadClass(name);
                    }
                }
            }
            if (resolve) {
                resolveClass(c);
            }
            return c;
        }
    }

    @Override
    public URL getResource(String name) {
        URL own = findResource(name);
        return own != null ? own : getParent().getResource(name);
    }

    @Override
    public Enumeration<URL> getResources(String name) throws IOException {
        // the plugin's own first; never the application's (its META-INF/services name classes a plugin cannot see)
        List<URL> all = new ArrayList<>(Collections.list(findResources(name)));
        all.addAll(Collections.list(getParent().getResources(name)));
        return Collections.enumeration(all);
    }

    @Override
    public String toString() {
        return "PluginClassLoader[" + pluginName + ", " + jars.size() + " jars]";
    }

    private static URL[] urls(List<Path> jars) {
        return jars.stream().map(p -> {
            try {
                return p.toUri().toURL();
            } catch (MalformedURLException e) {
                throw new IllegalArgumentException("plugin jar " + p + " has no URL form", e);
            }
        }).toArray(URL[]::new);
    }
}
