package io.spikert.fuzz;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;

/** JSON values a structure-aware target puts where a loader expects a well-formed one. */
final class JsonValues {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private JsonValues() {
    }

    /** A replacement for {@code current}: mostly numbers near it or at boundaries, sometimes another type. */
    static JsonNode mutate(JsonNode current, Decisions d) {
        return switch (d.nextInt(12)) {
            case 0, 1, 2 -> F.numberNode(d.interestingLong());
            case 3 -> current != null && current.isNumber() ? F.numberNode(current.asLong() + d.nextInt(9) - 4) : F.numberNode(d.nextInt(64));
            case 4 -> current != null && current.isNumber() ? F.numberNode(current.asLong() * (2L << d.nextInt(20))) : F.numberNode(d.interestingLong());
            case 5, 6 -> F.numberNode(d.interestingDouble());
            case 7 -> F.textNode(d.pick(java.util.List.of("", "gla_swa", "swish", "silu", "float32", "bfloat16", "NaN", "-1", "1e400")));
            case 8 -> F.nullNode();
            case 9 -> F.booleanNode(d.nextBoolean());
            case 10 -> intArray(d);
            default -> F.objectNode().put("x", d.interestingLong());
        };
    }

    static ArrayNode intArray(Decisions d) {
        ArrayNode a = F.arrayNode();
        int n = d.nextInt(6);
        for (int i = 0; i < n; i++) {
            if (d.nextInt(4) == 0) {
                a.add(d.interestingLong());
            } else {
                a.add(d.nextInt(4) - 1 + i);
            }
        }
        return a;
    }
}
