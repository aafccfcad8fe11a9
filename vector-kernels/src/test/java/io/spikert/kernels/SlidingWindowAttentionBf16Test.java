package io.spikert.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/**
 * The BF16-cache kernel against the FP32 kernel (itself checked against a direct float64 softmax) over the
 * same cache widened to floats by the scalar {@link Bf16#value}: the same sums in the same order, so equal up to the
 * order in which a JIT tier adds a vector's lanes ({@link TestData#assertWithinUlps}).
 */
class SlidingWindowAttentionBf16Test {

    @ParameterizedTest(name = "heads={0} d={1} capacity={2} positions {3}..{4}")
    @CsvSource({"1, 16, 8, 0, 7", "2, 19, 8, 5, 12", "3, 7, 5, 3, 4", "4, 32, 33, 100, 132", "6, 128, 65, 1000, 1040",
            "7, 128, 97, 30, 126", "9, 20, 12, 7, 17", "8, 64, 200, 150, 349"})
    void equalsTheF32KernelOnTheWidenedCache(int heads, int d, int capacity, long first, long last) {
        Random rnd = new Random(heads * 17L + d + capacity + first);
        int cacheOff = 5;
        float[] k = TestData.randoms(rnd, cacheOff + capacity * d);
        float[] v = TestData.randoms(rnd, cacheOff + capacity * d);
        short[] keys = new short[k.length];
        short[] values = new short[v.length];
        Bf16.store(k, 0, k.length, keys, 0);
        Bf16.store(v, 0, v.length, values, 0);
        float[] wideKeys = new float[k.length];
        float[] wideValues = new float[v.length];
        for (int i = 0; i < k.length; i++) {
            assertEquals(Bf16.bits(k[i]), keys[i], "vector rounding of key " + i);
            wideKeys[i] = Bf16.value(keys[i]);
            wideValues[i] = Bf16.value(values[i]);
        }
        int qOff = 3;
        float[] q = TestData.randoms(rnd, qOff + heads * d);
        for (int i = 0; i < q.length; i++) {
            q[i] *= 3;
        }
        int n = (int) (last - first + 1);
        float[] expected = TestData.filled(2 + heads * d, Float.NaN);
        SlidingWindowAttention.attendGroup(q, qOff, heads, d, 0.125f, wideKeys, wideValues, cacheOff, capacity, first,
                last, new float[heads * n], expected, 2);
        float[] actual = TestData.filled(2 + heads * d, Float.NaN);
        SlidingWindowAttentionBf16.attendGroup(q, qOff, heads, d, 0.125f, keys, values, cacheOff, capacity, first, last,
                new float[heads * n], actual, 2);
        TestData.assertWithinUlps("BF16 cache against the F32 kernel on the widened cache", expected, actual, 8);
        assertThrows(IllegalArgumentException.class, () -> SlidingWindowAttentionBf16.attendGroup(q, qOff, heads, d,
                0.125f, keys, values, cacheOff, capacity, first, last, new float[heads * n - 1], actual, 2));
        assertThrows(IllegalArgumentException.class, () -> SlidingWindowAttentionBf16.attendGroup(q, qOff, heads, d,
                0.125f, keys, values, cacheOff, capacity, first, first + capacity, new float[heads * (capacity + 1)],
                actual, 2), "more positions than the ring holds");
    }

    @Test
    void roundTripKeepsBf16ValuesAndRoundsTiesToEven() {
        float[] x = {1f, 1.00390625f /* 1 + 2^-8: a tie, to even (1) */, 1.01171875f /* 1 + 3 * 2^-8: a tie, up */,
                -2.5f, Float.NaN, Float.POSITIVE_INFINITY, 3.1415927f, 0f, -0f, 1e-40f, 65504f, 7f, 8f, 9f, 10f, 11f, 12f, 13f};
        short[] bits = new short[x.length];
        Bf16.store(x, 0, x.length, bits, 0);
        float[] back = new float[x.length];
        Bf16.widen(bits, 0, x.length, back, 0);
        for (int i = 0; i < x.length; i++) {
            assertEquals(Bf16.bits(x[i]), bits[i], "bits of " + x[i]);
            assertEquals(Float.floatToRawIntBits(Bf16.value(bits[i])), Float.floatToRawIntBits(back[i]));
        }
        assertEquals(1f, back[1]);
        assertEquals(1.015625f, back[2]);
        assertEquals(-2.5f, back[3]);
        assertEquals(Float.POSITIVE_INFINITY, back[5]);
    }
}
