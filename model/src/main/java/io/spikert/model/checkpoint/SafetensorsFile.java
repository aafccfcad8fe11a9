package io.spikert.model.checkpoint;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import io.spikert.runtime.DType;
import io.spikert.runtime.Tensor;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SequencedMap;
import java.util.Set;

/**
 * One {@code .safetensors} file, memory-mapped read-only; its tensors are slices of the mapping (no copy).
 * Layout: an unsigned little-endian 64-bit header length N, N bytes of JSON header, then the data section.
 * Every header entry is validated at open, so later tensor access cannot fail on a malformed file.
 * The mapping belongs to the caller's arena and lives until that arena is closed.
 */
public final class SafetensorsFile implements TensorFile {
    /** Headers of real checkpoints are well under a megabyte; a larger claim is a corrupt or hostile file. */
    public static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;
    static final String METADATA_KEY = "__metadata__";

    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final Path path;
    private final Map<String, String> metadata;
    private final SequencedMap<String, Tensor> tensors;

    private SafetensorsFile(Path path, Map<String, String> metadata, SequencedMap<String, Tensor> tensors) {
        this.path = path;
        this.metadata = metadata;
        this.tensors = tensors;
    }

    /** Maps and validates {@code file}; the mapping is released when {@code arena} closes. */
    public static SafetensorsFile open(Path file, Arena arena) throws CheckpointException {
        MemorySegment mapped = map(file, arena);
        try {
            return parse(file, mapped);
        } catch (ArithmeticException | IndexOutOfBoundsException e) {
            throw CheckpointException.inFile(file, "malformed safetensors file: " + e.getMessage());
        }
    }

    static MemorySegment map(Path file, Arena arena) throws CheckpointException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
        } catch (IOException | UnsupportedOperationException e) {
            throw new CheckpointException(file + ": cannot map: " + e, e);
        }
    }

    private static SafetensorsFile parse(Path file, MemorySegment mapped) throws CheckpointException {
        long fileSize = mapped.byteSize();
        if (fileSize < 8) {
            throw CheckpointException.inFile(file, "file is " + fileSize + " bytes, shorter than the 8-byte header length");
        }
        long headerLen = mapped.get(U64, 0);
        // headerLen is unsigned on disk: a negative long is a length above 2^63.
        if (headerLen < 0 || headerLen > fileSize - 8) {
            throw CheckpointException.inFile(file, "header length " + Long.toUnsignedString(headerLen)
                    + " is larger than the " + (fileSize - 8) + " bytes after the length field");
        }
        if (headerLen > MAX_HEADER_BYTES) {
            throw CheckpointException.inFile(file, "header length " + headerLen + " exceeds the limit of "
                    + MAX_HEADER_BYTES + " bytes");
        }
        byte[] header = mapped.asSlice(8, headerLen).toArray(ValueLayout.JAVA_BYTE);
        long dataStart = 8 + headerLen;
        long dataSize = fileSize - dataStart;

        Map<String, String> metadata = Map.of();
        List<Slot> slots = new ArrayList<>();
        try (JsonParser p = Json.MAPPER.createParser(header)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw CheckpointException.inFile(file, "header is not a JSON object");
            }
            Set<String> seen = new HashSet<>();
            boolean sawMetadata = false;
            JsonToken t;
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                p.nextToken();
                JsonNode value = Json.MAPPER.readTree(p);
                if (METADATA_KEY.equals(name)) {
                    if (sawMetadata) {
                        throw CheckpointException.inFile(file, "header has " + METADATA_KEY + " twice");
                    }
                    sawMetadata = true;
                    metadata = readMetadata(file, value);
                    continue;
                }
                if (!seen.add(name)) {
                    throw CheckpointException.inTensor(file, name, "duplicate tensor name in header");
                }
                slots.add(readSlot(file, name, value, dataSize));
            }
            if (t != JsonToken.END_OBJECT) {
                throw CheckpointException.inFile(file, "header JSON object is not closed");
            }
            if (p.nextToken() != null) {
                throw CheckpointException.inFile(file, "header has content after its JSON object");
            }
        } catch (CheckpointException e) {
            throw e;
        } catch (JacksonException e) {
            throw new CheckpointException(file + ": header is not valid JSON: " + Json.firstLine(e), e);
        } catch (IOException e) {
            throw new CheckpointException(file + ": cannot read header: " + e, e);
        }
        checkNoOverlap(file, slots);

        SequencedMap<String, Tensor> tensors = new LinkedHashMap<>();
        for (Slot s : slots) {
            MemorySegment data = mapped.asSlice(dataStart + s.begin, s.end - s.begin);
            tensors.put(s.name, new Tensor(s.name, s.dtype, s.shape, data));
        }
        return new SafetensorsFile(file, metadata, Collections.unmodifiableSequencedMap(tensors));
    }

    private record Slot(String name, DType dtype, long[] shape, long begin, long end) {
    }

    private static Map<String, String> readMetadata(Path file, JsonNode node) throws CheckpointException {
        if (!node.isObject()) {
            throw CheckpointException.inFile(file, METADATA_KEY + " is not a JSON object");
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            if (!e.getValue().isTextual()) {
                throw CheckpointException.inFile(file, METADATA_KEY + " value for key " + e.getKey() + " is not a string");
            }
            out.put(e.getKey(), e.getValue().textValue());
        }
        return Collections.unmodifiableMap(out);
    }

    private static Slot readSlot(Path file, String name, JsonNode entry, long dataSize) throws CheckpointException {
        if (!entry.isObject()) {
            throw CheckpointException.inTensor(file, name, "header entry is not a JSON object");
        }
        JsonNode dt = entry.get("dtype");
        if (dt == null || !dt.isTextual()) {
            throw CheckpointException.inTensor(file, name, "missing or non-string dtype");
        }
        DType dtype = DType.fromSafetensorsName(dt.textValue()).orElseThrow(
                () -> CheckpointException.inTensor(file, name, "unknown dtype " + dt.textValue()));
        long[] shape = readShape(file, name, entry.get("shape"));
        JsonNode offs = entry.get("data_offsets");
        if (offs == null || !offs.isArray() || offs.size() != 2 || !Json.isLong(offs.get(0)) || !Json.isLong(offs.get(1))) {
            throw CheckpointException.inTensor(file, name, "data_offsets must be [begin, end] integers, got " + offs);
        }
        long begin = offs.get(0).longValue();
        long end = offs.get(1).longValue();
        if (begin < 0 || begin > end) {
            throw CheckpointException.inTensor(file, name, "data_offsets [" + begin + ", " + end + "] are not an ascending non-negative range");
        }
        if (end > dataSize) {
            throw CheckpointException.inTensor(file, name, "data_offsets [" + begin + ", " + end
                    + "] lie outside the data section of " + dataSize + " bytes");
        }
        long expected;
        try {
            expected = Math.multiplyExact(Tensor.elementCount(shape), dtype.byteSize());
        } catch (ArithmeticException e) {
            throw CheckpointException.inTensor(file, name, "byte size of shape " + Arrays.toString(shape)
                    + " overflows a long");
        }
        if (end - begin != expected) {
            throw CheckpointException.inTensor(file, name, (end - begin) + " bytes in data_offsets but shape "
                    + Arrays.toString(shape) + " of " + dtype + " needs " + expected);
        }
        return new Slot(name, dtype, shape, begin, end);
    }

    static long[] readShape(Path file, String name, JsonNode node) throws CheckpointException {
        if (node == null || !node.isArray()) {
            throw CheckpointException.inTensor(file, name, "missing or non-array shape");
        }
        long[] shape = new long[node.size()];
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = node.get(i);
            if (!Json.isLong(d)) {
                throw CheckpointException.inTensor(file, name, "shape " + node + " has a non-integer dimension");
            }
            if (d.longValue() < 0) {
                throw CheckpointException.inTensor(file, name, "shape " + node + " has a negative dimension");
            }
            shape[i] = d.longValue();
        }
        return shape;
    }

    private static void checkNoOverlap(Path file, List<Slot> slots) throws CheckpointException {
        List<Slot> sorted = new ArrayList<>();
        for (Slot s : slots) {
            if (s.end > s.begin) { // empty tensors occupy no bytes and cannot overlap anything
                sorted.add(s);
            }
        }
        sorted.sort(Comparator.comparingLong(Slot::begin));
        for (int i = 1; i < sorted.size(); i++) {
            Slot prev = sorted.get(i - 1);
            Slot cur = sorted.get(i);
            if (cur.begin < prev.end) {
                throw CheckpointException.inTensor(file, cur.name, "data_offsets [" + cur.begin + ", " + cur.end
                        + "] overlap tensor " + prev.name + " [" + prev.begin + ", " + prev.end + "]");
            }
        }
    }

    @Override
    public Path path() {
        return path;
    }

    /** The optional {@code __metadata__} string map (empty when absent). */
    public Map<String, String> metadata() {
        return metadata;
    }

    @Override
    public SequencedMap<String, Tensor> tensors() {
        return tensors;
    }
}
