package io.spikert.model.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Expected strings as Python's json.dumps(x, ensure_ascii=False) writes them. */
class PyJsonTest {
    private static Map<String, Object> sample() {
        Map<String, Object> inner = new LinkedHashMap<>();
        inner.put("z", List.of(1, 2.5, true));
        inner.put("a", null);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", "Zürich \"quoted\" \\ back\nslash\t\u0001");
        m.put("inner", inner);
        m.put("empty", new ArrayList<>());
        m.put("whole", 2.0);
        return m;
    }

    @Test
    void oneLineWithPythonSeparatorsAndKeysInOrder() {
        assertEquals("{\"name\": \"Zürich \\\"quoted\\\" \\\\ back\\nslash\\t\\u0001\", \"inner\": {\"z\": [1, 2.5, true], "
                + "\"a\": null}, \"empty\": [], \"whole\": 2}", PyJson.write(sample(), PyJson.Options.DEFAULT));
    }

    @Test
    void indentedSortedAsciiAndCustomSeparators() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("b", List.of("é"));
        m.put("a", Map.of());
        assertEquals("{\n  \"a\": {},\n  \"b\": [\n    \"\\u00e9\"\n  ]\n}",
                PyJson.write(m, new PyJson.Options(2, null, null, true, true)));
        assertEquals("{\"b\":[\"é\"],\"a\":{}}", PyJson.write(m, new PyJson.Options(null, ",", ":", false, false)));
    }

    @Test
    void loneSurrogatesAreEscapedPairsKept() {
        assertEquals("\"\\ud800x😀\"", PyJson.write("\ud800x😀", PyJson.Options.DEFAULT));
    }
}
