package dev.valence.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TaskClassPathTest {
    @TempDir
    Path tmp;

    @Test
    void leavesOutClientAdaptersTheCliUnusedStoresAndLibrariesOnlyTheyBring() throws IOException {
        Path classes = Files.createDirectories(tmp.resolve("classes"));
        Path core = jar("executor-core.jar", Map.of(TaskClassPath.DEPENDENCIES, "   org.x:shared:jar:1:compile\n",
                pom("dev.valence", "executor-core"), ""));
        Path fabric8 = jar("adapter-fabric8.jar", Map.of("META-INF/services/dev.valence.spi.ClusterGatewayFactory", "a.F\n",
                TaskClassPath.DEPENDENCIES, "   org.x:client-lib:jar:1:compile -- module client.lib\n"
                        + "   org.x:shared:jar:1:compile\n   com.squareup:okhttp:jar:5:runtime\n"));
        Path clientLib = jar("client-lib-1.jar", Map.of(pom("org.x", "client-lib"), ""));
        Path shared = jar("shared-1.jar", Map.of(pom("org.x", "shared"), ""));
        Path userLib = jar("user-lib-2.jar", Map.of(pom("org.y", "user-lib"), ""));
        Path noPom = jar("no-pom.jar", Map.of("a/B.class", "x"));
        Path gradleBuilt = jar("okhttp-5.jar", Map.of("okhttp3/A.class", "x"));
        Path localStore = jar("store-local.jar", Map.of("META-INF/services/dev.valence.spi.ArtifactStoreFactory", "l.F\n"));
        Path s3Store = jar("store-s3.jar", Map.of("META-INF/services/dev.valence.spi.ArtifactStoreFactory", "s.F\n",
                TaskClassPath.DEPENDENCIES, "   software.amazon.awssdk:s3:jar:2:compile\n"));
        Path awsSdk = jar("s3-2.jar", Map.of(pom("software.amazon.awssdk", "s3"), ""));
        Path cli = jar("distribution.jar", Map.of(TaskClassPath.CLIENT_ONLY, "",
                TaskClassPath.DEPENDENCIES, "   com.google.inject:guice:jar:7:compile\n   dev.valence:examples:jar:1:compile\n"));
        Path guice = jar("guice-7.jar", Map.of(pom("com.google.inject", "guice"), ""));
        Path examples = jar("examples.jar", Map.of(pom("dev.valence", "examples"), "",
                TaskClassPath.DEPENDENCIES, "   dev.valence:executor-api:jar:1:compile\n"));

        List<Path> kept = TaskClassPath.keep(List.of(classes, core, fabric8, clientLib, shared, userLib, noPom, gradleBuilt, localStore,
                s3Store, awsSdk, cli, guice, examples), Optional.of(localStore));

        assertEquals(List.of(classes, core, shared, userLib, noPom, localStore, examples), kept);
    }

    @Test
    void everyStoreStaysWhenTheStoreInUseIsNotAJar() throws IOException {
        Path s3Store = jar("store-s3.jar", Map.of("META-INF/services/dev.valence.spi.ArtifactStoreFactory", "s.F\n"));
        assertEquals(List.of(s3Store), TaskClassPath.keep(List.of(s3Store), Optional.empty()));
    }

    @Test
    void readsGroupAndArtifactFromDependencyListLines() throws IOException {
        String list = "\nThe following files have been resolved:\n   io.fabric8:kubernetes-client:jar:8.0.0:compile -- module x\n"
                + "   org.z:native:jar:linux-x86_64:1.0:runtime\n";
        assertEquals(Set.of("io.fabric8:kubernetes-client", "file:kubernetes-client-8.0.0.jar", "org.z:native",
                "file:native-1.0-linux-x86_64.jar"),
                TaskClassPath.readTree(new ByteArrayInputStream(list.getBytes(StandardCharsets.UTF_8))));
    }

    private static String pom(String group, String artifact) {
        return "META-INF/maven/" + group + "/" + artifact + "/pom.properties\u0000" + group + "\u0000" + artifact;
    }

    private Path jar(String name, Map<String, String> entries) throws IOException {
        Path jar = tmp.resolve(name);
        try (OutputStream out = Files.newOutputStream(jar); JarOutputStream jo = new JarOutputStream(out)) {
            for (Map.Entry<String, String> e : new LinkedHashMap<>(entries).entrySet()) {
                String path = e.getKey();
                String content = e.getValue();
                if (path.contains("\u0000")) {
                    String[] parts = path.split("\u0000");
                    path = parts[0];
                    content = "groupId=" + parts[1] + "\nartifactId=" + parts[2] + "\nversion=1\n";
                }
                jo.putNextEntry(new JarEntry(path));
                jo.write(content.getBytes(StandardCharsets.UTF_8));
                jo.closeEntry();
            }
        }
        return jar;
    }
}
