package dev.valence.store.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.valence.api.ErrorKind;
import dev.valence.api.Settings;
import dev.valence.api.ValenceException;
import dev.valence.spi.Plugins;
import org.junit.jupiter.api.Test;

class LocalStoreFactoryStubTest {
    @Test
    void isDiscoveredAndSaysItIsNotBuiltYet() {
        var factory = Plugins.load(getClass().getClassLoader()).of(dev.valence.spi.ArtifactStoreFactory.class).stream()
                .filter(f -> f instanceof LocalStoreFactory).findFirst().orElseThrow();
        var e = assertThrows(ValenceException.class, () -> factory.create(Settings.builder().build()));
        assertEquals(ErrorKind.UNSUPPORTED, e.kind());
        assertEquals("ArtifactStore on a local directory is not built yet", e.getMessage());
    }
}
