package io.spikert.kernels.spike;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class Int8WeightsTest {

    @Test
    void codesAreUnclampedRintOfWeightOverScale() {
        Random rnd = new Random(3);
        int rows = 37;
        int cols = 256;
        float[] scales = SpikeTestData.scales(rnd, rows, cols);
        float[] w = SpikeTestData.weights(rnd, rows, cols, scales, 0.03);
        // Exact ties and the extremes: 2.5 -> 2, -3.5 -> -4, +-200.
        w[0] = 2.5f * scales[0];
        w[1] = -3.5f * scales[0];
        w[2] = 200f * scales[0];
        w[3] = -200f * scales[0];
        try (Arena arena = Arena.ofConfined()) {
            Int8Weights q = Int8Weights.quantize(arena, w, rows, cols, scales);
            int outliers = 0;
            int maxAbs = 0;
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < cols; c++) {
                    float s = scales[r * 2 + c / 128];
                    int expected = (int) Math.rint(w[r * cols + c] / s);
                    assertEquals(expected, q.code(r, c), "code " + r + "," + c);
                    assertEquals(Math.max(-127, Math.min(127, expected)), q.int8Code(r, c), "int8 code " + r + "," + c);
                    outliers += Math.abs(expected) > 127 ? 1 : 0;
                    maxAbs = Math.max(maxAbs, Math.abs(expected));
                }
            }
            assertEquals(2, q.code(0, 0));
            assertEquals(-4, q.code(0, 1));
            assertEquals(200, q.code(0, 2));
            assertEquals(-200, q.code(0, 3));
            assertEquals(outliers, q.outlierCount());
            assertTrue(outliers > 100, "test data must have outliers, has " + outliers);
            assertEquals(200, maxAbs);
            assertEquals(maxAbs, q.maxAbsCode());
            assertEquals(scales[5], q.scale(2, 1));
            // One resident copy: the padded tiles (one byte per code), scales by group, 12 bytes per outlier, the column index.
            int rowsPadded = (rows + Int8Weights.TILE - 1) / Int8Weights.TILE * Int8Weights.TILE;
            long expectedBytes = (long) rowsPadded * cols + 4L * rowsPadded * (cols / 128) + 12L * outliers + 4L * (cols + 1);
            assertEquals(expectedBytes, q.residentBytes());
        }
    }

    @Test
    void everyBlockSizeHoldsTheSameCodesInOneCopy() {
        Random rnd = new Random(6);
        int rows = 300;
        int cols = 256;
        float[] scales = SpikeTestData.scales(rnd, rows, cols);
        int[] codes = new int[rows * cols];
        for (int i = 0; i < codes.length; i++) {
            codes[i] = rnd.nextInt(401) - 200;
        }
        int tile = Int8Weights.TILE;
        try (Arena arena = Arena.ofConfined()) {
            Int8Weights whole = Int8Weights.fromCodes(arena, codes, rows, cols, scales);
            assertEquals((rows + tile - 1) / tile * tile, whole.blockRows(), "300 rows in one block, padded to whole TILEs");
            // Blocks of one TILE, and of two (the last block then is one TILE, the rows left).
            for (int max : new int[] {tile, 2 * tile}) {
                Int8Weights q = Int8Weights.fromCodes(arena, codes, rows, cols, scales, max);
                assertEquals(max, q.blockRows());
                assertEquals(whole.residentBytes(), q.residentBytes());
                for (int r = 0; r < rows; r++) {
                    for (int c = 0; c < cols; c++) {
                        assertEquals(codes[r * cols + c], q.code(r, c), "code " + r + "," + c + " with blocks of " + max);
                        assertEquals(Math.max(-127, Math.min(127, codes[r * cols + c])), q.int8Code(r, c));
                    }
                }
            }
            // The fewest blocks of at most the maximum, of equal whole TILEs: 5 TILEs in blocks of at most 4
            // -> 3 + 2, not 4 + 1.
            int big = 4 * tile + 1;
            float[] ones = new float[big];
            Arrays.fill(ones, 1f);
            Int8Weights split = Int8Weights.fromCodes(arena, new int[big * 128], big, 128, ones, 4 * tile);
            assertEquals(3 * tile, split.blockRows());
            // quantize takes the same bound; a bound that is not a whole number of TILEs is refused by name
            float[] w = new float[big * 128];
            Int8Weights quantized = Int8Weights.quantize(arena, MemorySegment.ofArray(w), big, 128, ones, 4 * tile);
            assertEquals(3 * tile, quantized.blockRows());
            for (int bad : new int[] {0, tile - 1, tile + 1}) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> Int8Weights.fromCodes(arena, new int[big * 128], big, 128, ones, bad));
                assertTrue(e.getMessage().contains("maxBlockRows") && e.getMessage().contains(": " + bad + " "), e.getMessage());
                e = assertThrows(IllegalArgumentException.class,
                        () -> Int8Weights.quantize(arena, MemorySegment.ofArray(w), big, 128, ones, bad));
                assertTrue(e.getMessage().contains("maxBlockRows"), e.getMessage());
            }
        }
    }

    @Test
    void residentCodesTakeAboutOneBytePerWeight() {
        // A whole number of tiles and 1% outliers, as in the published checkpoint: one copy of the codes, not two.
        Random rnd = new Random(5);
        int rows = 2 * Int8Weights.TILE;
        int cols = 1024;
        float[] scales = SpikeTestData.scales(rnd, rows, cols);
        float[] w = SpikeTestData.weights(rnd, rows, cols, scales, 0.01);
        try (Arena arena = Arena.ofConfined()) {
            Int8Weights q = Int8Weights.quantize(arena, w, rows, cols, scales);
            double perWeight = (double) q.residentBytes() / ((long) rows * cols);
            assertTrue(perWeight > 1.0 && perWeight < 1.2, "resident bytes per weight " + perWeight);
        }
    }

    @Test
    void littleEndianSegmentGivesTheSameCodes() {
        Random rnd = new Random(4);
        int rows = 5;
        int cols = 128;
        float[] scales = SpikeTestData.scales(rnd, rows, cols);
        float[] w = SpikeTestData.weights(rnd, rows, cols, scales, 0.05);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = arena.allocate(4L * w.length);
            for (int i = 0; i < w.length; i++) {
                seg.set(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 4L * i, w[i]);
            }
            Int8Weights a = Int8Weights.quantize(arena, w, rows, cols, scales);
            Int8Weights b = Int8Weights.quantize(arena, seg, rows, cols, scales);
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < cols; c++) {
                    assertEquals(a.code(r, c), b.code(r, c));
                }
            }
        }
    }

    @Test
    void rejectsBadShapesScalesAndCodes() {
        try (Arena arena = Arena.ofConfined()) {
            assertThrows(IllegalArgumentException.class, () -> Int8Weights.fromCodes(arena, new int[100], 1, 100, new float[1]));
            assertThrows(IllegalArgumentException.class, () -> Int8Weights.fromCodes(arena, new int[256], 1, 256, new float[1]));
            float[] zero = {1f, 0f};
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Int8Weights.fromCodes(arena, new int[256], 1, 256, zero));
            assertTrue(e.getMessage().contains("group 1"), e.getMessage());
            int[] codes = new int[128];
            codes[7] = 40000;
            e = assertThrows(IllegalArgumentException.class, () -> Int8Weights.fromCodes(arena, codes, 1, 128, new float[] {1f}));
            assertTrue(e.getMessage().contains("column 7"), e.getMessage());
            float[] w = new float[128];
            w[9] = 1e9f;
            assertThrows(IllegalArgumentException.class, () -> Int8Weights.quantize(arena, w, 1, 128, new float[] {1f}));
        }
    }
}
