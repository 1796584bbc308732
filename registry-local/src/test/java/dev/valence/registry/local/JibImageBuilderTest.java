package dev.valence.registry.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.cloud.tools.jib.global.JibSystemProperties;
import dev.valence.api.ErrorKind;
import dev.valence.api.ValenceException;
import dev.valence.spi.Credentials;
import dev.valence.spi.ImageRef;
import dev.valence.spi.ImageSpec;
import dev.valence.tck.image.RegistryBed;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** What the Jib builder does beyond the contract: Docker daemon target, tar names, loopback HTTP, file modes. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class JibImageBuilderTest {
    private RegistryBed registry;
    private RegistryBed securedRegistry;

    @TempDir
    Path work;

    @BeforeAll
    void startRegistries() {
        registry = RegistryBed.start();
        securedRegistry = RegistryBed.builder().htpasswd("jib", "jib-Pa55word").start();
    }

    @AfterAll
    void stopRegistries() {
        registry.close();
        securedRegistry.close();
    }

    private JibImageBuilder builder() {
        return new JibImageBuilder(work.resolve("cache"), DockerDaemon.fromEnvironment());
    }

    private ImageSpec.Builder spec(String target) throws IOException {
        Path file = Files.writeString(work.resolve("hello.txt"), "hello");
        return ImageSpec.builder().baseImage("scratch").target(target)
                .layer(new ImageSpec.Layer("files", List.of(new ImageSpec.Entry(file, "/app/hello.txt"))))
                .entrypoint(List.of("/app/run"));
    }

    @Test
    void dockerTargetWithoutADaemonNamesWhatWasTried() throws IOException {
        Path emptyPath = Files.createDirectories(work.resolve("empty-bin"));
        Path socket = work.resolve("docker.sock");
        JibImageBuilder builder = new JibImageBuilder(work.resolve("cache"),
                new DockerDaemon(Map.of("PATH", emptyPath.toString()), socket));

        ValenceException e = assertThrows(ValenceException.class, () -> builder.build(spec("docker://app:1").build()));

        assertEquals(ErrorKind.IMAGE, e.kind());
        assertTrue(e.getMessage().startsWith("registry 'docker': no Docker daemon found"), e.getMessage());
        assertTrue(e.getMessage().contains("DOCKER_HOST: not set"), e.getMessage());
        assertTrue(e.getMessage().contains("unix://" + socket + ": no such socket"), e.getMessage());
        assertTrue(e.getMessage().contains("'docker' command: not on PATH (" + emptyPath + ")"), e.getMessage());
        assertTrue(e.getMessage().contains("'tar'"), "says what to use instead: " + e.getMessage());
    }

    @Test
    void dockerTargetWithADaemonButNoCommandSaysSo() throws IOException {
        Path emptyPath = Files.createDirectories(work.resolve("empty-bin"));
        JibImageBuilder builder = new JibImageBuilder(work.resolve("cache"), new DockerDaemon(
                Map.of("PATH", emptyPath.toString(), "DOCKER_HOST", "tcp://127.0.0.1:2375"), work.resolve("none.sock")));

        ValenceException e = assertThrows(ValenceException.class, () -> builder.build(spec("docker://app:1").build()));

        assertTrue(e.getMessage().startsWith("registry 'docker': no 'docker' command"), e.getMessage());
        assertTrue(e.getMessage().contains("DOCKER_HOST: tcp://127.0.0.1:2375"), e.getMessage());
    }

    @Test
    void missingCredentialsAreNamedEvenBeforeAnyCredentialsWereSentOverHttp() throws IOException {
        System.clearProperty(JibSystemProperties.SEND_CREDENTIALS_OVER_HTTP);
        ImageSpec spec = spec(securedRegistry.reference("anon", "1")).build();

        ValenceException e = assertThrows(ValenceException.class, () -> builder().build(spec));

        assertEquals(ErrorKind.PERMISSION, e.kind(), e.getMessage());
        assertTrue(e.getMessage().contains("no credentials were found for " + securedRegistry.host()), e.getMessage());
        assertTrue(e.getMessage().contains("registry_credentials_file") && e.getMessage().contains("docker login"),
                "says where credentials can come from: " + e.getMessage());
    }

    @Test
    void credentialsGoOverPlainHttpOnlyToLoopbackRegistries() throws IOException {
        Credentials creds = securedRegistry.credentials().orElseThrow();
        System.clearProperty(JibSystemProperties.SEND_CREDENTIALS_OVER_HTTP);
        ImageSpec remote = spec("registry.invalid:5000/app:1").targetCredentials(creds).allowInsecure(true).build();
        assertThrows(ValenceException.class, () -> builder().build(remote));
        assertNull(System.getProperty(JibSystemProperties.SEND_CREDENTIALS_OVER_HTTP),
                "not allowed for a non-loopback registry");

        ImageRef ref = builder().build(spec(securedRegistry.reference("loopback", "1")).targetCredentials(creds).build());

        assertEquals("true", System.getProperty(JibSystemProperties.SEND_CREDENTIALS_OVER_HTTP));
        assertEquals(ref.digest(), securedRegistry.manifest("loopback", "1").orElseThrow().digest());
    }

    @Test
    void existsWithWrongCredentialsIsAPermissionError() throws IOException {
        Credentials creds = securedRegistry.credentials().orElseThrow();
        ImageSpec spec = spec(securedRegistry.reference("exists", "1")).targetCredentials(creds).build();
        ImageRef ref = builder().build(spec);
        ImageSpec wrong = spec.toBuilder().targetCredentials(new Credentials(creds.username(), "nope", "test")).build();

        ValenceException e = assertThrows(ValenceException.class, () -> builder().exists(ref, wrong));

        assertEquals(ErrorKind.PERMISSION, e.kind(), e.getMessage());
        assertFalse(e.getMessage().contains("nope"), e.getMessage());
    }

    @Test
    void tarTargetWithoutANameIsNamedAfterTheFileAndTaggedLocal() throws IOException {
        Path tar = work.resolve("images/My_Task.tar");
        ImageSpec spec = spec("tar://" + tar).build();

        ImageRef ref = builder().build(spec);

        assertEquals("my_task:local", ref.jobReference());
        assertEquals(Optional.of("minikube image load " + tar), ref.loadCommand());
        assertTrue(builder().exists(ref, spec));
        Files.delete(tar);
        assertFalse(builder().exists(ref, spec));
    }

    @Test
    void malformedTargetsAreNamed() {
        for (String target : List.of("tar://relative/x.tar", "tar:///abs/x.zip", "127.0.0.1:5000/no-tag",
                "127.0.0.1:5000/UPPER:1")) {
            ValenceException e = assertThrows(ValenceException.class, () -> builder().build(spec(target).build()),
                    target);
            assertEquals(ErrorKind.IMAGE, e.kind());
            assertTrue(e.getMessage().contains("'" + target + "'"), e.getMessage());
        }
    }

    @Test
    void directoriesAreAddedWithTheirFilesAndExecutablesKeepTheirMode() throws IOException {
        Path dir = Files.createDirectories(work.resolve("tree/sub"));
        Files.writeString(dir.resolve("data.txt"), "data");
        Path script = Files.writeString(work.resolve("run.sh"), "#!/bin/sh\necho hi\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        ImageSpec spec = ImageSpec.builder().baseImage("scratch").target(registry.reference("modes", "1"))
                .layer(new ImageSpec.Layer("all", List.of(
                        new ImageSpec.Entry(work.resolve("tree"), "/app/tree"),
                        new ImageSpec.Entry(script, "/app/run.sh"),
                        new ImageSpec.Entry(dir.resolve("data.txt"), "/app/plain.txt"))))
                .build();

        ImageRef ref = builder().build(spec);

        RegistryBed.Manifest manifest = registry.manifest("modes", ref.digest()).orElseThrow();
        Map<String, Integer> modes = modes(registry.blob("modes", manifest.layerDigests().get(0)));
        assertEquals(0755, modes.get("app/run.sh"));
        assertEquals(0644, modes.get("app/plain.txt"));
        assertEquals(0644, modes.get("app/tree/sub/data.txt"), "files under a directory: " + modes);
    }

    @Test
    void loopbackHostsAreRecognised() {
        for (String host : List.of("localhost:5000", "127.0.0.1:5000", "127.0.0.1", "LOCALHOST", "[::1]:5000")) {
            assertTrue(ImageTarget.isLoopback(host), host);
        }
        for (String host : List.of("10.0.0.1:5000", "registry.example.com", "123.dkr.ecr.us-east-1.amazonaws.com",
                "localhost.example.com:5000")) {
            assertFalse(ImageTarget.isLoopback(host), host);
        }
    }

    private static Map<String, Integer> modes(byte[] layer) throws IOException {
        Map<String, Integer> modes = new HashMap<>();
        try (TarArchiveInputStream tar = new TarArchiveInputStream(new GZIPInputStream(new ByteArrayInputStream(layer)))) {
            TarArchiveEntry e;
            while ((e = tar.getNextEntry()) != null) {
                if (e.isFile()) {
                    modes.put(e.getName().replaceFirst("^/", ""), e.getMode() & 0777);
                }
            }
        }
        return modes;
    }
}
