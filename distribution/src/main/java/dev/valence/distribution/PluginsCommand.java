package dev.valence.distribution;

import dev.valence.api.Settings;
import dev.valence.spi.ArtifactStoreFactory;
import dev.valence.spi.ClusterGatewayFactory;
import dev.valence.spi.CredentialProviderFactory;
import dev.valence.spi.ImageBuilderFactory;
import dev.valence.spi.PluginFactory;
import jakarta.inject.Inject;
import jakarta.inject.Provider;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code valence plugins}: every adapter found, its port, name, what it serves, and where it was loaded from. */
@Command(name = "plugins", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Lists every adapter found: on the class path (lib/) and in the plugins folder "
                + "(plugins/, or $" + CliEnvironment.PLUGINS_DIR_ENV + "), with its port, its name, what it serves "
                + "and the jar it came from. Jars that could not be loaded, and adapters that claim the same "
                + "thing, are named after the list."})
final class PluginsCommand implements Callable<Integer> {

    @Mixin
    OutputFormat output = new OutputFormat();

    private final Provider<LoadedPlugins> plugins;
    private final Provider<Settings> settings;
    private final CliEnvironment env;

    @Inject
    PluginsCommand(Provider<LoadedPlugins> plugins, Provider<Settings> settings, CliEnvironment env) {
        this.plugins = plugins;
        this.settings = settings;
        this.env = env;
    }

    @Override
    public Integer call() {
        LoadedPlugins loaded = plugins.get();
        Optional<String> registry = registry();
        List<Map<String, Object>> rows = new ArrayList<>();
        for (PluginFactory f : loaded.plugins().all()) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("kind", LoadedPlugins.kind(f));
            row.put("name", f.name());
            row.put("serves", serves(f, registry));
            row.put("from", loaded.fromPluginsFolder(f) ? "plugins" : "class path");
            row.put("origin", LoadedPlugins.where(f));
            rows.add(row);
        }
        PrintWriter out = env.out();
        if (output.structured()) {
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("plugins_dir", loaded.dir().map(Path::toString).orElse(null));
            doc.put("plugins", rows);
            doc.put("problems", loaded.problems());
            doc.put("conflicts", loaded.conflicts());
            out.print(output.write(doc));
        } else {
            Table t = Table.of("KIND", "NAME", "SERVES", "FROM", "ORIGIN");
            rows.forEach(r -> t.row(r.get("kind"), r.get("name"), r.get("serves"), r.get("from"), r.get("origin")));
            t.print(out);
            out.println();
            out.println("plugins folder: " + loaded.dir().map(d -> d + " (" + loaded.jars().size() + " jar"
                    + (loaded.jars().size() == 1 ? "" : "s") + " loaded)").orElse("none (run from bin/valence, or set "
                    + CliEnvironment.PLUGINS_DIR_ENV + ")"));
            loaded.problems().forEach(p -> out.println("problem: " + p));
            loaded.conflicts().forEach(c -> out.println("conflict: " + c));
        }
        out.flush();
        return 0;
    }

    private Optional<String> registry() {
        try {
            return Optional.of(settings.get().registry());
        } catch (RuntimeException e) {
            return Optional.empty(); // the listing does not need valid settings
        }
    }

    private static String serves(PluginFactory f, Optional<String> registry) {
        if (f instanceof ArtifactStoreFactory s) {
            return "data_store schemes: " + String.join(", ", new TreeSet<>(s.schemes()));
        }
        if (f instanceof ClusterGatewayFactory) {
            return "cluster_client = " + f.name();
        }
        if (f instanceof ImageBuilderFactory b) {
            return registry.map(r -> "registry '" + r + "': " + (b.supports(r) ? "supported" : "not supported"))
                    .orElse("registries it supports");
        }
        if (f instanceof CredentialProviderFactory c) {
            return "registry credentials (priority " + c.priority() + ")";
        }
        return "";
    }
}
