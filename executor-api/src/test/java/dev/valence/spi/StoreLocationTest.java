package dev.valence.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.valence.api.ErrorKind;
import dev.valence.api.ValenceException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class StoreLocationTest {
    static final String ACCEPTED = "expected mem://root/prefix";

    static StoreLocation parse(String value) {
        return StoreLocation.parse(value, "mem", r -> r.matches("[a-z]{3,}"), ACCEPTED);
    }

    @Test
    void mapsKeysUnderThePrefixAndBack() {
        StoreLocation where = parse("MEM://box/runs/2026//");
        assertEquals(new StoreLocation("mem", "box", "runs/2026"), where);
        assertEquals("runs/2026/d1/n1/input", where.name("d1/n1/input"));
        assertEquals("runs/2026/d1/", where.folder("d1"));
        assertEquals("runs/2026/", where.folder(""));
        assertEquals("d1/n1/input", where.storeKey("runs/2026/d1/n1/input"));
        assertEquals("mem://box/runs/2026", where.toString());

        StoreLocation root = parse("mem://box");
        assertEquals("k", root.name("k"));
        assertEquals("", root.folder(""));
        assertEquals("k", root.storeKey("k"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"s3://box/p", "mem://Box/p", "mem://bo", "mem://box/a//b", "mem://box/../p", "mem:/box"})
    void aMalformedValueIsAConfigErrorNamingTheSettingAndTheValue(String value) {
        ValenceException e = assertThrows(ValenceException.class, () -> parse(value));
        assertEquals(ErrorKind.CONFIG, e.kind());
        assertEquals(ValenceException.config("data_store", value, ACCEPTED).getMessage(), e.getMessage());
    }
}
