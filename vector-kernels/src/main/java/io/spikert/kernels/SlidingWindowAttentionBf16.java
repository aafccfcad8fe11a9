package io.spikert.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link SlidingWindowAttention#attendGroup} over a cache of BF16 keys and values: half the bytes per cached
 * position, which is what a long context's decode streams. Each BF16 value is widened to FP32 exactly as it is
 * loaded and every sum is formed in the same order as the FP32 kernel's, so the result equals that kernel's on
 * the widened cache bit for bit; the only error of a BF16 cache is the rounding when keys and values enter it.
 */
public final class SlidingWindowAttentionBf16 {
    private SlidingWindowAttentionBf16() {}

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    /**
     * As {@link SlidingWindowAttention#attendGroup}, the cache's rows holding BF16 bits: the {@code heads} query
     * heads of one GQA group against positions firstPos..lastPos of one kv head. scratch must hold at least
     * {@code heads * (lastPos - firstPos + 1)} floats.
     */
    public static void attendGroup(float[] q, int qOff, int heads, int d, float scale, short[] keys, short[] values,
                                   int cacheOff, int capacity, long firstPos, long lastPos, float[] scratch, float[] out,
                                   int outOff) {
        int n = SlidingWindowAttention.checkedPositions(heads, capacity, firstPos, lastPos, scratch);
        int firstRow = (int) (firstPos % capacity);
        for (int h0 = 0; h0 < heads; h0 += 4) {
            int h1 = Math.min(h0 + 1, heads - 1), h2 = Math.min(h0 + 2, heads - 1), h3 = Math.min(h0 + 3, heads - 1);
            scores4(q, qOff + h0 * d, qOff + h1 * d, qOff + h2 * d, qOff + h3 * d, d, scale, keys, cacheOff, capacity,
                    firstRow, n, scratch, h0 * n, h1 * n, h2 * n, h3 * n);
        }
        for (int h = 0; h < heads; h++) {
            Softmax.inPlace(scratch, h * n, n);
        }
        for (int h0 = 0; h0 < heads; h0 += 4) {
            int h1 = Math.min(h0 + 1, heads - 1), h2 = Math.min(h0 + 2, heads - 1), h3 = Math.min(h0 + 3, heads - 1);
            weighted4(scratch, h0 * n, h1 * n, h2 * n, h3 * n, d, values, cacheOff, capacity, firstRow, n, out,
                    outOff + h0 * d, outOff + h1 * d, outOff + h2 * d, outOff + h3 * d);
        }
    }

    private static void scores4(float[] q, int q0, int q1, int q2, int q3, int d, float scale, short[] keys, int cacheOff,
                                int capacity, int firstRow, int n, float[] s, int s0, int s1, int s2, int s3) {
        int l = F.length();
        int vecEnd = F.loopBound(d);
        for (int p = 0; p < n; p++) {
            int row = firstRow + p;
            int base = cacheOff + (row >= capacity ? row - capacity : row) * d;
            FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F), a2 = FloatVector.zero(F), a3 = FloatVector.zero(F);
            int i = 0;
            for (; i < vecEnd; i += l) {
                FloatVector k = Bf16.load(keys, base + i);
                a0 = FloatVector.fromArray(F, q, q0 + i).fma(k, a0);
                a1 = FloatVector.fromArray(F, q, q1 + i).fma(k, a1);
                a2 = FloatVector.fromArray(F, q, q2 + i).fma(k, a2);
                a3 = FloatVector.fromArray(F, q, q3 + i).fma(k, a3);
            }
            float r0 = a0.reduceLanes(VectorOperators.ADD), r1 = a1.reduceLanes(VectorOperators.ADD);
            float r2 = a2.reduceLanes(VectorOperators.ADD), r3 = a3.reduceLanes(VectorOperators.ADD);
            for (; i < d; i++) {
                float k = Bf16.value(keys[base + i]);
                r0 += q[q0 + i] * k;
                r1 += q[q1 + i] * k;
                r2 += q[q2 + i] * k;
                r3 += q[q3 + i] * k;
            }
            s[s0 + p] = r0 * scale;
            s[s1 + p] = r1 * scale;
            s[s2 + p] = r2 * scale;
            s[s3 + p] = r3 * scale;
        }
    }

    private static void weighted4(float[] w, int w0, int w1, int w2, int w3, int d, short[] values, int cacheOff,
                                  int capacity, int firstRow, int n, float[] out, int o0, int o1, int o2, int o3) {
        int l = F.length();
        int vecEnd = F.loopBound(d);
        int j = 0;
        for (; j < vecEnd; j += l) {
            FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F), a2 = FloatVector.zero(F), a3 = FloatVector.zero(F);
            for (int p = 0; p < n; p++) {
                int row = firstRow + p;
                FloatVector v = Bf16.load(values, cacheOff + (row >= capacity ? row - capacity : row) * d + j);
                a0 = v.fma(FloatVector.broadcast(F, w[w0 + p]), a0);
                a1 = v.fma(FloatVector.broadcast(F, w[w1 + p]), a1);
                a2 = v.fma(FloatVector.broadcast(F, w[w2 + p]), a2);
                a3 = v.fma(FloatVector.broadcast(F, w[w3 + p]), a3);
            }
            a0.intoArray(out, o0 + j);
            a1.intoArray(out, o1 + j);
            a2.intoArray(out, o2 + j);
            a3.intoArray(out, o3 + j);
        }
        for (; j < d; j++) {
            float r0 = 0, r1 = 0, r2 = 0, r3 = 0;
            for (int p = 0; p < n; p++) {
                int row = firstRow + p;
                float v = Bf16.value(values[cacheOff + (row >= capacity ? row - capacity : row) * d + j]);
                r0 += w[w0 + p] * v;
                r1 += w[w1 + p] * v;
                r2 += w[w2 + p] * v;
                r3 += w[w3 + p] * v;
            }
            out[o0 + j] = r0;
            out[o1 + j] = r1;
            out[o2 + j] = r2;
            out[o3 + j] = r3;
        }
    }
}
