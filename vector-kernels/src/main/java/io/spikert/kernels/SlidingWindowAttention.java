package io.spikert.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * One query head against a ring-buffer cache of one kv head. The key (and value) of absolute position p
 * lives at row p % capacity of the cache, d floats starting at cacheOff + row * d.
 */
public final class SlidingWindowAttention {
    private SlidingWindowAttention() {}

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    /**
     * Attends positions firstPos..lastPos inclusive (lastPos - firstPos < capacity): scores (q.k_p) * scale,
     * softmax, out = sum_p w_p v_p. scratch must hold at least lastPos - firstPos + 1 floats.
     */
    public static void attend(float[] q, int qOff, int d, float scale, float[] keys, float[] values, int cacheOff, int capacity,
                              long firstPos, long lastPos, float[] scratch, float[] out, int outOff) {
        long count = lastPos - firstPos + 1;
        if (count < 1 || count > capacity || firstPos < 0) {
            throw new IllegalArgumentException("SlidingWindowAttention: positions " + firstPos + ".." + lastPos
                    + " must be non-empty, non-negative and span at most capacity " + capacity);
        }
        int n = (int) count;
        int l = F.length();
        int vecEnd = F.loopBound(d);
        int firstRow = (int) (firstPos % capacity);
        for (int p = 0; p < n; p++) {
            int row = firstRow + p;
            int base = cacheOff + (row >= capacity ? row - capacity : row) * d;
            FloatVector acc = FloatVector.zero(F);
            int i = 0;
            for (; i < vecEnd; i += l) {
                acc = FloatVector.fromArray(F, q, qOff + i).fma(FloatVector.fromArray(F, keys, base + i), acc);
            }
            float s = acc.reduceLanes(VectorOperators.ADD);
            for (; i < d; i++) {
                s += q[qOff + i] * keys[base + i];
            }
            scratch[p] = s * scale;
        }
        Softmax.inPlace(scratch, 0, n);
        int j = 0;
        for (; j < vecEnd; j += l) {
            FloatVector acc = FloatVector.zero(F);
            for (int p = 0; p < n; p++) {
                int row = firstRow + p;
                int base = cacheOff + (row >= capacity ? row - capacity : row) * d;
                acc = FloatVector.fromArray(F, values, base + j).fma(FloatVector.broadcast(F, scratch[p]), acc);
            }
            acc.intoArray(out, outOff + j);
        }
        for (; j < d; j++) {
            float s = 0;
            for (int p = 0; p < n; p++) {
                int row = firstRow + p;
                s += scratch[p] * values[cacheOff + (row >= capacity ? row - capacity : row) * d + j];
            }
            out[outOff + j] = s;
        }
    }
    /**
     * The {@code heads} query heads of one GQA group (head h's query at {@code qOff + h * d}, its output at
     * {@code outOff + h * d}) against the same positions of one kv head: each head's result is {@link #attend}'s
     * bit for bit (the same sums in the same order), but the keys and values are read once per block of four heads
     * instead of once per head, which is what bounds a long prompt's prefill (up to W + 1 keys per query).
     * scratch must hold at least {@code heads * (lastPos - firstPos + 1)} floats.
     */
    public static void attendGroup(float[] q, int qOff, int heads, int d, float scale, float[] keys, float[] values,
                                   int cacheOff, int capacity, long firstPos, long lastPos, float[] scratch, float[] out,
                                   int outOff) {
        int n = checkedPositions(heads, capacity, firstPos, lastPos, scratch);
        int firstRow = (int) (firstPos % capacity);
        for (int h0 = 0; h0 < heads; h0 += 4) {
            // a block of four heads; past the last head the last one stands in (computed twice, stored the same)
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

    /**
     * Positions firstPos..lastPos of a group's attention, checked: non-empty, non-negative, at most the ring's
     * capacity, and {@code heads} rows of that many scores fitting the scratch.
     */
    static int checkedPositions(int heads, int capacity, long firstPos, long lastPos, float[] scratch) {
        long count = lastPos - firstPos + 1;
        if (count < 1 || count > capacity || firstPos < 0 || heads < 1) {
            throw new IllegalArgumentException("SlidingWindowAttention: positions " + firstPos + ".." + lastPos
                    + " must be non-empty, non-negative and span at most capacity " + capacity + "; heads " + heads);
        }
        int n = (int) count;
        if ((long) heads * n > scratch.length) {
            throw new IllegalArgumentException("SlidingWindowAttention: scratch of " + scratch.length + " floats for "
                    + heads + " heads x " + n + " positions");
        }
        return n;
    }

    /** s_h[p] = (q_h . k_p) * scale for four heads, each sum as {@link #attend} forms it. */
    private static void scores4(float[] q, int q0, int q1, int q2, int q3, int d, float scale, float[] keys, int cacheOff,
                                int capacity, int firstRow, int n, float[] s, int s0, int s1, int s2, int s3) {
        int l = F.length();
        int vecEnd = F.loopBound(d);
        for (int p = 0; p < n; p++) {
            int row = firstRow + p;
            int base = cacheOff + (row >= capacity ? row - capacity : row) * d;
            FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F), a2 = FloatVector.zero(F), a3 = FloatVector.zero(F);
            int i = 0;
            for (; i < vecEnd; i += l) {
                FloatVector k = FloatVector.fromArray(F, keys, base + i);
                a0 = FloatVector.fromArray(F, q, q0 + i).fma(k, a0);
                a1 = FloatVector.fromArray(F, q, q1 + i).fma(k, a1);
                a2 = FloatVector.fromArray(F, q, q2 + i).fma(k, a2);
                a3 = FloatVector.fromArray(F, q, q3 + i).fma(k, a3);
            }
            float r0 = a0.reduceLanes(VectorOperators.ADD), r1 = a1.reduceLanes(VectorOperators.ADD);
            float r2 = a2.reduceLanes(VectorOperators.ADD), r3 = a3.reduceLanes(VectorOperators.ADD);
            for (; i < d; i++) {
                float k = keys[base + i];
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

    /** out_h = sum_p w_h[p] v_p for four heads, each sum as {@link #attend} forms it. */
    private static void weighted4(float[] w, int w0, int w1, int w2, int w3, int d, float[] values, int cacheOff,
                                  int capacity, int firstRow, int n, float[] out, int o0, int o1, int o2, int o3) {
        int l = F.length();
        int vecEnd = F.loopBound(d);
        int j = 0;
        for (; j < vecEnd; j += l) {
            FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F), a2 = FloatVector.zero(F), a3 = FloatVector.zero(F);
            for (int p = 0; p < n; p++) {
                int row = firstRow + p;
                FloatVector v = FloatVector.fromArray(F, values, cacheOff + (row >= capacity ? row - capacity : row) * d + j);
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
                float v = values[cacheOff + (row >= capacity ? row - capacity : row) * d + j];
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
