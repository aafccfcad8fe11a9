package io.spikert.kernels.spike;

import io.spikert.kernels.Bf16;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The BF16 parts of the float-input product's weight, checked element by element against the codes and scales as
 * Int8Weights reports them (code(r, c), outliers included, times scale(r, c / 128), rounded once to FP32).
 */
class ScaledCodePartsTest {
    private static Int8Weights weights(Arena arena, int rows, int cols, int maxBlockRows, long seed) {
        return SpikeTestData.codesWithOutliers(arena, rows, cols, rows * cols / 50, maxBlockRows, seed);
    }

    @Test
    void threePartsSumToCodeTimesScaleOverSlicesOfEveryBlock() {
        int rows = 700, cols = 384;
        try (Arena arena = Arena.ofConfined()) {
            Int8Weights w = weights(arena, rows, cols, 2 * Int8Weights.TILE, 3);
            assertTrue(w.outlierCount() > 0 && w.blockRows() < rows, "outliers and several blocks");
            int maxRows = 2 * ScaledCodeParts.rowQuantum();
            int slices = 0;
            for (int r0 = 0; r0 < rows; ) {
                int r1 = ScaledCodeParts.sliceEnd(w, r0, maxRows);
                assertTrue(r1 > r0 && r1 - r0 <= maxRows && (r1 - 1) / w.blockRows() == r0 / w.blockRows(),
                        "slice [" + r0 + ", " + r1 + ") in one block");
                int n = r1 - r0;
                long stride = (long) cols * n + 5; // parts need not be adjacent
                MemorySegment out = arena.allocate(2 * (2 * stride + (long) cols * n));
                // two column ranges, as two threads would write them
                ScaledCodeParts.store(w, r0, r1, 0, 200, 3, out, stride);
                ScaledCodeParts.store(w, r0, r1, 200, cols, 3, out, stride);
                for (int c = 0; c < cols; c++) {
                    for (int r = r0; r < r1; r++) {
                        long at = (long) c * n + (r - r0);
                        double sum = 0;
                        for (int p = 0; p < 3; p++) {
                            sum += Bf16.value(out.getAtIndex(ValueLayout.JAVA_SHORT, p * stride + at));
                        }
                        float expected = r < rows ? (float) w.code(r, c) * w.scale(r, c / Int8Weights.GROUP) : 0f;
                        assertEquals(expected, sum, 0.0, "w'(" + r + ", " + c + ")");
                    }
                }
                slices++;
                r0 = r1;
            }
            assertTrue(slices > 3, slices + " slices");
        }
    }

    @Test
    void twoPartsAreTheLeadingTwo() {
        try (Arena arena = Arena.ofConfined()) {
            Int8Weights w = weights(arena, 64, 256, Int8Weights.DEFAULT_MAX_BLOCK_ROWS, 4);
            int r1 = ScaledCodeParts.sliceEnd(w, 0, 4096);
            int n = r1;
            long stride = (long) 256 * n;
            MemorySegment three = arena.allocate(6 * stride);
            MemorySegment two = arena.allocate(4 * stride);
            ScaledCodeParts.store(w, 0, r1, 0, 256, 3, three, stride);
            ScaledCodeParts.store(w, 0, r1, 0, 256, 2, two, stride);
            assertEquals(-1, MemorySegment.mismatch(three, 0, 4 * stride, two, 0, 4 * stride), "hi and mid as with three parts");
        }
    }

    @Test
    void badSlicesAndBuffersAreRefusedNamingTheProblem() {
        try (Arena arena = Arena.ofConfined()) {
            Int8Weights w = weights(arena, 300, 128, Int8Weights.TILE, 5);
            int q = ScaledCodeParts.rowQuantum();
            MemorySegment out = arena.allocate(1 << 20);
            var across = assertThrows(IllegalArgumentException.class,
                    () -> ScaledCodeParts.store(w, w.blockRows() - q, w.blockRows() + q, 0, 128, 3, out, 128L * 2 * q));
            assertTrue(across.getMessage().contains("one block"), across.getMessage());
            var small = assertThrows(IllegalArgumentException.class,
                    () -> ScaledCodeParts.store(w, 0, q, 0, 128, 3, arena.allocate(100), 128L * q));
            assertTrue(small.getMessage().contains("do not fit"), small.getMessage());
            assertThrows(IllegalArgumentException.class, () -> ScaledCodeParts.store(w, 0, q, 0, 128, 4, out, 128L * q));
            assertThrows(IllegalArgumentException.class, () -> ScaledCodeParts.sliceEnd(w, 0, q + 1));
            assertThrows(IndexOutOfBoundsException.class, () -> ScaledCodeParts.sliceEnd(w, 300, q));
        }
    }
}
