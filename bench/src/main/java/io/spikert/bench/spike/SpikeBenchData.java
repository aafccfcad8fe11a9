package io.spikert.bench.spike;

import io.spikert.kernels.spike.Int8Weights;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.SplittableRandom;

/** Inputs of the spiking benchmarks: INT8 weights with outliers, BF16 weights, realistic spike counts. */
final class SpikeBenchData {
    private SpikeBenchData() {}

    /**
     * Codes uniform in [-127, 127] with a share {@code outliers} out to +-200 (about 1% in the published
     * checkpoint), scales around 0.01.
     */
    static Int8Weights int8(Arena arena, int rows, int cols, double outliers, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        int[] codes = new int[Math.multiplyExact(rows, cols)];
        for (int i = 0; i < codes.length; i++) {
            codes[i] = rnd.nextDouble() < outliers
                    ? (128 + rnd.nextInt(73)) * (rnd.nextBoolean() ? 1 : -1)
                    : rnd.nextInt(255) - 127;
        }
        float[] scales = new float[rows * (cols / Int8Weights.GROUP)];
        for (int i = 0; i < scales.length; i++) {
            scales[i] = (float) (0.005 + 0.01 * rnd.nextDouble());
        }
        return Int8Weights.fromCodes(arena, codes, rows, cols, scales);
    }

    /** A 64-byte aligned rows x cols BF16 matrix of random weights. */
    static MemorySegment bf16(Arena arena, int rows, int cols, long seed) {
        long n = (long) rows * cols;
        MemorySegment w = arena.allocate(n * 2, 64);
        SplittableRandom rnd = new SplittableRandom(seed);
        ValueLayout.OfShort bf16 = ValueLayout.JAVA_SHORT.withOrder(ByteOrder.LITTLE_ENDIAN);
        for (long i = 0; i < n; i++) {
            float v = (float) (rnd.nextDouble() * 2 - 1) * 0.05f;
            w.setAtIndex(bf16, i, (short) (Float.floatToRawIntBits(v) >>> 16));
        }
        return w;
    }

    /**
     * Spike counts with exactly round(silent * n) zeros at random channels; the others are mostly 1..7
     * (93%), some 8..16 (6%), a few 17..64 (1%), random sign. At the report's 18.4% silent this gives
     * 94% of |s| in [0, 7] and about 1% above 16 (MODEL.md section 4).
     */
    static int[] counts(int n, double silent, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        int[] c = new int[n];
        for (int i = 0; i < n; i++) {
            double u = rnd.nextDouble();
            int m = u < 0.93 ? 1 + rnd.nextInt(7) : u < 0.99 ? 8 + rnd.nextInt(9) : 17 + rnd.nextInt(48);
            c[i] = rnd.nextBoolean() ? m : -m;
        }
        // Silence an exact number of channels, chosen by a partial Fisher-Yates shuffle.
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        int zeros = (int) Math.round(silent * n);
        for (int i = 0; i < zeros; i++) {
            int j = i + rnd.nextInt(n - i);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
            c[order[i]] = 0;
        }
        return c;
    }

    static float[] randoms(int n, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (rnd.nextDouble() * 2 - 1);
        }
        return a;
    }
}
