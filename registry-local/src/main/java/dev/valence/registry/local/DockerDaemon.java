package dev.valence.registry.local;

import dev.valence.api.ErrorKind;
import dev.valence.api.ValenceException;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Finds the local Docker daemon that Jib's {@code DockerDaemonImage} talks to through the
 * {@code docker} command: the command on {@code PATH}, and a daemon at {@code DOCKER_HOST} or the
 * default socket.
 */
final class DockerDaemon {
    static final Path DEFAULT_SOCKET = Path.of("/var/run/docker.sock");

    private final Map<String, String> environment;
    private final Path defaultSocket;

    DockerDaemon(Map<String, String> environment, Path defaultSocket) {
        this.environment = Map.copyOf(environment);
        this.defaultSocket = defaultSocket;
    }

    /** The daemon of this process's environment. */
    static DockerDaemon fromEnvironment() {
        return new DockerDaemon(System.getenv(), DEFAULT_SOCKET);
    }

    /** The {@code docker} command to run, or an error naming everything that was tried. */
    Path locate() {
        Optional<Path> cli = command();
        String host = environment.get("DOCKER_HOST");
        boolean daemon = host != null && !host.isBlank() || Files.exists(defaultSocket);
        if (cli.isPresent() && daemon) {
            return cli.get();
        }
        String tried = "DOCKER_HOST: " + (host != null && !host.isBlank() ? host : "not set")
                + "; unix://" + defaultSocket + ": " + (Files.exists(defaultSocket) ? "present" : "no such socket")
                + "; 'docker' command: " + cli.map(Path::toString).orElse("not on PATH (" + environment.getOrDefault("PATH", "") + ")");
        throw new ValenceException(ErrorKind.IMAGE, "registry 'docker': "
                + (daemon ? "no 'docker' command to reach the Docker daemon" : "no Docker daemon found")
                + " (tried " + tried + ")"
                + "; start Docker (or point DOCKER_HOST at it), or set registry to a registry host such as "
                + "localhost:5000, or to 'tar' to write an image tar for 'minikube image load'");
    }

    /** The environment the {@code docker} command gets: the Docker variables of this environment. */
    Map<String, String> dockerEnvironment() {
        Map<String, String> env = new LinkedHashMap<>();
        environment.forEach((k, v) -> {
            if (k.startsWith("DOCKER_")) {
                env.put(k, v);
            }
        });
        return env;
    }

    private Optional<Path> command() {
        String path = environment.getOrDefault("PATH", "");
        for (String dir : path.split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "docker"))) {
                return Optional.of(Path.of(dir, "docker"));
            }
        }
        return Optional.empty();
    }
}
