package io.spikert.fuzz;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Predicate;

/**
 * Structure-aware mutation of one safetensors file: the header stays JSON, but one to three of its entries get a
 * wrong dtype, shape, offsets, name or metadata, the header length field lies, the data is cut short, or a
 * tensor element becomes a special value (NaN, infinity, the extremes of an integer type). Element writes follow
 * the seed's offsets, so they land in the tensor they name.
 */
final class SafetensorsMutator {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> DTYPES = List.of("F32", "BF16", "F16", "F64", "I8", "U8", "I16", "I32", "I64", "BOOL",
            "F8_E4M3", "Q4", "", "f32");

    private final ObjectNode header;
    private final byte[] data;
    private final List<String> names = new ArrayList<>();
    private final Predicate<String> favoured;

    /** {@code favoured}: tensor names that half of the tensor choices go to (e.g. a packed form's own tensors). */
    SafetensorsMutator(byte[] file, Predicate<String> favoured) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        int n = (int) b.getLong(0);
        this.header = (ObjectNode) JSON.readTree(Arrays.copyOfRange(file, 8, 8 + n));
        this.data = Arrays.copyOfRange(file, 8 + n, file.length);
        header.fieldNames().forEachRemaining(name -> {
            if (!name.equals("__metadata__")) {
                names.add(name);
            }
        });
        this.favoured = favoured;
    }

    byte[] mutate(Decisions d) throws IOException {
        ObjectNode h = header.deepCopy();
        byte[] body = data.clone();
        Long length = null;
        int n = 1 + d.nextInt(3);
        for (int i = 0; i < n; i++) {
            String name = pickTensor(d);
            ObjectNode entry = h.get(name) instanceof ObjectNode o ? o : null;
            switch (d.nextInt(12)) {
                case 0, 1, 2 -> writeElement(body, (ObjectNode) header.get(name), d);
                case 3 -> {
                    if (entry != null) {
                        entry.put("dtype", d.pick(DTYPES));
                    }
                }
                case 4 -> {
                    if (entry != null && entry.get("shape") instanceof ArrayNode shape) {
                        entry.set("shape", mutateShape(shape, d));
                    }
                }
                case 5 -> {
                    if (entry != null && entry.get("data_offsets") instanceof ArrayNode offsets && offsets.size() == 2) {
                        int which = d.nextInt(2);
                        long v = d.nextBoolean() ? d.interestingLong() : offsets.get(which).asLong() + d.nextInt(17) - 8;
                        offsets.set(which, JSON.getNodeFactory().numberNode(v));
                    }
                }
                case 6 -> {
                    JsonNode moved = h.remove(name);
                    if (moved != null && d.nextBoolean()) {
                        h.set(d.nextBoolean() ? d.pick(names) + d.pick(List.of("", ".x", "_", "/../x")) : name.replace("weight", "bias"), moved);
                    }
                }
                case 7 -> {
                    ObjectNode meta = h.get("__metadata__") instanceof ObjectNode m ? m : h.putObject("__metadata__");
                    meta.set(d.pick(List.of("format", "spikert.format", "x")), JsonValues.mutate(null, d));
                }
                case 8 -> length = d.interestingLong();
                case 9 -> body = Arrays.copyOf(body, d.nextInt(Math.max(1, body.length)));
                case 10 -> {
                    if (entry != null) {
                        consistentShape(entry, d);
                    }
                }
                default -> {
                    if (entry != null) {
                        entry.set(d.pick(List.of("dtype", "shape", "data_offsets")), JsonValues.mutate(entry.get("x"), d));
                    }
                }
            }
        }
        byte[] json = JSON.writeValueAsBytes(h);
        int padded = (json.length + 7) & ~7;
        var out = new ByteArrayOutputStream(8 + padded + body.length);
        ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(length != null ? length : padded);
        out.write(len.array());
        out.write(json);
        for (int i = json.length; i < padded; i++) {
            out.write(' ');
        }
        out.write(body);
        return out.toByteArray();
    }

    private String pickTensor(Decisions d) {
        if (d.nextBoolean()) {
            List<String> f = names.stream().filter(favoured).toList();
            if (!f.isEmpty()) {
                return d.pick(f);
            }
        }
        return d.pick(names);
    }

    private static ArrayNode mutateShape(ArrayNode shape, Decisions d) {
        ArrayNode s = shape.deepCopy();
        switch (d.nextInt(4)) {
            case 0 -> {
                if (!s.isEmpty()) {
                    s.remove(d.nextInt(s.size()));
                }
            }
            case 1 -> s.insert(d.nextInt(s.size() + 1), d.nextBoolean() ? 1 : d.interestingLong());
            default -> {
                if (!s.isEmpty()) {
                    int i = d.nextInt(s.size());
                    s.set(i, JSON.getNodeFactory().numberNode(d.nextBoolean() ? d.interestingLong() : s.get(i).asLong() + d.nextInt(5) - 2));
                }
            }
        }
        return s;
    }

    /**
     * A shape that agrees with the entry's byte range: rank 0 to 3 with small dims, and the end offset moved so the
     * size matches (the reader's size check passes, so the lie reaches whoever trusts the rank or the dims).
     */
    private static void consistentShape(ObjectNode entry, Decisions d) {
        int size = switch (entry.path("dtype").asText()) {
            case "F32", "I32" -> 4;
            case "BF16", "F16", "I16" -> 2;
            case "F64", "I64" -> 8;
            default -> 1;
        };
        ArrayNode shape = JSON.createArrayNode();
        long count = 1;
        for (int r = d.nextInt(4); r > 0; r--) {
            int dim = d.nextInt(5);
            shape.add(dim);
            count *= dim;
        }
        entry.set("shape", shape);
        if (!(entry.get("data_offsets") instanceof ArrayNode offsets) || offsets.size() != 2) {
            return; // an earlier choice already broke the offsets
        }
        offsets.set(1, JSON.getNodeFactory().numberNode(offsets.get(0).asLong() + count * size));
    }

    /** Overwrites one element of the tensor {@code entry} describes (seed offsets) with a special value. */
    private static void writeElement(byte[] body, ObjectNode entry, Decisions d) {
        String dtype = entry.get("dtype").asText();
        long begin = entry.get("data_offsets").get(0).asLong();
        long end = entry.get("data_offsets").get(1).asLong();
        int size = switch (dtype) {
            case "F32", "I32" -> 4;
            case "BF16", "F16", "I16" -> 2;
            case "F64", "I64" -> 8;
            default -> 1;
        };
        long count = (end - begin) / size;
        if (count <= 0) {
            return;
        }
        long index = d.nextBoolean() ? d.nextInt((int) Math.min(count, Integer.MAX_VALUE)) : d.pick(List.of(0L, count - 1));
        ByteBuffer b = ByteBuffer.wrap(body).order(ByteOrder.LITTLE_ENDIAN);
        long at = begin + index * size;
        if (at < 0 || at + size > body.length) {
            return; // the data was cut short by an earlier choice
        }
        writeValue(b, (int) at, dtype, d);
    }

    private static void writeValue(ByteBuffer b, int at, String dtype, Decisions d) {
        switch (dtype) {
            case "F32" -> b.putFloat(at, d.pick(List.of(Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.MAX_VALUE,
                    -Float.MAX_VALUE, 1e30f, Float.MIN_VALUE, -0f, 0f, 1e-30f)));
            case "BF16", "F16" -> b.putShort(at, d.pick(List.of((short) 0x7FC0, (short) 0x7F80, (short) 0xFF80, (short) 0x7F7F,
                    (short) 0x7C00, (short) 0x7E00, (short) 0, (short) 0x0001)));
            case "I32" -> b.putInt(at, (int) d.interestingLong());
            case "I16" -> b.putShort(at, (short) d.interestingLong());
            case "I64", "F64" -> b.putLong(at, d.interestingLong());
            default -> b.put(at, (byte) d.interestingLong());
        }
    }
}
