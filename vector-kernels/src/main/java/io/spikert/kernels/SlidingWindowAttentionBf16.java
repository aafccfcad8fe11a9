package io.spikert.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link SlidingWindowAttention#attendGroup} over a cache of BF16 keys and values: half the bytes per cached
 * position, which is what a long context's decode streams. Each BF16 value is widened to FP32 exactly as it is
 * loaded and every sum is formed in the same order as the FP32 kernel's, so the result equals that kernel's on
 * the widened cache (bit for bit when both run at the same JIT tier: the Vector API's lane sums follow the tier);
 * the only error of a BF16 cache is the rounding when keys and values enter it.
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
        SlidingWindowAttention.overHeadBlocks(new SlidingWindowAttention.GroupBlocks() {
            @Override
            public void scores(int width, int[] qo, int[] so) {
                if (width == 8) {
                    scores8(q, qo, d, scale, keys, cacheOff, capacity, firstRow, n, scratch, so);
                } else {
                    scores4(q, qo[0], qo[1], qo[2], qo[3], d, scale, keys, cacheOff, capacity, firstRow, n, scratch,
                            so[0], so[1], so[2], so[3]);
                }
            }

            @Override
            public void weighted(int width, int[] so, int[] oo) {
                if (width == 8) {
                    weighted8(scratch, so, d, values, cacheOff, capacity, firstRow, n, out, oo);
                } else {
                    weighted4(scratch, so[0], so[1], so[2], so[3], d, values, cacheOff, capacity, firstRow, n, out,
                            oo[0], oo[1], oo[2], oo[3]);
                }
            }
        }, qOff, heads, d, n, scratch, outOff);
    }

    /** s_h[p] = (q_h . k_p) * scale for four heads. */
    private static void scores4(float[] q, int q0, int q1, int q2, int q3, int d, float scale, short[] keys, int cacheOff,
                                int capacity, int firstRow, int n, float[] s, int s0, int s1, int s2, int s3) {
        int l = F.length();
        int vecEnd = F.loopBound(d);
        float[] sums = new float[LaneSums.SUMS_LENGTH];
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
            LaneSums.sums4(a0, a1, a2, a3, sums, 0);
            float r0 = sums[0], r1 = sums[1], r2 = sums[2], r3 = sums[3];
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

    /** out_h = sum_p w_h[p] v_p for four heads. */
    private static void weighted4(float[] w, int w0, int w1, int w2, int w3, int d, short[] values, int cacheOff,
                                  int capacity, int firstRow, int n, float[] out, int o0, int o1, int o2, int o3) {
        int l = F.length();
        int vecEnd = F.loopBound(d);
        for (int p0 = 0; p0 < n; p0 += SlidingWindowAttention.VALUE_BLOCK) {
            int p1 = Math.min(n, p0 + SlidingWindowAttention.VALUE_BLOCK);
            boolean first = p0 == 0;
            for (int j = 0; j < vecEnd; j += l) {
                FloatVector z = FloatVector.zero(F);
                FloatVector a0 = first ? z : FloatVector.fromArray(F, out, o0 + j);
                FloatVector a1 = first ? z : FloatVector.fromArray(F, out, o1 + j);
                FloatVector a2 = first ? z : FloatVector.fromArray(F, out, o2 + j);
                FloatVector a3 = first ? z : FloatVector.fromArray(F, out, o3 + j);
                for (int p = p0; p < p1; p++) {
                    int row = firstRow + p;
                    int at = cacheOff + (row >= capacity ? row - capacity : row) * d + j;
                    FloatVector v = Bf16.load(values, at);
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
        }
        int j = vecEnd;
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

    /** {@link #scores4} for eight heads: each key is read once for all eight. */
    private static void scores8(float[] q, int[] qo, int d, float scale, short[] keys, int cacheOff, int capacity,
                                int firstRow, int n, float[] s, int[] so) {
        int l = F.length();
        int vecEnd = F.loopBound(d);
        float[] sums = new float[LaneSums.SUMS_LENGTH];
        int q0 = qo[0], q1 = qo[1], q2 = qo[2], q3 = qo[3], q4 = qo[4], q5 = qo[5], q6 = qo[6], q7 = qo[7];
        for (int p = 0; p < n; p++) {
            int row = firstRow + p;
            int base = cacheOff + (row >= capacity ? row - capacity : row) * d;
            FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F), a2 = FloatVector.zero(F), a3 = FloatVector.zero(F);
            FloatVector a4 = FloatVector.zero(F), a5 = FloatVector.zero(F), a6 = FloatVector.zero(F), a7 = FloatVector.zero(F);
            int i = 0;
            for (; i < vecEnd; i += l) {
                FloatVector k = Bf16.load(keys, base + i);
                a0 = FloatVector.fromArray(F, q, q0 + i).fma(k, a0);
                a1 = FloatVector.fromArray(F, q, q1 + i).fma(k, a1);
                a2 = FloatVector.fromArray(F, q, q2 + i).fma(k, a2);
                a3 = FloatVector.fromArray(F, q, q3 + i).fma(k, a3);
                a4 = FloatVector.fromArray(F, q, q4 + i).fma(k, a4);
                a5 = FloatVector.fromArray(F, q, q5 + i).fma(k, a5);
                a6 = FloatVector.fromArray(F, q, q6 + i).fma(k, a6);
                a7 = FloatVector.fromArray(F, q, q7 + i).fma(k, a7);
            }
            LaneSums.sums8(a0, a1, a2, a3, a4, a5, a6, a7, sums, 0);
            float r0 = sums[0], r1 = sums[1], r2 = sums[2], r3 = sums[3];
            float r4 = sums[4], r5 = sums[5], r6 = sums[6], r7 = sums[7];
            for (; i < d; i++) {
                float k = Bf16.value(keys[base + i]);
                r0 += q[q0 + i] * k;
                r1 += q[q1 + i] * k;
                r2 += q[q2 + i] * k;
                r3 += q[q3 + i] * k;
                r4 += q[q4 + i] * k;
                r5 += q[q5 + i] * k;
                r6 += q[q6 + i] * k;
                r7 += q[q7 + i] * k;
            }
            s[so[0] + p] = r0 * scale;
            s[so[1] + p] = r1 * scale;
            s[so[2] + p] = r2 * scale;
            s[so[3] + p] = r3 * scale;
            s[so[4] + p] = r4 * scale;
            s[so[5] + p] = r5 * scale;
            s[so[6] + p] = r6 * scale;
            s[so[7] + p] = r7 * scale;
        }
    }

    /** {@link #weighted4} for eight heads: each value is read once for all eight. */
    private static void weighted8(float[] w, int[] wo, int d, short[] values, int cacheOff, int capacity, int firstRow,
                                  int n, float[] out, int[] oo) {
        int l = F.length();
        int vecEnd = F.loopBound(d);
        int w0 = wo[0], w1 = wo[1], w2 = wo[2], w3 = wo[3], w4 = wo[4], w5 = wo[5], w6 = wo[6], w7 = wo[7];
        int o0 = oo[0], o1 = oo[1], o2 = oo[2], o3 = oo[3], o4 = oo[4], o5 = oo[5], o6 = oo[6], o7 = oo[7];
        for (int p0 = 0; p0 < n; p0 += SlidingWindowAttention.VALUE_BLOCK) {
            int p1 = Math.min(n, p0 + SlidingWindowAttention.VALUE_BLOCK);
            boolean first = p0 == 0;
            for (int j = 0; j < vecEnd; j += l) {
                FloatVector z = FloatVector.zero(F);
                FloatVector a0 = first ? z : FloatVector.fromArray(F, out, o0 + j);
                FloatVector a1 = first ? z : FloatVector.fromArray(F, out, o1 + j);
                FloatVector a2 = first ? z : FloatVector.fromArray(F, out, o2 + j);
                FloatVector a3 = first ? z : FloatVector.fromArray(F, out, o3 + j);
                FloatVector a4 = first ? z : FloatVector.fromArray(F, out, o4 + j);
                FloatVector a5 = first ? z : FloatVector.fromArray(F, out, o5 + j);
                FloatVector a6 = first ? z : FloatVector.fromArray(F, out, o6 + j);
                FloatVector a7 = first ? z : FloatVector.fromArray(F, out, o7 + j);
                for (int p = p0; p < p1; p++) {
                    int row = firstRow + p;
                    int at = cacheOff + (row >= capacity ? row - capacity : row) * d + j;
                    FloatVector v = Bf16.load(values, at);
                    a0 = v.fma(FloatVector.broadcast(F, w[w0 + p]), a0);
                    a1 = v.fma(FloatVector.broadcast(F, w[w1 + p]), a1);
                    a2 = v.fma(FloatVector.broadcast(F, w[w2 + p]), a2);
                    a3 = v.fma(FloatVector.broadcast(F, w[w3 + p]), a3);
                    a4 = v.fma(FloatVector.broadcast(F, w[w4 + p]), a4);
                    a5 = v.fma(FloatVector.broadcast(F, w[w5 + p]), a5);
                    a6 = v.fma(FloatVector.broadcast(F, w[w6 + p]), a6);
                    a7 = v.fma(FloatVector.broadcast(F, w[w7 + p]), a7);
                }
                a0.intoArray(out, o0 + j);
                a1.intoArray(out, o1 + j);
                a2.intoArray(out, o2 + j);
                a3.intoArray(out, o3 + j);
                a4.intoArray(out, o4 + j);
                a5.intoArray(out, o5 + j);
                a6.intoArray(out, o6 + j);
                a7.intoArray(out, o7 + j);
            }
        }
        int j = vecEnd;
        for (; j < d; j++) {
            float r0 = 0, r1 = 0, r2 = 0, r3 = 0, r4 = 0, r5 = 0, r6 = 0, r7 = 0;
            for (int p = 0; p < n; p++) {
                int row = firstRow + p;
                float v = Bf16.value(values[cacheOff + (row >= capacity ? row - capacity : row) * d + j]);
                r0 += w[w0 + p] * v;
                r1 += w[w1 + p] * v;
                r2 += w[w2 + p] * v;
                r3 += w[w3 + p] * v;
                r4 += w[w4 + p] * v;
                r5 += w[w5 + p] * v;
                r6 += w[w6 + p] * v;
                r7 += w[w7 + p] * v;
            }
            out[o0 + j] = r0;
            out[o1 + j] = r1;
            out[o2 + j] = r2;
            out[o3 + j] = r3;
            out[o4 + j] = r4;
            out[o5 + j] = r5;
            out[o6 + j] = r6;
            out[o7 + j] = r7;
        }
    }
}
