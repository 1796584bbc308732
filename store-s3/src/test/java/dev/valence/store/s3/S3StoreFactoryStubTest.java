package dev.valence.store.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.valence.api.ErrorKind;
import dev.valence.api.Settings;
import dev.valence.api.ValenceException;
import dev.valence.spi.Plugins;
import org.junit.jupiter.api.Test;

class S3StoreFactoryStubTest {
    @Test
    void isDiscoveredAndSaysItIsNotBuiltYet() {
        var factory = Plugins.load(getClass().getClassLoader()).of(dev.valence.spi.ArtifactStoreFactory.class).stream()
                .filter(f -> f instanceof S3StoreFactory).findFirst().orElseThrow();
        var e = assertThrows(ValenceException.class, () -> factory.create(Settings.builder().build()));
        assertEquals(ErrorKind.UNSUPPORTED, e.kind());
        assertEquals("ArtifactStore on S3 is not built yet", e.getMessage());
    }
}
