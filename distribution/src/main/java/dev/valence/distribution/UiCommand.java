package dev.valence.distribution;

import dev.valence.api.Settings;
import dev.valence.core.Dispatcher;
import dev.valence.distribution.ui.UiServer;
import jakarta.inject.Inject;
import jakarta.inject.Provider;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code valence ui}: the recorded dispatches in the browser, each one's graph live, from a local web server. */
@Command(name = "ui", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Serves a web page showing the recorded dispatches: each one's graph with every node's status "
                + "(updated live), a timeline, a node's inputs, result or exception with its trace, and its Job's log; "
                + "cancel and resume. It needs no network: the page and its script come from this server.",
                "Listens on 127.0.0.1 only unless --address says otherwise. Ctrl-C stops it."})
final class UiCommand implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(UiCommand.class);

    @Option(names = "--port", paramLabel = "PORT", defaultValue = "8470",
            description = "The port to listen on; 0 for any free one (default: ${DEFAULT-VALUE}).")
    int port = 8470;

    @Option(names = "--address", paramLabel = "ADDRESS", defaultValue = "127.0.0.1",
            description = "The address to listen on (default: ${DEFAULT-VALUE}). Anything but a loopback address "
                    + "lets other machines see your dispatches: it is logged as a warning.")
    String address = "127.0.0.1";

    @Spec
    CommandSpec spec;

    private final Provider<Dispatcher> dispatcher;
    private final ClusterJobs jobs;
    private final Provider<Settings> settings;
    private final GlobalOptions options;
    private final CliEnvironment env;

    @Inject
    UiCommand(Provider<Dispatcher> dispatcher, ClusterJobs jobs, Provider<Settings> settings, GlobalOptions options,
            CliEnvironment env) {
        this.dispatcher = dispatcher;
        this.jobs = jobs;
        this.settings = settings;
        this.options = options;
        this.env = env;
    }

    @Override
    public Integer call() throws InterruptedException {
        if (port < 0 || port > 65535) {
            throw new ParameterException(spec.commandLine(), "--port must be 0 (any free port) to 65535, was " + port);
        }
        InetAddress bind;
        try {
            bind = InetAddress.getByName(address);
        } catch (UnknownHostException e) {
            throw new ParameterException(spec.commandLine(), "--address '" + address + "' is not an address of this "
                    + "machine (e.g. 127.0.0.1, ::1, or an interface's address)");
        }
        if (!bind.isLoopbackAddress()) {
            LOG.warn("valence ui listens on {}: other machines that reach this address see your dispatches and "
                    + "their values, and with the page can cancel and resume them", address);
        }
        Dispatcher d = Failures.unwrapped(dispatcher::get);
        DispatcherUiBackend backend = new DispatcherUiBackend(() -> d, jobs, () -> Failures.unwrapped(settings::get),
                this::resume);
        CountDownLatch stopped = new CountDownLatch(1);
        try (UiServer server = UiServer.start(backend, new InetSocketAddress(bind, port))) {
            PrintWriter out = env.out();
            out.println("valence ui: " + server.uri() + " (Ctrl-C stops it)");
            out.flush();
            LOG.info("valence ui serving the dispatches under {} at {}", d.recordsDir(), server.uri());
            Runtime.getRuntime().addShutdownHook(new Thread(stopped::countDown, "valence-ui-stop"));
            stopped.await();
        }
        return 0;
    }

    /**
     * Runs {@code valence dispatches resume ID} in this process (with this invocation's settings options),
     * as typed in a terminal; returns what it printed once it started following the dispatch, or its end.
     */
    private String resume(String id) {
        List<String> args = new ArrayList<>();
        options.configFile().ifPresent(f -> {
            args.add("--config");
            args.add(f.toString());
        });
        options.executorName().ifPresent(n -> {
            args.add("--named");
            args.add(n);
        });
        options.overrides().forEach((k, v) -> {
            args.add("--set");
            args.add(k + "=" + v);
        });
        options.preferred().forEach(p -> {
            args.add("--prefer-plugin");
            args.add(p);
        });
        args.addAll(List.of("dispatches", "resume", id));
        StringWriter text = new StringWriter();
        PrintWriter both = new PrintWriter(text, true);
        CliEnvironment quiet = new CliEnvironment(env.variables(), env.home(), env.valenceHome(), both, both, false);
        CompletableFuture<Integer> run = CompletableFuture.supplyAsync(() -> ValenceCli.execute(quiet,
                args.toArray(String[]::new)));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (!run.isDone() && System.nanoTime() < deadline) {
            synchronized (text.getBuffer()) {
                if (text.toString().contains("resuming dispatch")) {
                    break;
                }
            }
            java.util.concurrent.locks.LockSupport.parkNanos(50_000_000L);
        }
        synchronized (text.getBuffer()) {
            Integer code = run.getNow(null);
            if (code != null && code != 0) {
                throw new dev.valence.api.ValenceException(dev.valence.api.ErrorKind.WORKFLOW, text.toString().strip());
            }
            return text.toString();
        }
    }
}
