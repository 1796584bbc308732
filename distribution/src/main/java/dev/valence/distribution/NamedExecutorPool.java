package dev.valence.distribution;

import dev.valence.api.Executor;
import dev.valence.api.NamedExecutors;
import dev.valence.api.Settings;
import dev.valence.core.KubernetesExecutor;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The named executors of one invocation, for a workflow class's {@code workflow(NamedExecutors)}:
 * each built once from the same layers as the CLI's settings with its own section over them, and
 * closed with the invocation. The plugins folder's jars go into their task images too.
 */
final class NamedExecutorPool implements NamedExecutors {
    private static final Logger LOG = LoggerFactory.getLogger(NamedExecutorPool.class);

    private final SettingsSource source;
    private final LoadedPlugins plugins;
    private final Closer closer;
    private final Map<String, KubernetesExecutor> built = new LinkedHashMap<>();
    private boolean dryRun;

    @Inject
    NamedExecutorPool(SettingsSource source, LoadedPlugins plugins, Closer closer) {
        this.source = source;
        this.plugins = plugins;
        this.closer = closer;
    }

    @Override
    public synchronized Executor get(String name) {
        KubernetesExecutor e = built.get(Settings.checkedName(name));
        if (e == null) {
            // a store from the plugins folder goes into the task image by its own class loader
            KubernetesExecutor.Builder builder = source.named(name).executorBuilder(plugins.plugins());
            e = closer.register(builder.dryRun(dryRun).build());
            LOG.debug("named executor {} built: {}", name, e);
            built.put(name, e);
        }
        return e;
    }

    /** From now on, executors for a dry run (render): each describes its store and opens none. */
    synchronized NamedExecutorPool dryRun() {
        this.dryRun = true;
        return this;
    }

    /** The executors built so far, by name, in the order the workflow asked for them. */
    synchronized Map<String, KubernetesExecutor> built() {
        return Map.copyOf(built);
    }

    /** A line per executor built: name, context, namespace, store; for the run's first lines. */
    synchronized List<String> describe() {
        List<String> lines = new ArrayList<>();
        built.forEach((name, e) -> lines.add("executor " + name + ": " + ExecutorChoice.target(e.settings())
                + ", namespace '" + e.settings().namespace().orElse("(the context's)") + "', data_store "
                + e.settings().dataStore()));
        return lines;
    }
}
