package io.spikert.kernels;

/** Scalar reference twin of {@link SlidingWindowAttention}. */
public final class SlidingWindowAttentionScalar {
    private SlidingWindowAttentionScalar() {}

    public static void attend(float[] q, int qOff, int d, float scale, float[] keys, float[] values, int cacheOff, int capacity,
                              long firstPos, long lastPos, float[] scratch, float[] out, int outOff) {
        int n = (int) (lastPos - firstPos + 1);
        for (int p = 0; p < n; p++) {
            int base = cacheOff + (int) ((firstPos + p) % capacity) * d;
            double s = 0;
            for (int i = 0; i < d; i++) {
                s += (double) q[qOff + i] * keys[base + i];
            }
            scratch[p] = (float) s * scale;
        }
        SoftmaxScalar.inPlace(scratch, 0, n);
        for (int j = 0; j < d; j++) {
            double s = 0;
            for (int p = 0; p < n; p++) {
                s += (double) scratch[p] * values[cacheOff + (int) ((firstPos + p) % capacity) * d + j];
            }
            out[outOff + j] = (float) s;
        }
    }
}
