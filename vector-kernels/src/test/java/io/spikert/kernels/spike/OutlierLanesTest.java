package io.spikert.kernels.spike;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The outlier corrections with tokens as lanes against the per-token loop they replace
 * ({@link Int8Weights#addOutliers(int[], int, float, float[], int, int, int)}), bit for bit: a token count that is not
 * a whole number of lanes, a row range in the middle of the matrix, silent columns over -0.0 outputs (which must stay
 * -0.0), and one output that is NaN.
 */
class OutlierLanesTest {
    @Test
    void theSameBitsAsThePerTokenLoop() {
        int rows = 300, cols = 512, tokens = 2 * FloatLanes.L + 3;
        SplittableRandom r = new SplittableRandom(31);
        try (Arena arena = Arena.ofConfined()) {
            Int8Weights w = SpikeTestData.codesWithOutliers(arena, rows, cols, rows * cols / 40, Int8Weights.DEFAULT_MAX_BLOCK_ROWS, 31);
            assertTrue(w.outlierCount() > 1000, w.outlierCount() + " outliers");
            int cOff = 5;
            int[] counts = new int[cOff + tokens * cols];
            for (int i = cOff; i < counts.length; i++) {
                counts[i] = r.nextDouble() < 0.4 ? 0 : r.nextInt(-20, 21); // silent on different columns per token
            }
            float[] vth = new float[tokens];
            for (int t = 0; t < tokens; t++) {
                vth[t] = 0.01f + (float) r.nextDouble();
            }
            int yOff = 3;
            float[] start = new float[yOff + tokens * rows + 2];
            for (int i = 0; i < start.length; i++) {
                start[i] = r.nextInt(10) == 0 ? -0.0f : (float) r.nextGaussian();
            }
            start[yOff + 5 * rows + 150] = Float.NaN;
            for (int[] range : new int[][] {{0, rows}, {Int8Weights.TILE, 2 * Int8Weights.TILE}}) {
                float[] expected = start.clone();
                float[] actual = start.clone();
                for (int t = 0; t < tokens; t++) {
                    w.addOutliers(counts, cOff + t * cols, vth[t], expected, yOff + t * rows, range[0], range[1]);
                }
                GroupSumProduct.addOutliers(w, counts, cOff, vth, tokens, actual, yOff, range[0], range[1]);
                assertFalse(Arrays.equals(start, expected), "the corrections change the outputs");
                for (int i = 0; i < start.length; i++) {
                    assertEquals(Float.floatToRawIntBits(expected[i]), Float.floatToRawIntBits(actual[i]),
                            "rows " + Arrays.toString(range) + ", y[" + i + "]: " + expected[i] + " vs " + actual[i]);
                }
            }
        }
    }

    /** The lane count of the kernel's vectors. */
    private static final class FloatLanes {
        static final int L = jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.length();
    }
}
