package dev.valence.fabric8;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.valence.api.ErrorKind;
import dev.valence.api.Settings;
import dev.valence.api.ValenceException;
import dev.valence.spi.Plugins;
import org.junit.jupiter.api.Test;

class Fabric8GatewayFactoryStubTest {
    @Test
    void isDiscoveredAndSaysItIsNotBuiltYet() {
        var factory = Plugins.load(getClass().getClassLoader()).of(dev.valence.spi.ClusterGatewayFactory.class).stream()
                .filter(f -> f instanceof Fabric8GatewayFactory).findFirst().orElseThrow();
        var e = assertThrows(ValenceException.class, () -> factory.create(Settings.builder().build()));
        assertEquals(ErrorKind.UNSUPPORTED, e.kind());
        assertEquals("ClusterGateway on fabric8 (cluster_client = fabric8) is not built yet", e.getMessage());
    }
}
