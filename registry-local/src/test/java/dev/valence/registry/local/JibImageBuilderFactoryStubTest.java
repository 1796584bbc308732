package dev.valence.registry.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.valence.api.ErrorKind;
import dev.valence.api.Settings;
import dev.valence.api.ValenceException;
import dev.valence.spi.Plugins;
import org.junit.jupiter.api.Test;

class JibImageBuilderFactoryStubTest {
    @Test
    void isDiscoveredAndSaysItIsNotBuiltYet() {
        var factory = Plugins.load(getClass().getClassLoader()).of(dev.valence.spi.ImageBuilderFactory.class).stream()
                .filter(f -> f instanceof JibImageBuilderFactory).findFirst().orElseThrow();
        var e = assertThrows(ValenceException.class, () -> factory.create(Settings.builder().build()));
        assertEquals(ErrorKind.UNSUPPORTED, e.kind());
        assertEquals("ImageBuilder on Jib is not built yet", e.getMessage());
    }
}
