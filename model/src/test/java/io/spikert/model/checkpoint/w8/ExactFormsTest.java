package io.spikert.model.checkpoint.w8;

import io.spikert.runtime.DType;
import io.spikert.runtime.Tensor;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

class ExactFormsTest {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private static Tensor f32(Arena arena, float[] v, long... shape) {
        MemorySegment seg = arena.allocate(4L * v.length, 64);
        for (int i = 0; i < v.length; i++) {
            seg.setAtIndex(F32, i, v[i]);
        }
        return new Tensor("t", DType.F32, shape, seg);
    }

    private static float bf16Value(float v) {
        return Float.intBitsToFloat(Float.floatToRawIntBits(v) & 0xFFFF0000);
    }

    @Test
    void bf16ExactOnlyWhenEveryLowHalfIsZero() {
        var rnd = new Random(1);
        try (Arena arena = Arena.ofConfined()) {
            for (int n : new int[] {1, 2, 7, 64, 1001}) {
                float[] v = new float[n];
                for (int i = 0; i < n; i++) {
                    v[i] = bf16Value((float) rnd.nextGaussian());
                }
                Tensor exact = f32(arena, v, n);
                assertTrue(ExactForms.bf16Exact(exact), "n=" + n);
                Tensor bf16 = ExactForms.toBf16(arena, exact);
                assertEquals(DType.BF16, bf16.dtype());
                for (int i = 0; i < n; i++) {
                    assertEquals(Float.floatToRawIntBits(v[i]), Float.floatToRawIntBits(bf16.getFloat(i)), "element " + i);
                }
                // one low bit anywhere, including the last (odd) element, breaks exactness
                for (int at : new int[] {0, n / 2, n - 1}) {
                    float[] w = v.clone();
                    w[at] = Float.intBitsToFloat(Float.floatToRawIntBits(w[at]) | 1);
                    Tensor inexact = f32(arena, w, n);
                    assertFalse(ExactForms.bf16Exact(inexact), "n=" + n + " at " + at);
                    assertThrows(IllegalArgumentException.class, () -> ExactForms.toBf16(arena, inexact));
                }
            }
        }
    }

    @Test
    void codesExactOnlyWhenEveryWeightIsCodeTimesScale() {
        int rows = 3;
        int cols = 256;
        float[] scales = {0.01f, 0.02f, 0.003f, 0.5f, 1e-4f, 0.07f};
        var rnd = new Random(2);
        float[] w = new float[rows * cols];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                int code = rnd.nextInt(401) - 200; // beyond int8, as the published codes go
                w[r * cols + c] = code * scales[r * 2 + c / 128];
            }
        }
        try (Arena arena = Arena.ofConfined()) {
            assertTrue(ExactForms.codesExact(f32(arena, w, rows, cols), rows, cols, scales));
            float[] off = w.clone();
            off[cols + 200] = Math.nextUp(off[cols + 200] == 0 ? 1f : off[cols + 200]);
            assertFalse(ExactForms.codesExact(f32(arena, off, rows, cols), rows, cols, scales));
            float[] huge = w.clone();
            huge[5] = 40_000 * scales[0]; // a code beyond int16 cannot be packed
            assertFalse(ExactForms.codesExact(f32(arena, huge, rows, cols), rows, cols, scales));
            assertFalse(ExactForms.codesExact(f32(arena, w, rows, cols), rows, cols, new float[] {1f}), "wrong scale count");
        }
    }
}
