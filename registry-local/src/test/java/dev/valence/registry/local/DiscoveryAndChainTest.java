package dev.valence.registry.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.valence.api.Settings;
import dev.valence.spi.CredentialProvider;
import dev.valence.spi.CredentialProviderFactory;
import dev.valence.spi.Credentials;
import dev.valence.spi.ImageBuilder;
import dev.valence.spi.ImageRef;
import dev.valence.spi.ImageSpec;
import dev.valence.spi.Plugins;
import dev.valence.tck.image.RegistryBed;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The module as the executor finds and uses it: ServiceLoader discovery, then credentials file → push. */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class DiscoveryAndChainTest {

    @TempDir
    Path dir;

    @Test
    void factoriesAreDiscoveredWithTheirPriorities() {
        Plugins plugins = Plugins.load(getClass().getClassLoader());

        assertInstanceOf(JibImageBuilderFactory.class, plugins.imageBuilder("localhost:5000"));
        assertInstanceOf(JibImageBuilderFactory.class, plugins.imageBuilder("tar"));
        List<CredentialProviderFactory> providers = plugins.credentialProviders();
        assertEquals(List.of("credentials-file", "docker-config"), providers.stream().map(f -> f.name()).toList());
        assertEquals(List.of(100, 200), providers.stream().map(CredentialProviderFactory::priority).toList());
    }

    @Test
    void credentialsFromTheSettingsFilePushToARegistryWithAuth() throws Exception {
        try (RegistryBed registry = RegistryBed.builder().htpasswd("file-user", "file-Pa55").start()) {
            Path file = Files.writeString(dir.resolve("registry.toml"),
                    "username = \"file-user\"\npassword = \"file-Pa55\"\n");
            Settings settings = Settings.builder().registry(registry.host()).registryCredentialsFile(file)
                    .cacheDir(dir.resolve("cache")).build();
            Plugins plugins = Plugins.load(getClass().getClassLoader());
            Optional<Credentials> creds = Optional.empty();
            for (CredentialProviderFactory f : plugins.credentialProviders()) {
                CredentialProvider provider = f.create(settings);
                creds = provider.credentialsFor(registry.host());
                if (creds.isPresent()) {
                    break;
                }
            }
            Path hello = Files.writeString(dir.resolve("hello.txt"), "hello");
            ImageSpec spec = ImageSpec.builder().baseImage("scratch").target(registry.reference("chain", "1"))
                    .layer(new ImageSpec.Layer("files", List.of(new ImageSpec.Entry(hello, "/hello.txt"))))
                    .targetCredentials(creds.orElseThrow()).build();
            ImageBuilder builder = plugins.imageBuilder(settings.registry()).create(settings);

            ImageRef ref = builder.build(spec);

            assertEquals(ref.digest(), registry.manifest("chain", "1").orElseThrow().digest());
            assertTrue(Files.isDirectory(dir.resolve("cache/jib")), "Jib's caches live under cache_dir/jib");
        }
    }
}
