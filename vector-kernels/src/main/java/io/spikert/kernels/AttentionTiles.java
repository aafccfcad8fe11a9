package io.spikert.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;

/**
 * Prefill attention in tiles: the query heads of one GQA group for a chunk of tokens (the token at p attending
 * positions max(0, p - W) .. p) against blocks of {@link #KEYS} keys, {@link #TOKENS} tokens at a time, with an
 * online softmax (a running maximum and sum per query row, as flash attention keeps them). Each key and value block
 * is gathered once per tile of query tokens instead of once per query, and its products run as small matrix
 * products (a query row's scores over a block of keys, then the block's values weighted for the row) with no
 * horizontal sum per key. The result is the softmax attention {@link SlidingWindowAttention#attend} computes, up to
 * float rounding (the sums run in another order).
 */
public final class AttentionTiles {
    private AttentionTiles() {}

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> I = F.withLanes(int.class);
    private static final IntVector IOTA = IntVector.zero(I).addIndex(1);
    /** Keys per block (a multiple of twice any vector length). */
    public static final int KEYS = 64;
    /** Query tokens per tile. */
    public static final int TOKENS = 16;

    /** Where a tile's keys and values come from (a cache, the chunk's own rows, or both). */
    public interface KeyBlocks {
        /**
         * Keys of positions {@code first .. first + count - 1} into {@code kt} transposed ({@code kt[c * KEYS + i]}
         * is element c of key {@code first + i}) and values into {@code v} ({@code v[i * d + c]}), as F32.
         */
        void gather(long first, int count, float[] kt, float[] v);
    }

    /**
     * Attends {@code tokens} tokens at positions {@code pos0 ..}: token t's {@code heads} query heads at
     * {@code q[qOff + t * qStride + h * d ..]}, its outputs at {@code out[outOff + t * outStride + h * d ..]}; keys
     * and values from {@code keys}, each query seeing the {@code window} positions before its own and its own.
     */
    public static void attend(float[] q, int qOff, int qStride, int heads, int d, float scale, int tokens, long pos0,
                              long window, KeyBlocks keys, float[] out, int outOff, int outStride) {
        if (heads < 1 || d < 1 || tokens < 1 || pos0 < 0 || window < 0) {
            throw new IllegalArgumentException("AttentionTiles: " + heads + " heads of " + d + ", " + tokens
                    + " tokens from position " + pos0 + ", window " + window);
        }
        int maxRows = TOKENS * heads;
        float[] kt = new float[d * KEYS];
        float[] v = new float[KEYS * d];
        float[] s = new float[maxRows * KEYS];
        float[] acc = new float[maxRows * d];
        float[] max = new float[maxRows];
        float[] sum = new float[maxRows];
        for (int t0 = 0; t0 < tokens; t0 += TOKENS) {
            int t1 = Math.min(tokens, t0 + TOKENS);
            int rows = (t1 - t0) * heads;
            Arrays.fill(max, 0, rows, Float.NEGATIVE_INFINITY);
            Arrays.fill(sum, 0, rows, 0f);
            Arrays.fill(acc, 0, rows * d, 0f);
            long lo = Math.max(0, pos0 + t0 - window);
            long hi = pos0 + t1 - 1;
            for (long first = lo; first <= hi; first += KEYS) {
                int count = (int) Math.min(KEYS, hi - first + 1);
                keys.gather(first, count, kt, v);
                if (count < KEYS) {
                    for (int c = 0; c < d; c++) {
                        Arrays.fill(kt, c * KEYS + count, (c + 1) * KEYS, 0f); // finite: masked below
                    }
                }
                scores(q, qOff, qStride, heads, d, scale, t0, rows, kt, s);
                // the block lies in every token's window (the common case past the diagonal): the whole tile's rows
                // take its values together; else each token takes only the keys of its own window
                boolean whole = first + count - 1 <= pos0 + t0 && pos0 + t1 - 1 - window <= first;
                for (int t = t0; t < t1; t++) {
                    long p = pos0 + t;
                    long from = Math.max(0, p - window);
                    int a = (int) Math.max(0, from - first);
                    int b = (int) Math.min(count - 1, p - first);
                    if (a > b) {
                        continue; // this block is outside the token's window: its rows are left as they are
                    }
                    int r0 = (t - t0) * heads;
                    for (int r = r0; r < r0 + heads; r++) {
                        softmaxStep(s, r * KEYS, a, b, max, sum, acc, r * d, d, r);
                    }
                    if (!whole) {
                        weighted(s, r0, r0 + heads, a, b, v, d, acc);
                    }
                }
                if (whole) {
                    weighted(s, 0, rows, 0, count - 1, v, d, acc);
                }
            }
            for (int r = 0; r < rows; r++) {
                int t = t0 + r / heads;
                int h = r % heads;
                float inv = 1f / sum[r];
                int o = outOff + t * outStride + h * d;
                for (int c = 0; c < d; c++) {
                    out[o + c] = acc[r * d + c] * inv;
                }
            }
        }
    }

    /**
     * s[r][i] = scale * (q_r . k_i) for the tile's rows, four rows by two key vectors at a time (eight independent
     * sums, enough to keep two FMA pipes of latency four busy).
     */
    private static void scores(float[] q, int qOff, int qStride, int heads, int d, float scale, int t0, int rows,
                               float[] kt, float[] s) {
        int l = F.length();
        for (int r = 0; r < rows; r += 4) {
            // rows past the last stand in as copies of it (computed again, stored the same)
            int r1 = Math.min(r + 1, rows - 1), r2 = Math.min(r + 2, rows - 1), r3 = Math.min(r + 3, rows - 1);
            int q0 = qOff + (t0 + r / heads) * qStride + (r % heads) * d;
            int q1 = qOff + (t0 + r1 / heads) * qStride + (r1 % heads) * d;
            int q2 = qOff + (t0 + r2 / heads) * qStride + (r2 % heads) * d;
            int q3 = qOff + (t0 + r3 / heads) * qStride + (r3 % heads) * d;
            for (int i = 0; i < KEYS; i += 2 * l) {
                FloatVector a00 = FloatVector.zero(F), a01 = FloatVector.zero(F);
                FloatVector a10 = FloatVector.zero(F), a11 = FloatVector.zero(F);
                FloatVector a20 = FloatVector.zero(F), a21 = FloatVector.zero(F);
                FloatVector a30 = FloatVector.zero(F), a31 = FloatVector.zero(F);
                for (int c = 0; c < d; c++) {
                    FloatVector k0 = FloatVector.fromArray(F, kt, c * KEYS + i);
                    FloatVector k1 = FloatVector.fromArray(F, kt, c * KEYS + i + l);
                    FloatVector x0 = FloatVector.broadcast(F, q[q0 + c]);
                    a00 = k0.fma(x0, a00);
                    a01 = k1.fma(x0, a01);
                    FloatVector x1 = FloatVector.broadcast(F, q[q1 + c]);
                    a10 = k0.fma(x1, a10);
                    a11 = k1.fma(x1, a11);
                    FloatVector x2 = FloatVector.broadcast(F, q[q2 + c]);
                    a20 = k0.fma(x2, a20);
                    a21 = k1.fma(x2, a21);
                    FloatVector x3 = FloatVector.broadcast(F, q[q3 + c]);
                    a30 = k0.fma(x3, a30);
                    a31 = k1.fma(x3, a31);
                }
                a30.mul(scale).intoArray(s, r3 * KEYS + i);
                a31.mul(scale).intoArray(s, r3 * KEYS + i + l);
                a20.mul(scale).intoArray(s, r2 * KEYS + i);
                a21.mul(scale).intoArray(s, r2 * KEYS + i + l);
                a10.mul(scale).intoArray(s, r1 * KEYS + i);
                a11.mul(scale).intoArray(s, r1 * KEYS + i + l);
                a00.mul(scale).intoArray(s, r * KEYS + i);
                a01.mul(scale).intoArray(s, r * KEYS + i + l);
            }
        }
    }

    /**
     * Row r's scores of keys a..b of the block become their softmax weights against the row's running maximum
     * (the others 0); the row's sum and accumulated output are rescaled to that maximum first.
     */
    private static void softmaxStep(float[] s, int off, int a, int b, float[] max, float[] sum, float[] acc, int accOff,
                                    int d, int r) {
        // keys outside a..b get -inf, whose exp is 0
        boolean all = a == 0 && b == KEYS - 1;
        FloatVector highest = FloatVector.broadcast(F, max[r]);
        for (int i = 0; i < KEYS; i += F.length()) {
            FloatVector x = FloatVector.fromArray(F, s, off + i);
            if (!all) {
                IntVector index = IOTA.add(i);
                VectorMask<Float> inside = index.compare(VectorOperators.GE, a)
                        .and(index.compare(VectorOperators.LE, b)).cast(F);
                x = x.blend(Float.NEGATIVE_INFINITY, inside.not());
                x.intoArray(s, off + i);
            }
            highest = highest.max(x);
        }
        float m = highest.reduceLanes(VectorOperators.MAX); // exact in any order, unlike a sum
        float correction = (float) Math.exp(max[r] - m); // 0 while the row has seen no key (-inf - m)
        max[r] = m;
        for (int i = 0; i < KEYS; i += F.length()) {
            FloatVector.fromArray(F, s, off + i).sub(m).intoArray(s, off + i);
        }
        VectorMath.exp(s, off, s, off, KEYS);
        FloatVector total = FloatVector.zero(F);
        for (int i = 0; i < KEYS; i += F.length()) {
            total = total.add(FloatVector.fromArray(F, s, off + i));
        }
        sum[r] = sum[r] * correction + LaneSums.sum(total);
        if (correction != 1f) {
            int c = 0;
            for (; c <= d - F.length(); c += F.length()) {
                FloatVector.fromArray(F, acc, accOff + c).mul(correction).intoArray(acc, accOff + c);
            }
            for (; c < d; c++) {
                acc[accOff + c] *= correction;
            }
        }
    }

    /**
     * acc_r += sum_i w_r[i] v_i over keys a..b of the block for rows {@code from .. end - 1}, four rows by two value
     * vectors at a time. Only keys a..b are read: a value outside a token's window (a later position of the chunk,
     * say) may hold anything, NaN included, and must not reach its rows. Each element adds its keys in order, so
     * the rows' results do not depend on which rows are taken together.
     */
    private static void weighted(float[] w, int from, int end, int a, int b, float[] v, int d, float[] acc) {
        int l = F.length();
        int vecEnd = d - d % (2 * l);
        for (int r = from; r < end; r += 4) {
            // rows past the last stand in as copies of it (the same sums from the same start, stored again)
            int r1 = Math.min(r + 1, end - 1), r2 = Math.min(r + 2, end - 1), r3 = Math.min(r + 3, end - 1);
            int c = 0;
            for (; c < vecEnd; c += 2 * l) {
                FloatVector a00 = FloatVector.fromArray(F, acc, r * d + c), a01 = FloatVector.fromArray(F, acc, r * d + c + l);
                FloatVector a10 = FloatVector.fromArray(F, acc, r1 * d + c), a11 = FloatVector.fromArray(F, acc, r1 * d + c + l);
                FloatVector a20 = FloatVector.fromArray(F, acc, r2 * d + c), a21 = FloatVector.fromArray(F, acc, r2 * d + c + l);
                FloatVector a30 = FloatVector.fromArray(F, acc, r3 * d + c), a31 = FloatVector.fromArray(F, acc, r3 * d + c + l);
                for (int i = a; i <= b; i++) {
                    FloatVector v0 = FloatVector.fromArray(F, v, i * d + c);
                    FloatVector v1 = FloatVector.fromArray(F, v, i * d + c + l);
                    FloatVector w0 = FloatVector.broadcast(F, w[r * KEYS + i]);
                    a00 = v0.fma(w0, a00);
                    a01 = v1.fma(w0, a01);
                    FloatVector w1 = FloatVector.broadcast(F, w[r1 * KEYS + i]);
                    a10 = v0.fma(w1, a10);
                    a11 = v1.fma(w1, a11);
                    FloatVector w2 = FloatVector.broadcast(F, w[r2 * KEYS + i]);
                    a20 = v0.fma(w2, a20);
                    a21 = v1.fma(w2, a21);
                    FloatVector w3 = FloatVector.broadcast(F, w[r3 * KEYS + i]);
                    a30 = v0.fma(w3, a30);
                    a31 = v1.fma(w3, a31);
                }
                a30.intoArray(acc, r3 * d + c);
                a31.intoArray(acc, r3 * d + c + l);
                a20.intoArray(acc, r2 * d + c);
                a21.intoArray(acc, r2 * d + c + l);
                a10.intoArray(acc, r1 * d + c);
                a11.intoArray(acc, r1 * d + c + l);
                a00.intoArray(acc, r * d + c);
                a01.intoArray(acc, r * d + c + l);
            }
            for (; c < d; c++) {
                for (int rr = r; rr < Math.min(r + 4, end); rr++) {
                    float x = acc[rr * d + c];
                    for (int i = a; i <= b; i++) {
                        x += w[rr * KEYS + i] * v[i * d + c];
                    }
                    acc[rr * d + c] = x;
                }
            }
        }
    }
}
