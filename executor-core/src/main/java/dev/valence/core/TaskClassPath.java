package dev.valence.core;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The part of the client's class path a task needs in its pod: everything but the client-only side.
 * A jar is client-only when it is a cluster or registry adapter (its {@code META-INF/services} name only
 * {@code ClusterGatewayFactory}, {@code ImageBuilderFactory} or {@code CredentialProviderFactory}), carries
 * {@code META-INF/valence/client-only} (the CLI), or is a store adapter other than the one in use; a library
 * is client-only when it is in the runtime tree (the {@code META-INF/valence/dependencies.txt} the build
 * writes into each Valence jar) of a client-only jar and in none of the kept jars'. Jars the trees do not
 * name (the user's own dependencies), Valence modules of no client-only role (the examples) and class
 * directories are always kept. A library that the user's code uses and that only a client-only jar's tree
 * names (say Jackson, which fabric8 brings) is left out too (a known limit, see docs/design-notes.md).
 */
final class TaskClassPath {
    private static final Logger LOG = LoggerFactory.getLogger(TaskClassPath.class);
    static final String DEPENDENCIES = "META-INF/valence/dependencies.txt";
    static final String CLIENT_ONLY = "META-INF/valence/client-only";
    private static final String SERVICES = "META-INF/services/dev.valence.spi.";
    private static final Set<String> CLIENT_PORTS = Set.of(SERVICES + "ClusterGatewayFactory",
            SERVICES + "ImageBuilderFactory", SERVICES + "CredentialProviderFactory");
    private static final String STORE_PORT = SERVICES + "ArtifactStoreFactory";

    private TaskClassPath() {
    }

    /** What one class-path jar says about itself. */
    private record JarFacts(Path path, boolean clientOnly, boolean store, Set<String> tree, Set<String> coordinates) {
    }

    /**
     * The entries of {@code classpath} a task needs; {@code storeJar} is the jar of the store adapter in
     * use (empty when it is not a jar: then every store adapter stays).
     */
    static List<Path> keep(List<Path> classpath, Optional<Path> storeJar) {
        List<JarFacts> jars = new ArrayList<>();
        for (Path entry : classpath) {
            if (Files.isRegularFile(entry)) {
                jars.add(facts(entry));
            }
        }
        Set<Path> dropped = new HashSet<>();
        Set<String> droppedTrees = new HashSet<>();
        Set<String> keptTrees = new HashSet<>();
        for (JarFacts j : jars) {
            boolean unusedStore = j.store() && storeJar.isPresent() && !j.path().equals(storeJar.get());
            if (j.clientOnly() || unusedStore) {
                dropped.add(j.path());
                droppedTrees.addAll(j.tree());
            }
        }
        for (JarFacts j : jars) {
            if (!dropped.contains(j.path())) {
                keptTrees.addAll(j.tree());
            }
        }
        for (JarFacts j : jars) {
            // a Valence module (it has its own tree) goes by its role only, never as someone's library
            if (!dropped.contains(j.path()) && j.tree().isEmpty()
                    && j.coordinates().stream().anyMatch(droppedTrees::contains)
                    && j.coordinates().stream().noneMatch(keptTrees::contains)) {
                dropped.add(j.path());
            }
        }
        List<Path> kept = classpath.stream().filter(p -> !dropped.contains(p)).toList();
        if (!dropped.isEmpty()) {
            LOG.debug("task image leaves out {} client-only jars: {}", dropped.size(),
                    dropped.stream().map(p -> p.getFileName().toString()).sorted().toList());
        }
        return kept;
    }

    private static JarFacts facts(Path jar) {
        boolean clientPort = false;
        boolean otherPort = false;
        boolean marked = false;
        Set<String> tree = new LinkedHashSet<>();
        Set<String> coordinates = new LinkedHashSet<>();
        coordinates.add("file:" + jar.getFileName());
        try (JarFile jf = new JarFile(jar.toFile())) {
            for (JarEntry e : (Iterable<JarEntry>) jf.stream()::iterator) {
                String name = e.getName();
                if (CLIENT_PORTS.contains(name)) {
                    clientPort = true;
                } else if (name.startsWith(SERVICES)) {
                    otherPort = true;
                } else if (name.equals(CLIENT_ONLY)) {
                    marked = true;
                } else if (name.equals(DEPENDENCIES)) {
                    try (InputStream in = jf.getInputStream(e)) {
                        tree.addAll(readTree(in));
                    }
                } else if (name.startsWith("META-INF/maven/") && name.endsWith("/pom.properties")) {
                    Properties p = new Properties();
                    try (InputStream in = jf.getInputStream(e)) {
                        p.load(in);
                    }
                    if (p.getProperty("groupId") != null && p.getProperty("artifactId") != null) {
                        coordinates.add(p.getProperty("groupId") + ":" + p.getProperty("artifactId"));
                    }
                }
            }
            boolean store = jf.getEntry(STORE_PORT) != null;
            return new JarFacts(jar, marked || (clientPort && !otherPort), store, tree, coordinates);
        } catch (IOException e) {
            LOG.debug("cannot read {} ({}); keeping it in the task image", jar, e.toString());
            return new JarFacts(jar, false, false, Set.of(), Set.of());
        }
    }

    /**
     * {@code groupId:artifactId} and {@code file:artifactId-version[-classifier].type} of each line of a
     * {@code dependency:list} output ({@code   group:artifact:jar[:classifier]:version:scope[ -- module ...]}).
     */
    static Set<String> readTree(InputStream in) throws IOException {
        Set<String> out = new LinkedHashSet<>();
        BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        for (String line = r.readLine(); line != null; line = r.readLine()) {
            String first = line.strip().split("\\s+", 2)[0];
            String[] parts = first.split(":");
            if (parts.length >= 5) {
                out.add(parts[0] + ":" + parts[1]);
                // the jar's file name as Maven resolves it, for jars built without pom.properties (Gradle's)
                String version = parts[parts.length - 2];
                String classifier = parts.length >= 6 ? "-" + parts[3] : "";
                out.add("file:" + parts[1] + "-" + version + classifier + "." + parts[2]);
            }
        }
        return out;
    }
}
