package io.spikert.kernels;

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
}
