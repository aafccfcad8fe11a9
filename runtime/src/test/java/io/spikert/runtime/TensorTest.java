package io.spikert.runtime;

import io.spikert.runtime.memory.NativeMemory;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import static org.junit.jupiter.api.Assertions.*;

class TensorTest {
    @Test
    void nativeMemoryIsAlignedZeroedAndOwnedByItsArena() {
        var arena = Arena.ofShared();
        var seg = NativeMemory.allocate(arena, 1000);
        assertEquals(0, seg.address() % 64);
        assertEquals(1000, seg.byteSize());
        for (long i = 0; i < 1000; i++) {
            assertEquals(0, seg.get(ValueLayout.JAVA_BYTE, i));
        }
        arena.close();
        assertThrows(IllegalStateException.class, () -> seg.get(ValueLayout.JAVA_BYTE, 0));
    }

    @Test
    void checksByteLengthAgainstShapeAndNamesTheTensor() {
        try (var arena = Arena.ofConfined()) {
            var e = assertThrows(IllegalArgumentException.class,
                    () -> new Tensor("w.weight", DType.BF16, new long[] {3, 4}, arena.allocate(23)));
            assertTrue(e.getMessage().contains("w.weight"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> new Tensor("n", DType.F32, new long[] {-1}, arena.allocate(0)));
            assertThrows(ArithmeticException.class, () -> Tensor.elementCount(new long[] {1L << 40, 1L << 40}));
        }
    }

    @Test
    void widensEveryFloatTypeAndCopiesRows() {
        try (var arena = Arena.ofConfined()) {
            float[] values = {1.5f, -2.25f, 0.0078125f, 256f, -0f, 7f};
            var le = ByteOrder.LITTLE_ENDIAN;
            var f32 = arena.allocate(24);
            var bf16 = arena.allocate(12);
            var f16 = arena.allocate(12);
            for (int i = 0; i < 6; i++) {
                f32.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(le), i, values[i]);
                bf16.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(le), i, (short) (Float.floatToRawIntBits(values[i]) >>> 16));
                f16.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(le), i, Float.floatToFloat16(values[i]));
            }
            for (var t : new Tensor[] {
                    new Tensor("a", DType.F32, new long[] {2, 3}, f32),
                    new Tensor("b", DType.BF16, new long[] {2, 3}, bf16),
                    new Tensor("c", DType.F16, new long[] {2, 3}, f16)}) {
                assertArrayEquals(values, t.toFloatArray(), 0f, t.name()); // all values are exact in every type
                float[] row = new float[5];
                Rows.copyRow(t, 1, row, 2);
                assertArrayEquals(new float[] {0, 0, 256f, -0f, 7f}, row, 0f);
                assertThrows(IndexOutOfBoundsException.class, () -> Rows.copyRow(t, 2, row, 0));
            }
            var i8 = arena.allocate(2);
            i8.set(ValueLayout.JAVA_BYTE, 0, (byte) -7);
            assertEquals(-7f, new Tensor("q", DType.I8, new long[] {2}, i8).getFloat(0));
        }
    }

    @Test
    void vectorApiIsPresentUnderTheTestFlags() {
        assertTrue(VectorApi.isAvailable());
        assertTrue(VectorApi.describe().contains("bit vectors"));
    }
}
