package io.spikert.kernels.spike;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class SpikeCountsTest {

    @Test
    void roundsHalfToEvenAtUnitThreshold() {
        float[] x = {2.5f, -2.5f, 3.5f, -0.5f, 1.5f, 1f, 0.49f};
        double sum = 0;
        for (float v : x) {
            sum += Math.abs(v);
        }
        // k equal to the float mean makes vth exactly 1, so the counts show the rounding rule directly.
        float k = (float) (sum / x.length);
        int[] counts = new int[x.length + 2];
        float vth = SpikeCounts.encode(x, 0, x.length, k, counts, 1);
        assertEquals(1f, vth);
        assertArrayEquals(new int[] {0, 2, -2, 4, 0, 2, 1, 0, 0}, counts);
    }

    @Test
    void thresholdIsMeanAbsOverK() {
        float[] x = {0, 3f, -6f, 9f, 100f};
        int[] counts = new int[3];
        // Only x[1..3] are spiked: mean |x| = 6, k = 2, vth = 3.
        float vth = SpikeCounts.encode(x, 1, 3, 2f, counts, 0);
        assertEquals(3f, vth);
        assertArrayEquals(new int[] {1, -2, 3}, counts);
    }

    @Test
    void thresholdIsClamped() {
        int[] counts = new int[4];
        assertEquals(1e-5f, SpikeCounts.encode(new float[4], 0, 4, 3f, counts, 0));
        assertArrayEquals(new int[4], counts);
        float[] tiny = {1e-7f, -2e-7f, 0f, 4e-6f};
        assertEquals(1e-5f, SpikeCounts.encode(tiny, 0, 4, 3f, counts, 0));
        assertArrayEquals(new int[] {0, 0, 0, 0}, counts);
        float[] huge = {3e5f, -3e5f, 6e5f, 0f};
        assertEquals(1e4f, SpikeCounts.encode(huge, 0, 4, 3f, counts, 0));
        assertArrayEquals(new int[] {30, -30, 60, 0}, counts);
    }

    @Test
    void countsReconstructWithinHalfAThreshold() {
        Random rnd = new Random(11);
        for (int trial = 0; trial < 50; trial++) {
            int n = 1 + rnd.nextInt(5000);
            float[] x = new float[n];
            for (int i = 0; i < n; i++) {
                // Heavy-tailed activations, like a residual stream with outlier channels.
                x[i] = (float) (rnd.nextGaussian() * Math.exp(2 * rnd.nextGaussian()));
            }
            float k = 2f + rnd.nextInt(3);
            int[] s = new int[n];
            float vth = SpikeCounts.encode(x, 0, n, k, s, 0);
            double mean = 0;
            for (float v : x) {
                mean += Math.abs((double) v);
            }
            mean /= n;
            assertEquals(mean / k, vth, 1e-6 * mean / k, "vth of trial " + trial);
            for (int i = 0; i < n; i++) {
                double err = Math.abs(x[i] / (double) vth - s[i]);
                assertTrue(err <= 0.5 + 1e-6 * Math.abs(s[i]) + 1e-6, "channel " + i + ": x=" + x[i] + " vth=" + vth + " s=" + s[i]);
            }
        }
    }

    @Test
    void rejectsBadArguments() {
        int[] c = new int[2];
        assertThrows(IllegalArgumentException.class, () -> SpikeCounts.encode(new float[2], 0, 0, 3f, c, 0));
        assertThrows(IllegalArgumentException.class, () -> SpikeCounts.encode(new float[2], 0, 2, 0f, c, 0));
        assertThrows(IllegalArgumentException.class, () -> SpikeCounts.encode(new float[2], 0, 2, Float.NaN, c, 0));
        assertThrows(IndexOutOfBoundsException.class, () -> SpikeCounts.encode(new float[2], 1, 2, 3f, c, 0));
        assertThrows(IndexOutOfBoundsException.class, () -> SpikeCounts.encode(new float[2], 0, 2, 3f, c, 1));
    }
}
