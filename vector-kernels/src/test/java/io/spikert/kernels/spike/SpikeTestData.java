package io.spikert.kernels.spike;

import static org.junit.jupiter.api.Assertions.fail;

import java.lang.foreign.Arena;
import java.util.Random;
import java.util.SplittableRandom;

/** Weights with out-of-range codes, realistic spike counts and the float fake-quant reference. */
final class SpikeTestData {
    private SpikeTestData() {}

    /**
     * Codes uniform in [-127, 127] with {@code outliers} of them (a count, not a share) out to +-300, and arbitrary
     * FP32 scales in [1e-4, 0.02) (their products with codes need all of FP32's bits).
     */
    static Int8Weights codesWithOutliers(Arena arena, int rows, int cols, int outliers, int maxBlockRows, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int[] codes = new int[rows * cols];
        for (int i = 0; i < codes.length; i++) {
            codes[i] = r.nextInt(-127, 128);
        }
        for (int k = 0; k < outliers; k++) {
            codes[r.nextInt(codes.length)] = r.nextBoolean() ? r.nextInt(128, 300) : -r.nextInt(128, 300);
        }
        float[] scales = new float[rows * (cols / Int8Weights.GROUP)];
        for (int i = 0; i < scales.length; i++) {
            scales[i] = (float) (r.nextDouble() * 0.02 + 1e-4);
        }
        return Int8Weights.fromCodes(arena, codes, rows, cols, scales, maxBlockRows);
    }

    /** Per-group scales around 0.01. */
    static float[] scales(Random rnd, int rows, int cols) {
        float[] s = new float[rows * (cols / Int8Weights.GROUP)];
        for (int i = 0; i < s.length; i++) {
            s[i] = (float) (0.005 + 0.01 * rnd.nextDouble());
        }
        return s;
    }

    /**
     * Float weights whose codes rint(W/s) mostly lie in [-127, 127] but with a share {@code outliers}
     * reaching out to +-200, as in the published checkpoint.
     */
    static float[] weights(Random rnd, int rows, int cols, float[] scales, double outliers) {
        int groups = cols / Int8Weights.GROUP;
        float[] w = new float[rows * cols];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                double code = rnd.nextDouble() < outliers
                        ? (128 + rnd.nextDouble() * 72.4) * (rnd.nextBoolean() ? 1 : -1)
                        : (rnd.nextDouble() * 2 - 1) * 127.4;
                w[r * cols + c] = (float) (code * scales[r * groups + c / Int8Weights.GROUP]);
            }
        }
        return w;
    }

    /**
     * Counts with a share {@code silent} of zeros; the rest mostly 1..7 (93%), some 8..16 (6%), a few
     * 17..64 (1%), random sign: at 18.4% silent that puts 94% of |s| in [0, 7] and about 1% above 16.
     */
    static int[] counts(Random rnd, int n, double silent) {
        int[] c = new int[n];
        for (int i = 0; i < n; i++) {
            if (rnd.nextDouble() < silent) {
                continue;
            }
            double u = rnd.nextDouble();
            int m = u < 0.93 ? 1 + rnd.nextInt(7) : u < 0.99 ? 8 + rnd.nextInt(9) : 17 + rnd.nextInt(48);
            c[i] = rnd.nextBoolean() ? m : -m;
        }
        return c;
    }

    /**
     * The reference: y[r] = sum_i vth * s_i * W'[r,i] with W' = rint(W/s) * s in float (the weight
     * the fp32 model uses), summed in double. Also returns the magnitudes sum |...| in mag.
     */
    static float[] fakeQuant(float[] w, float[] scales, int rows, int cols, int[] counts, int cOff, float vth, float[] mag) {
        int groups = cols / Int8Weights.GROUP;
        float[] y = new float[rows];
        for (int r = 0; r < rows; r++) {
            double sum = 0;
            double m = 0;
            for (int i = 0; i < cols; i++) {
                float s = scales[r * groups + i / Int8Weights.GROUP];
                float used = (float) Math.rint(w[r * cols + i] / s) * s;
                double term = (double) vth * counts[cOff + i] * used;
                sum += term;
                m += Math.abs(term);
            }
            y[r] = (float) sum;
            mag[r] = (float) m;
        }
        return y;
    }

    /** |actual[off + r] - expected[r]| <= rel * mag[r] + abs for r in [from, to). */
    static void assertClose(String what, float[] expected, float[] actual, int off, float[] mag, int from, int to, double rel, double abs) {
        for (int r = from; r < to; r++) {
            double bound = rel * mag[r] + abs;
            if (!(Math.abs(actual[off + r] - expected[r]) <= bound)) {
                fail(what + ": row " + r + " expected " + expected[r] + " got " + actual[off + r] + " (bound " + bound + ")");
            }
        }
    }
}
