package io.spikert.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SlidingWindowAttentionTest {

    /** Direct reference: softmax over an explicit list of keys, no ring arithmetic. */
    private static float[] direct(float[] q, float[][] keys, float[][] values, float scale) {
        int n = keys.length;
        double[] s = new double[n];
        double max = Double.NEGATIVE_INFINITY;
        for (int p = 0; p < n; p++) {
            double dot = 0;
            for (int i = 0; i < q.length; i++) {
                dot += (double) q[i] * keys[p][i];
            }
            s[p] = dot * scale;
            max = Math.max(max, s[p]);
        }
        double sum = 0;
        for (int p = 0; p < n; p++) {
            s[p] = Math.exp(s[p] - max);
            sum += s[p];
        }
        float[] out = new float[q.length];
        for (int j = 0; j < q.length; j++) {
            double o = 0;
            for (int p = 0; p < n; p++) {
                o += s[p] / sum * values[p][j];
            }
            out[j] = (float) o;
        }
        return out;
    }

    @ParameterizedTest(name = "d={0} capacity={1} positions {2}..{3}")
    @CsvSource({"16, 8, 0, 0", "16, 8, 0, 7", "19, 8, 5, 12", "32, 33, 100, 132", "128, 65, 1000, 1040", "7, 5, 3, 4"})
    void matchesDirectSoftmaxIncludingRingWrap(int d, int capacity, long first, long last) {
        Random rnd = new Random(d * 7L + capacity + first);
        int cacheOff = 3;
        float[] keys = TestData.filled(cacheOff + capacity * d, Float.NaN);
        float[] values = TestData.filled(cacheOff + capacity * d, Float.NaN);
        int n = (int) (last - first + 1);
        float[][] kList = new float[n][];
        float[][] vList = new float[n][];
        for (int p = 0; p < n; p++) {
            kList[p] = TestData.randoms(rnd, d);
            vList[p] = TestData.randoms(rnd, d);
            int row = (int) ((first + p) % capacity);
            System.arraycopy(kList[p], 0, keys, cacheOff + row * d, d);
            System.arraycopy(vList[p], 0, values, cacheOff + row * d, d);
        }
        float[] q = TestData.randoms(rnd, d + 2);
        for (int i = 0; i < q.length; i++) {
            q[i] *= 4; // sharper softmax
        }
        float[] qd = new float[d];
        System.arraycopy(q, 2, qd, 0, d);
        float scale = (float) (1 / Math.sqrt(d));
        float[] expected = direct(qd, kList, vList, scale);
        float[] out = TestData.filled(d + 1, Float.NaN);
        SlidingWindowAttention.attend(q, 2, d, scale, keys, values, cacheOff, capacity, first, last, new float[capacity], out, 1);
        float[] actual = new float[d];
        System.arraycopy(out, 1, actual, 0, d);
        TestData.assertClose("SlidingWindowAttention", expected, actual, 1e-5, 1e-6);
        float[] twin = TestData.filled(d + 1, Float.NaN);
        SlidingWindowAttentionScalar.attend(q, 2, d, scale, keys, values, cacheOff, capacity, first, last, new float[capacity], twin, 1);
        TestData.assertClose("SlidingWindowAttention vs twin", twin, out, 1e-5, 1e-6);
    }

    @Test
    void singleKeyReturnsItsValue() {
        float[] keys = {1, 2, 3, 4};
        float[] values = {5, 6, 7, 8};
        float[] out = new float[2];
        SlidingWindowAttention.attend(new float[] {1, 1}, 0, 2, 1f, keys, values, 0, 2, 3, 3, new float[2], out, 0);
        TestData.assertClose("one key", new float[] {7, 8}, out, 0, 0);
    }
    /**
     * A GQA group's heads at once give each head's single-head result (ring wrap, odd sizes, 1-9 heads): the same sums
     * in the same order, so equal bit for bit at one JIT tier; within a few ulps here, where the two kernels may run at
     * different tiers ({@link TestData#assertWithinUlps}).
     */
    @ParameterizedTest(name = "heads={0} d={1} capacity={2} positions {3}..{4}")
    @CsvSource({"1, 16, 8, 0, 7", "2, 19, 8, 5, 12", "3, 7, 5, 3, 4", "4, 32, 33, 100, 132", "5, 128, 65, 1000, 1040",
            "7, 128, 40, 0, 0", "7, 128, 97, 30, 126", "9, 20, 12, 7, 17", "8, 64, 200, 150, 349", "6, 32, 300, 0, 259"})
    void groupOfHeadsIsEachSingleHeadBitForBit(int heads, int d, int capacity, long first, long last) {
        Random rnd = new Random(heads * 31L + d + capacity + first);
        int cacheOff = 5;
        float[] keys = TestData.randoms(rnd, cacheOff + capacity * d);
        float[] values = TestData.randoms(rnd, cacheOff + capacity * d);
        int qOff = 3;
        float[] q = TestData.randoms(rnd, qOff + heads * d);
        for (int i = 0; i < q.length; i++) {
            q[i] *= 3;
        }
        int n = (int) (last - first + 1);
        float[] expected = TestData.filled(2 + heads * d, Float.NaN);
        float[] scratch = new float[capacity];
        for (int h = 0; h < heads; h++) {
            SlidingWindowAttention.attend(q, qOff + h * d, d, 0.125f, keys, values, cacheOff, capacity, first, last, scratch,
                    expected, 2 + h * d);
        }
        float[] actual = TestData.filled(2 + heads * d, Float.NaN);
        SlidingWindowAttention.attendGroup(q, qOff, heads, d, 0.125f, keys, values, cacheOff, capacity, first, last,
                new float[heads * n], actual, 2);
        TestData.assertWithinUlps("group against single heads", expected, actual, 8);
        assertThrows(IllegalArgumentException.class, () -> SlidingWindowAttention.attendGroup(q, qOff, heads, d, 0.125f,
                keys, values, cacheOff, capacity, first, last, new float[heads * n - 1], actual, 2), "scratch too small");
    }
}
