package dev.valence.distribution;

import dev.valence.api.Settings;
import dev.valence.core.SettingsLoader;
import jakarta.inject.Inject;
import jakarta.inject.Provider;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code valence config}: the effective settings, each with where its value came from; secrets masked. */
@Command(name = "config", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Shows the effective settings and where each value came from (default, file, env, or "
                + "flag for --set, --kubeconfig, --context, -n); secrets are shown as ****."})
final class ConfigCommand implements Callable<Integer> {

    @Mixin
    OutputFormat output = new OutputFormat();

    private final Provider<Settings> settings;
    private final Provider<SettingsSource> source;
    private final CliEnvironment env;

    @Inject
    ConfigCommand(Provider<Settings> settings, Provider<SettingsSource> source, CliEnvironment env) {
        this.settings = settings;
        this.source = source;
        this.env = env;
    }

    @Override
    public Integer call() {
        Settings s = Failures.unwrapped(settings::get);
        Optional<Path> file = source.get().effectiveConfigFile();
        PrintWriter out = env.out();
        if (output.structured()) {
            List<Map<String, Object>> entries = new ArrayList<>();
            for (Settings.Entry e : s.entries()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("key", e.key());
                m.put("value", s.display(e.key()));
                m.put("source", Settings.label(e).split(" ")[0]);
                m.put("origin", e.origin());
                m.put("sensitive", s.isSensitive(e.key()));
                entries.add(m);
            }
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("config_file", file.map(Path::toString).orElse(null));
            doc.put("executor", s.executorName().orElse(null));
            doc.put("named_executors", file.map(SettingsLoader::names).orElse(java.util.Set.of()));
            doc.put("settings", entries);
            out.print(output.write(doc));
        } else {
            out.println("# config file: " + file.map(Path::toString)
                    .orElse("none (no --config, no VALENCE_CONFIG, no ~/.config/valence/valence.toml)"));
            out.println("# executor: " + s.executorName().map(n -> n + " ([executors.k8s." + n + "] over [executors.k8s])")
                    .orElse("the defaults ([executors.k8s])") + file.map(SettingsLoader::names).filter(n -> !n.isEmpty())
                    .map(n -> "; named executors in the file: " + String.join(", ", n) + " (--named NAME)").orElse(""));
            out.println("# flag = --set, --kubeconfig, --context or -n on the command line; env = a VALENCE_K8S_<KEY> "
                    + "variable (or $KUBECONFIG for k8s_config_file)"
                    + s.executorName().map(n -> " (" + Settings.envPrefix(n) + "<KEY> for this executor)").orElse(""));
            out.print(s.describe());
        }
        out.flush();
        return 0;
    }
}
