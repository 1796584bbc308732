package dev.valence.tck.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.math.BigDecimal;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {

    @Test
    void readsObjectsArraysStringsNumbersAndLiterals() {
        Map<String, Object> m = Json.object(
                "{\"a\": [1, 2.5, -3e2], \"s\": \"x\\\"y\\u0041\\n\", \"t\": true, \"f\": false, \"n\": null, \"o\": {}}");

        assertEquals(List.of(new BigDecimal("1"), new BigDecimal("2.5"), new BigDecimal("-3e2")), m.get("a"));
        assertEquals("x\"yA\n", m.get("s"));
        assertEquals(true, m.get("t"));
        assertEquals(false, m.get("f"));
        assertEquals(null, m.get("n"));
        assertEquals(Map.of(), m.get("o"));
        assertEquals(Arrays.asList("a", "s", "t", "f", "n", "o"), List.copyOf(m.keySet()));
    }

    @Test
    void rejectsMalformedInput() {
        assertThrows(IllegalArgumentException.class, () -> Json.parse("{\"a\": }"));
        assertThrows(IllegalArgumentException.class, () -> Json.parse("[1, 2"));
        assertThrows(IllegalArgumentException.class, () -> Json.parse("{} x"));
        assertThrows(IllegalArgumentException.class, () -> Json.object("[]"));
    }
}
