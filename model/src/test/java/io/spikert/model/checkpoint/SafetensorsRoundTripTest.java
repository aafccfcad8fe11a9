package io.spikert.model.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.spikert.runtime.DType;
import io.spikert.runtime.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SafetensorsRoundTripTest {
    @TempDir
    Path dir;

    static final float[] F32_VALUES = {1.5f, -2.25f, 0f, 3.0e-3f, 65504f, -1e20f};
    // bf16 keeps the top 16 bits of an f32; these values are exactly representable, so the bits are known by hand.
    static final short[] BF16_BITS = {(short) 0x3FC0, (short) 0xC010, 0x0000, (short) 0x4049};
    static final float[] BF16_VALUES = {1.5f, -2.25f, 0f, 3.140625f};
    static final float[] F16_VALUES = {0.5f, -1.75f, 1024f, 6.103515625e-5f};
    static final short[] F16_BITS = {0x3800, (short) 0xBF00, 0x6400, 0x0400};
    static final byte[] I8_VALUES = {-128, -1, 0, 1, 127, 42};

    static MemorySegment f32(float[] v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) {
            b.putFloat(f);
        }
        return MemorySegment.ofArray(b.array());
    }

    static MemorySegment i16(short[] v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (short s : v) {
            b.putShort(s);
        }
        return MemorySegment.ofArray(b.array());
    }

    static Path writeSample(Path file) throws IOException {
        new SafetensorsWriter()
                .putMetadata("format", "pt")
                .add("model.f32", DType.F32, new long[]{2, 3}, f32(F32_VALUES))
                .add("model.bf16", DType.BF16, new long[]{4}, i16(BF16_BITS))
                .add("model.f16", DType.F16, new long[]{2, 2}, i16(F16_BITS))
                .add("model.i8", DType.I8, new long[]{3, 2}, MemorySegment.ofArray(I8_VALUES.clone()))
                .add("model.scalar", DType.F32, new long[]{}, f32(new float[]{7f}))
                .add("model.empty", DType.F32, new long[]{0, 5}, MemorySegment.ofArray(new byte[0]))
                .write(file);
        return file;
    }

    @Test
    void valuesSurviveWriteAndMappedRead() throws Exception {
        Path file = writeSample(dir.resolve("model.safetensors"));
        try (Arena arena = Arena.ofConfined()) {
            SafetensorsFile st = SafetensorsFile.open(file, arena);
            assertEquals(Map.of("format", "pt"), st.metadata());
            assertEquals(List.of("model.f32", "model.bf16", "model.f16", "model.i8", "model.scalar", "model.empty"),
                    List.copyOf(st.names()));

            Tensor f = st.tensor("model.f32");
            assertEquals(DType.F32, f.dtype());
            assertArrayEquals(new long[]{2, 3}, f.shape());
            assertArrayEquals(F32_VALUES, f.toFloatArray());
            assertTrue(f.data().isMapped(), "tensor data should be a slice of the file mapping");
            assertTrue(f.data().isReadOnly());

            assertArrayEquals(BF16_VALUES, st.tensor("model.bf16").toFloatArray());
            assertArrayEquals(F16_VALUES, st.tensor("model.f16").toFloatArray());
            float[] i8 = st.tensor("model.i8").toFloatArray();
            for (int i = 0; i < I8_VALUES.length; i++) {
                assertEquals(I8_VALUES[i], i8[i]);
            }
            assertEquals(7f, st.tensor("model.scalar").getFloat(0));
            assertEquals(0, st.tensor("model.empty").byteSize());
        }
    }

    @Test
    void headerFollowsTheStandardLayout() throws Exception {
        Path file = writeSample(dir.resolve("model.safetensors"));
        byte[] bytes = Files.readAllBytes(file);
        long n = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        assertEquals(0, n % 8, "header length must be a multiple of 8");
        String header = new String(bytes, 8, (int) n, java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(header.startsWith("{"));
        JsonNode root = new ObjectMapper().readTree(header.strip());
        assertEquals("pt", root.get("__metadata__").get("format").textValue());
        JsonNode f32 = root.get("model.f32");
        assertEquals("F32", f32.get("dtype").textValue());
        assertEquals("[2,3]", f32.get("shape").toString());
        assertEquals("[0,24]", f32.get("data_offsets").toString());
        assertEquals("[24,32]", root.get("model.bf16").get("data_offsets").toString());
        // Data section holds the raw little-endian bytes right after the padded header.
        assertEquals(Float.floatToRawIntBits(1.5f),
                ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getInt(8 + (int) n));
        long dataEnd = root.get("model.empty").get("data_offsets").get(1).longValue();
        assertEquals(bytes.length, 8 + n + dataEnd);
    }

    @Test
    void streamingSourceWritesInChunks() throws Exception {
        Path file = dir.resolve("model.safetensors");
        int rows = 64;
        int cols = 1000;
        new SafetensorsWriter().add("big", DType.F32, new long[]{rows, cols}, out -> {
            ByteBuffer row = ByteBuffer.allocate(cols * 4).order(ByteOrder.LITTLE_ENDIAN);
            for (int r = 0; r < rows; r++) {
                row.clear();
                for (int c = 0; c < cols; c++) {
                    row.putFloat(r * 1000f + c);
                }
                row.flip();
                while (row.hasRemaining()) {
                    out.write(row);
                }
            }
        }).write(file);
        try (Checkpoint ckpt = Checkpoints.open(dir)) {
            Tensor t = ckpt.tensor("big");
            assertEquals(63 * 1000f + 999, t.getFloat(63L * cols + 999));
            assertEquals(5 * 1000f + 17, t.data().getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, 5L * cols + 17));
            assertEquals("safetensors", ckpt.format());
            assertEquals(rows * cols * 4L, ckpt.totalBytes());
            assertEquals(file, ckpt.fileOf("big"));
        }
    }

    @Test
    void sourceWritingTheWrongByteCountIsRejected() {
        Path file = dir.resolve("short.safetensors");
        IOException tooFew = assertThrows(IOException.class, () -> new SafetensorsWriter()
                .add("w", DType.F32, new long[]{4}, out -> out.write(ByteBuffer.allocate(12))).write(file));
        assertTrue(tooFew.getMessage().contains("w") && tooFew.getMessage().contains("16"), tooFew.getMessage());
        IOException tooMany = assertThrows(IOException.class, () -> new SafetensorsWriter()
                .add("w", DType.F32, new long[]{2}, out -> out.write(ByteBuffer.allocate(12))).write(file));
        assertTrue(tooMany.getMessage().contains("more than"), tooMany.getMessage());
    }

    @Test
    void writerRejectsDuplicateNamesAndWrongSizes() {
        SafetensorsWriter w = new SafetensorsWriter().add("a", DType.F32, new long[]{1}, f32(new float[]{1}));
        assertThrows(IllegalArgumentException.class, () -> w.add("a", DType.F32, new long[]{1}, f32(new float[]{1})));
        assertThrows(IllegalArgumentException.class, () -> w.add("b", DType.F32, new long[]{2}, f32(new float[]{1})));
        assertThrows(IllegalArgumentException.class, () -> w.add("__metadata__", DType.F32, new long[]{1}, f32(new float[]{1})));
    }
}
