package io.spikert.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * One query head against a ring-buffer cache of one kv head. The key (and value) of absolute position p
 * lives at row p % capacity of the cache, d floats starting at cacheOff + row * d.
 */
public final class SlidingWindowAttention {
    private SlidingWindowAttention() {}

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    /**
     * Positions per block of the weighted sums: every output vector of a head block runs over one block's values
     * before the next block, so a block's values (64 positions of 128 dims: 32 KB as F32, 16 KB as BF16) are read
     * from memory once and then from L1 for the other output vectors, instead of once per output vector at a
     * stride of a whole row. Each output element still adds its positions one by one in order, so the sums are
     * the same as without blocks.
     */
    static final int VALUE_BLOCK = 64;

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
            float s = LaneSums.sum(acc);
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
     * (the same sums in the same order: bit for bit at one JIT tier, whose lane sums the Vector API orders), but the
     * keys and values are read once per block of eight heads (or four) instead of once per head, which is what bounds
     * a long context's decode (up to W + 1 keys per query).
     * scratch must hold at least {@code heads * (lastPos - firstPos + 1)} floats.
     */
    public static void attendGroup(float[] q, int qOff, int heads, int d, float scale, float[] keys, float[] values,
                                   int cacheOff, int capacity, long firstPos, long lastPos, float[] scratch, float[] out,
                                   int outOff) {
        int n = checkedPositions(heads, capacity, firstPos, lastPos, scratch);
        int firstRow = (int) (firstPos % capacity);
        overHeadBlocks(new GroupBlocks() {
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

    /** The parts of a group's attention that read the cache, for a block of eight heads or four ({@link #headBlock}). */
    interface GroupBlocks {
        /** Scores of the block's heads (queries at {@code qo}) into the scratch rows at {@code so}. */
        void scores(int width, int[] qo, int[] so);

        /** Weighted values for the block's heads (softmax weights at {@code so}) into the outputs at {@code oo}. */
        void weighted(int width, int[] so, int[] oo);
    }

    /** {@link #attendGroup}'s walk for any cache: every head block's scores, each head's softmax, every block's sums. */
    static void overHeadBlocks(GroupBlocks blocks, int qOff, int heads, int d, int n, float[] scratch, int outOff) {
        int[] h = new int[8];
        int[] qo = new int[8];
        int[] so = new int[8];
        int[] oo = new int[8];
        for (int h0 = 0; h0 < heads; ) {
            int width = headBlock(h0, heads, h);
            for (int b = 0; b < width; b++) {
                qo[b] = qOff + h[b] * d;
                so[b] = h[b] * n;
            }
            blocks.scores(width, qo, so);
            h0 += width;
        }
        for (int head = 0; head < heads; head++) {
            Softmax.inPlace(scratch, head * n, n);
        }
        for (int h0 = 0; h0 < heads; ) {
            int width = headBlock(h0, heads, h);
            for (int b = 0; b < width; b++) {
                so[b] = h[b] * n;
                oo[b] = outOff + h[b] * d;
            }
            blocks.weighted(width, so, oo);
            h0 += width;
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

    /**
     * The next block of a group's heads from {@code h0}: eight when five or more remain (each key and value read once
     * for all of them), else four; its head indices go to {@code h}, the last head standing in past the group's end
     * (computed again, stored the same). Returns how many heads the block advances (4 or 8).
     */
    static int headBlock(int h0, int heads, int[] h) {
        int width = heads - h0 >= 5 ? 8 : 4;
        for (int b = 0; b < width; b++) {
            h[b] = Math.min(h0 + b, heads - 1);
        }
        return width;
    }

    /** s_h[p] = (q_h . k_p) * scale for four heads, each sum as {@link #attend} forms it. */
    private static void scores4(float[] q, int q0, int q1, int q2, int q3, int d, float scale, float[] keys, int cacheOff,
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
                FloatVector k = FloatVector.fromArray(F, keys, base + i);
                a0 = FloatVector.fromArray(F, q, q0 + i).fma(k, a0);
                a1 = FloatVector.fromArray(F, q, q1 + i).fma(k, a1);
                a2 = FloatVector.fromArray(F, q, q2 + i).fma(k, a2);
                a3 = FloatVector.fromArray(F, q, q3 + i).fma(k, a3);
            }
            LaneSums.sums4(a0, a1, a2, a3, sums, 0);
            float r0 = sums[0], r1 = sums[1], r2 = sums[2], r3 = sums[3];
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
        for (int p0 = 0; p0 < n; p0 += VALUE_BLOCK) {
            int p1 = Math.min(n, p0 + VALUE_BLOCK);
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
                    FloatVector v = FloatVector.fromArray(F, values, at);
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

    /** {@link #scores4} for eight heads: each key is read once for all eight. */
    private static void scores8(float[] q, int[] qo, int d, float scale, float[] keys, int cacheOff, int capacity,
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
                FloatVector k = FloatVector.fromArray(F, keys, base + i);
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
                float k = keys[base + i];
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
    private static void weighted8(float[] w, int[] wo, int d, float[] values, int cacheOff, int capacity, int firstRow,
                                  int n, float[] out, int[] oo) {
        int l = F.length();
        int vecEnd = F.loopBound(d);
        int w0 = wo[0], w1 = wo[1], w2 = wo[2], w3 = wo[3], w4 = wo[4], w5 = wo[5], w6 = wo[6], w7 = wo[7];
        int o0 = oo[0], o1 = oo[1], o2 = oo[2], o3 = oo[3], o4 = oo[4], o5 = oo[5], o6 = oo[6], o7 = oo[7];
        for (int p0 = 0; p0 < n; p0 += VALUE_BLOCK) {
            int p1 = Math.min(n, p0 + VALUE_BLOCK);
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
                    FloatVector v = FloatVector.fromArray(F, values, at);
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
                float v = values[cacheOff + (row >= capacity ? row - capacity : row) * d + j];
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
