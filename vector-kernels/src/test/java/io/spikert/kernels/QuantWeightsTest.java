package io.spikert.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

class QuantWeightsTest {

    /** Random weights with some groups all zero, one group of equal magnitudes of both signs, and a wide spread. */
    private static float[] weights(Random rnd, int rows, int cols) {
        float[] w = new float[rows * cols];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (rnd.nextGaussian() * Math.pow(10, rnd.nextInt(3) - 2));
        }
        if (rows > 1 && cols >= 64) {
            java.util.Arrays.fill(w, cols + 32, cols + 64, 0f);
        }
        if (cols >= 32) {
            for (int j = 0; j < 32; j++) {
                w[j] = j % 2 == 0 ? 0.75f : -0.75f;
            }
        }
        return w;
    }

    private static float[] bf16Values(float[] w) {
        float[] b = new float[w.length];
        for (int i = 0; i < w.length; i++) {
            b[i] = Float.intBitsToFloat(Float.floatToRawIntBits(w[i]) & 0xFFFF0000);
        }
        return b;
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(QuantFormat.class)
    void codesAndScalesFollowTheDefinition(QuantFormat f) {
        Random rnd = new Random(7);
        int rows = 5, cols = 96;
        float[] w = weights(rnd, rows, cols);
        try (Arena arena = Arena.ofConfined()) {
            for (int bytes : new int[] {4, 2}) {
                float[] values = bytes == 4 ? w : bf16Values(w);
                QuantWeights q = QuantWeights.quantize(arena, TestData.weights(arena, w, bytes, 3), bytes == 2, rows, cols, f);
                QuantScalar.Quantized ref = QuantScalar.quantize(values, rows, cols, f);
                for (int r = 0; r < rows; r++) {
                    for (int g = 0; g < cols / 32; g++) {
                        assertEquals(ref.scales()[r][g], q.scale(r, g), f + " scale of row " + r + " group " + g);
                    }
                    for (int c = 0; c < cols; c++) {
                        assertEquals(ref.codes()[r][c], q.code(r, c), f + " code at " + r + "," + c);
                        assertEquals(ref.codes()[r][c] * ref.scales()[r][c / 32], q.weight(r, c));
                    }
                }
                assertEquals(f.bytes(rows, cols), q.byteSize());
            }
        }
    }

    @Test
    void handValues() {
        // one group: -16, -15, ..., 15. Q4: the extreme is -16, scale 2, codes rint(w / 2) with 15 / 2 = 7.5 -> 8 -> 7;
        // Q8: scale 16 / 127
        float[] w = new float[32];
        for (int j = 0; j < 32; j++) {
            w[j] = j - 16;
        }
        try (Arena arena = Arena.ofConfined()) {
            QuantWeights q4 = QuantWeights.quantize(arena, TestData.weights(arena, w, 4, 0), false, 1, 32, QuantFormat.Q4);
            assertEquals(2f, q4.scale(0, 0));
            assertEquals(-16f, q4.weight(0, 0));
            assertEquals(14f, q4.weight(0, 31)); // 15 -> 7.5 -> 8, clamped to 7
            assertEquals(0f, q4.weight(0, 17)); // 1 -> 0.5 -> 0 (ties to even)
            assertEquals(4f, q4.weight(0, 19)); // 3 -> 1.5 -> 2
            // the nibbles, two's complement: byte 0 holds code(0) = -8 low and code(16) = 0 high; byte 15 code(15) = -0.5
            // -> 0 low and code(31) = 7 high; byte 3 code(3) = rint(-6.5) = -6 low and code(19) = 2 high
            assertEquals(0x08, q4.codes().get(ValueLayout.JAVA_BYTE, 0) & 0xFF);
            assertEquals(0x70, q4.codes().get(ValueLayout.JAVA_BYTE, 15) & 0xFF);
            assertEquals(0x2A, q4.codes().get(ValueLayout.JAVA_BYTE, 3) & 0xFF);
            QuantWeights q8 = QuantWeights.quantize(arena, TestData.weights(arena, w, 4, 0), false, 1, 32, QuantFormat.Q8);
            assertEquals(16f / 127f, q8.scale(0, 0));
            assertEquals(-127, q8.code(0, 0));
            assertEquals(119, q8.code(0, 31)); // 15 * 127 / 16 = 119.06
        }
    }

    @Test
    void refusesNonFiniteWeightsAndPartialGroups() {
        float[] w = new float[64];
        w[40] = Float.NaN;
        try (Arena arena = Arena.ofConfined()) {
            var e = assertThrows(IllegalArgumentException.class,
                    () -> QuantWeights.quantize(arena, TestData.weights(arena, w, 4, 0), false, 2, 32, QuantFormat.Q8));
            assertTrue(e.getMessage().contains("row 1, column 8"), e.getMessage());
            var p = assertThrows(IllegalArgumentException.class,
                    () -> QuantWeights.quantize(arena, TestData.weights(arena, new float[48], 4, 0), false, 1, 48, QuantFormat.Q4));
            assertTrue(p.getMessage().contains("multiple of 32"), p.getMessage());
        }
    }

    @ParameterizedTest(name = "{0} rows={1} cols={2} range=[{3},{4})")
    @CsvSource({
            "Q8, 1, 32, 0, 1", "Q4, 1, 32, 0, 1",
            "Q8, 7, 64, 0, 7", "Q4, 7, 64, 1, 6",
            "Q8, 13, 160, 2, 13", "Q4, 13, 160, 0, 13",
            "Q8, 9, 1024, 0, 9", "Q4, 9, 1024, 3, 8",
    })
    void productsEqualF32KernelsOnTheDequantisedMatrix(QuantFormat f, int rows, int cols, int r0, int r1) {
        Random rnd = new Random(rows * 31L + cols);
        float[] w = weights(rnd, rows, cols);
        float[] deq = QuantScalar.quantize(w, rows, cols, f).dequantized();
        try (Arena arena = Arena.ofConfined()) {
            QuantWeights q = QuantWeights.quantize(arena, TestData.weights(arena, w, 4, 1), false, rows, cols, f);
            MemorySegment ref = TestData.weights(arena, deq, 4, 0);
            int xOff = 3, yOff = 2;
            float[] x = TestData.randoms(rnd, xOff + cols);
            float[] expected = TestData.filled(yOff + rows + 1, Float.NaN);
            float[] actual = TestData.filled(yOff + rows + 1, Float.NaN);
            float[] scalarPath = TestData.filled(yOff + rows + 1, Float.NaN);
            MatVec.f32(ref, cols, x, xOff, expected, yOff, r0, r1);
            QuantMatVec.multiply(q, x, xOff, actual, yOff, r0, r1);
            QuantMatVec.viaF32(q, x, xOff, scalarPath, yOff, r0, r1);
            assertArrayEquals(expected, actual, f + " decode product");
            assertArrayEquals(expected, scalarPath, f + " decode product through the F32 kernel");

            for (int tokens : new int[] {1, 5, 17, 40, 70}) {
                float[] xs = TestData.randoms(rnd, xOff + tokens * cols);
                int ldy = rows + 1;
                float[] e = TestData.filled(yOff + tokens * ldy, Float.NaN);
                float[] a = TestData.filled(yOff + tokens * ldy, Float.NaN);
                MatMul.f32(ref, cols, xs, xOff, cols, tokens, e, yOff, ldy, r0, r1);
                MatMul.quantized(q, xs, xOff, cols, tokens, a, yOff, ldy, r0, r1);
                assertArrayEquals(e, a, f + " prefill product, " + tokens + " tokens");
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(QuantFormat.class)
    void dequantizeGivesTheWeights(QuantFormat f) {
        Random rnd = new Random(3);
        int rows = 3, cols = 128;
        float[] w = weights(rnd, rows, cols);
        try (Arena arena = Arena.ofConfined()) {
            QuantWeights q = QuantWeights.quantize(arena, TestData.weights(arena, w, 4, 0), false, rows, cols, f);
            float[] d = TestData.filled(70, Float.NaN);
            q.dequantize(2, 32, 64, d, 5);
            for (int i = 0; i < 64; i++) {
                assertEquals(q.weight(2, 32 + i), d[5 + i], "column " + (32 + i));
            }
            assertTrue(Float.isNaN(d[4]) && Float.isNaN(d[69]), "dequantize wrote outside its range");
            assertThrows(IllegalArgumentException.class, () -> q.dequantize(0, 16, 32, d, 0));
        }
    }
}
