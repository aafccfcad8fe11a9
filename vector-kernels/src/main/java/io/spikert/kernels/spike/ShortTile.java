package io.spikert.kernels.spike;

import static io.spikert.kernels.spike.BatchWalk.L;
import static io.spikert.kernels.spike.BatchWalk.SEGMENT_ROWS;
import static io.spikert.kernels.spike.Int8MatVec.F;
import static io.spikert.kernels.spike.Int8MatVec.I;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * One tile of {@link SpikeMatMul} in int16 lanes, for tiles whose counts all have |s| at most
 * {@link #MAX_COUNT}: a run's piece of a row segment is widened to int16 once per tile (not to float),
 * and the products code times count are multiplied and summed in int16 lanes (twice float's lanes per
 * instruction, half the loads of converted codes per product) over a chunk of the group's channels for
 * eight tokens by 4L rows in sixteen registers, then widened into int group sums (L1-resident) once per chunk.
 *
 * <p>A chunk is a run of a group's listed channels over which every token of the panel of eight has a
 * sum of |count| of at most {@link #MAX_COUNT}: then every partial sum of code times count, at most
 * 127 * 258 = 32766 in magnitude, fits an int16 lane (realistic counts, |s| about 4 on average, give
 * chunks of about 40-60 channels). Chunks are cut once per tile and panel, before the rows are walked.
 * The group sums are then the integers of SpikeMatVec's int lanes, and their conversion to float, the
 * scale FMA, the vth multiply and the outliers are its operations in its order, so each token's y equals
 * SpikeMatVec's (and the float path's) bit for bit.
 *
 * <p>How the code is cut matters to C2: the widening as S2I conversions, or the chunk loop, the widening
 * and the scale step in one method, go past C2's inlining node budget and leave vector calls out of line;
 * so a chunk's int16 sums go through a small array, and the widening is two shifts on codes stored
 * interleaved ({@link #convert}). Eight tokens per panel rather than four: more reuse of each converted
 * vector. Its speed against the float path: docs/PERFORMANCE.md.
 */
final class ShortTile {
    private ShortTile() {}

    /**
     * Largest |count| of a tile this path takes, and largest sum of |count| over one chunk per token:
     * 258 * 127 = 32766 fits int16.
     */
    static final int MAX_COUNT = Short.MAX_VALUE / Int8Weights.MAX_INT8_CODE;

    /** Tokens per register panel (chunks are cut per panel). */
    private static final int PANEL = 8;
    /** Shorts of one int vector's bit size: twice the lanes. */
    private static final VectorSpecies<Short> S = VectorSpecies.of(short.class, I.vectorShape());
    /** Rows per register pass: two short vectors. */
    private static final int STEP = 4 * L;

    /** Tile i's products without outliers, as SpikeMatMul's float tile, in int16 lanes. */
    static void tile(Int8Weights w, SpikeTileList list, int tile, float[] vth, float[] y, int yOff, int rowStart, int rowEnd) {
        int t0 = tile * list.tileTokens;
        int tt = Math.min(list.tileTokens, list.tokens - t0);
        int groups = list.groups;
        int[] ch = list.channel;
        short[] val = list.shortValue;
        int[] ge = list.groupEnd;
        int geBase = tile * (groups + 1);
        int e0 = ge[geBase];
        int vs = ge[geBase + groups] - e0;
        int vb = e0 * list.tileTokens;
        int panels = (tt + PANEL - 1) / PANEL;
        int[] first = BatchScratch.ints(0, panels * (groups + 1));
        int[] ends = BatchScratch.ints(1, panels * (vs + 1));
        chunks(val, vb, vs, ge, geBase, groups, tt, first, ends);
        float[] acc = BatchScratch.floats(0, tt * SEGMENT_ROWS);
        short[] cs = BatchScratch.shorts(0, Int8Weights.GROUP * SEGMENT_ROWS);
        short[] sums = BatchScratch.shorts(1, PANEL * STEP);
        int[] ia = BatchScratch.ints(2, PANEL * STEP);
        MemorySegment seg = w.blocks;
        float[] sg = w.scalesByGroup;
        int br = w.blockRows;
        int rows = w.rows;
        for (int b = rowStart / br; b * br < rowEnd; b++) {
            int b0 = b * br;
            int r0 = Math.max(rowStart, b0);
            int r1 = Math.min(rowEnd, b0 + br);
            int len = w.runLength(b);
            for (int s0 = r0; s0 < r1; s0 += SEGMENT_ROWS) {
                int s1 = Math.min(s0 + SEGMENT_ROWS, r1);
                // whole steps: past the segment's last row up to its TILE's end (a multiple of STEP) lie codes or zeros
                int n = (s1 - s0 + STEP - 1) / STEP * STEP;
                long base = w.blockStart(b) + (s0 - b0);
                for (int t = 0; t < tt; t++) {
                    Arrays.fill(acc, t * SEGMENT_ROWS, t * SEGMENT_ROWS + n, 0f);
                }
                for (int g = 0; g < groups; g++) {
                    int k0 = ge[geBase + g];
                    int k1 = ge[geBase + g + 1];
                    if (k0 == k1) {
                        continue;
                    }
                    for (int k = k0; k < k1; k++) {
                        convert(seg, base + (long) ch[k] * len, cs, (k - k0) * SEGMENT_ROWS, n);
                    }
                    int so = g * w.rowsPadded + s0;
                    int p = 0;
                    for (int t = 0; t < tt; t += PANEL, p++) {
                        int c0 = first[p * (groups + 1) + g];
                        int c1 = first[p * (groups + 1) + g + 1];
                        // a short panel takes its tokens four, then one at a time, on the panel's chunks (they fit any subset)
                        int u = t;
                        int end = Math.min(t + PANEL, tt);
                        if (u + PANEL <= end) {
                            panel(PANEL, cs, val, vb + u * vs + (k0 - e0), vs, ends, c0, c1, sums, ia, sg, so, acc, u * SEGMENT_ROWS, n);
                            u += PANEL;
                        }
                        for (; u + 4 <= end; u += 4) {
                            panel(4, cs, val, vb + u * vs + (k0 - e0), vs, ends, c0, c1, sums, ia, sg, so, acc, u * SEGMENT_ROWS, n);
                        }
                        for (; u < end; u++) {
                            panel(1, cs, val, vb + u * vs + (k0 - e0), vs, ends, c0, c1, sums, ia, sg, so, acc, u * SEGMENT_ROWS, n);
                        }
                    }
                }
                for (int t = 0; t < tt; t++) {
                    BatchWalk.store(acc, t * SEGMENT_ROWS, vth[t0 + t], y, yOff + (t0 + t) * rows, s0, s1);
                }
            }
        }
    }

    /**
     * Cuts each group's entries into chunks per panel of up to PANEL tokens: panel p's chunks of group g
     * end (as offsets from the group's first entry) at ends[first[p * (groups + 1) + g] .. first[p * (groups + 1) + g + 1]).
     * A chunk closes before the entry that would take some token's sum of |count| past MAX_COUNT.
     */
    static void chunks(short[] val, int vb, int vs, int[] ge, int geBase, int groups, int tt, int[] first, int[] ends) {
        int[] sum = new int[PANEL];
        int e0 = ge[geBase];
        int n = 0;
        int p = 0;
        for (int t = 0; t < tt; t += PANEL, p++) {
            int pt = Math.min(PANEL, tt - t);
            for (int g = 0; g < groups; g++) {
                first[p * (groups + 1) + g] = n;
                int k0 = ge[geBase + g];
                int k1 = ge[geBase + g + 1];
                Arrays.fill(sum, 0);
                for (int k = k0; k < k1; k++) {
                    boolean close = false;
                    for (int u = 0; u < pt; u++) {
                        close |= sum[u] + Math.abs(val[vb + (t + u) * vs + (k - e0)]) > MAX_COUNT;
                    }
                    if (close) {
                        ends[n++] = k - k0;
                        Arrays.fill(sum, 0);
                    }
                    for (int u = 0; u < pt; u++) {
                        sum[u] += Math.abs(val[vb + (t + u) * vs + (k - e0)]);
                    }
                }
                if (k1 > k0) {
                    ends[n++] = k1 - k0;
                }
            }
            first[p * (groups + 1) + groups] = n;
        }
    }

    /**
     * The codes at bytes o + j for j in [0, n) (n a multiple of 2L) as int16, each 2L rows interleaved:
     * row j + i at cs[co + j + 2i] and row j + L + i at cs[co + j + 2i + 1], i in [0, L). Seen as int lanes,
     * a sum's low halves are then rows j .. j + L and its high halves rows j + L .. j + 2L, widened by two
     * shifts ({@link #lo}, {@link #hi}).
     */
    static void convert(MemorySegment seg, long o, short[] cs, int co, int n) {
        for (int j = 0; j < n; j += 2 * L) {
            IntVector a = Int8MatVec.widen(seg, o + j).and(0xFFFF);
            IntVector b = Int8MatVec.widen(seg, o + j + L).lanewise(VectorOperators.LSHL, 16);
            a.or(b).reinterpretAsShorts().intoArray(cs, co + j);
        }
    }

    /**
     * m tokens' (8, 4 or 1) group sums over the group's chunks [c0, c1), STEP rows at a time: per chunk,
     * int16 sums into {@code sums}, widened into the int sums {@code ia}; then acc += float(sum) * scale.
     * Token u's count of the group's k-th entry is val[v + u * vs + k]; its sums are at u * STEP.
     */
    private static void panel(int m, short[] cs, short[] val, int v, int vs, int[] ends, int c0, int c1, short[] sums, int[] ia,
            float[] sg, int so, float[] acc, int a, int n) {
        for (int j = 0; j < n; j += STEP) {
            Arrays.fill(ia, 0, m * STEP, 0);
            int k = 0;
            for (int c = c0; c < c1; c++) {
                int kEnd = ends[c];
                if (m == PANEL) {
                    chunk8(cs, val, v, vs, k, kEnd, j, sums);
                } else if (m == 4) {
                    chunk4(cs, val, v, vs, k, kEnd, j, sums);
                } else {
                    chunk1(cs, val, v, k, kEnd, j, sums);
                }
                widen(sums, ia, m * STEP);
                k = kEnd;
            }
            for (int u = 0; u < m; u++) {
                for (int i = 0; i < STEP; i += L) {
                    int o = a + u * SEGMENT_ROWS + j + i;
                    Int8MatVec.toFloat(IntVector.fromArray(I, ia, u * STEP + i)).fma(FloatVector.fromArray(F, sg, so + j + i),
                            FloatVector.fromArray(F, acc, o)).intoArray(acc, o);
                }
            }
        }
    }

    /** ia[i] += the int16 sums[i] for i in [0, n), undoing {@link #convert}'s interleave. */
    private static void widen(short[] sums, int[] ia, int n) {
        for (int i = 0; i < n; i += 2 * L) {
            ShortVector x = ShortVector.fromArray(S, sums, i);
            IntVector.fromArray(I, ia, i).add(lo(x)).intoArray(ia, i);
            IntVector.fromArray(I, ia, i + L).add(hi(x)).intoArray(ia, i + L);
        }
    }

    /** Eight tokens' int16 sums over entries [k, kEnd) and rows [j, j + STEP), into sums[u * STEP ..]. */
    private static void chunk8(short[] cs, short[] val, int v, int vs, int k, int kEnd, int j, short[] sums) {
        ShortVector zs = ShortVector.zero(S);
        ShortVector a0 = zs, b0 = zs, a1 = zs, b1 = zs, a2 = zs, b2 = zs, a3 = zs, b3 = zs;
        ShortVector a4 = zs, b4 = zs, a5 = zs, b5 = zs, a6 = zs, b6 = zs, a7 = zs, b7 = zs;
        for (; k < kEnd; k++) {
            ShortVector x0 = ShortVector.fromArray(S, cs, k * SEGMENT_ROWS + j);
            ShortVector x1 = ShortVector.fromArray(S, cs, k * SEGMENT_ROWS + j + 2 * L);
            ShortVector s = ShortVector.broadcast(S, val[v + k]);
            a0 = a0.add(x0.mul(s));
            b0 = b0.add(x1.mul(s));
            s = ShortVector.broadcast(S, val[v + vs + k]);
            a1 = a1.add(x0.mul(s));
            b1 = b1.add(x1.mul(s));
            s = ShortVector.broadcast(S, val[v + 2 * vs + k]);
            a2 = a2.add(x0.mul(s));
            b2 = b2.add(x1.mul(s));
            s = ShortVector.broadcast(S, val[v + 3 * vs + k]);
            a3 = a3.add(x0.mul(s));
            b3 = b3.add(x1.mul(s));
            s = ShortVector.broadcast(S, val[v + 4 * vs + k]);
            a4 = a4.add(x0.mul(s));
            b4 = b4.add(x1.mul(s));
            s = ShortVector.broadcast(S, val[v + 5 * vs + k]);
            a5 = a5.add(x0.mul(s));
            b5 = b5.add(x1.mul(s));
            s = ShortVector.broadcast(S, val[v + 6 * vs + k]);
            a6 = a6.add(x0.mul(s));
            b6 = b6.add(x1.mul(s));
            s = ShortVector.broadcast(S, val[v + 7 * vs + k]);
            a7 = a7.add(x0.mul(s));
            b7 = b7.add(x1.mul(s));
        }
        a0.intoArray(sums, 0);
        b0.intoArray(sums, 2 * L);
        a1.intoArray(sums, STEP);
        b1.intoArray(sums, STEP + 2 * L);
        a2.intoArray(sums, 2 * STEP);
        b2.intoArray(sums, 2 * STEP + 2 * L);
        a3.intoArray(sums, 3 * STEP);
        b3.intoArray(sums, 3 * STEP + 2 * L);
        a4.intoArray(sums, 4 * STEP);
        b4.intoArray(sums, 4 * STEP + 2 * L);
        a5.intoArray(sums, 5 * STEP);
        b5.intoArray(sums, 5 * STEP + 2 * L);
        a6.intoArray(sums, 6 * STEP);
        b6.intoArray(sums, 6 * STEP + 2 * L);
        a7.intoArray(sums, 7 * STEP);
        b7.intoArray(sums, 7 * STEP + 2 * L);
    }

    /** As {@link #chunk8} for four tokens. */
    private static void chunk4(short[] cs, short[] val, int v, int vs, int k, int kEnd, int j, short[] sums) {
        ShortVector zs = ShortVector.zero(S);
        ShortVector a0 = zs, b0 = zs, a1 = zs, b1 = zs, a2 = zs, b2 = zs, a3 = zs, b3 = zs;
        for (; k < kEnd; k++) {
            ShortVector x0 = ShortVector.fromArray(S, cs, k * SEGMENT_ROWS + j);
            ShortVector x1 = ShortVector.fromArray(S, cs, k * SEGMENT_ROWS + j + 2 * L);
            ShortVector s = ShortVector.broadcast(S, val[v + k]);
            a0 = a0.add(x0.mul(s));
            b0 = b0.add(x1.mul(s));
            s = ShortVector.broadcast(S, val[v + vs + k]);
            a1 = a1.add(x0.mul(s));
            b1 = b1.add(x1.mul(s));
            s = ShortVector.broadcast(S, val[v + 2 * vs + k]);
            a2 = a2.add(x0.mul(s));
            b2 = b2.add(x1.mul(s));
            s = ShortVector.broadcast(S, val[v + 3 * vs + k]);
            a3 = a3.add(x0.mul(s));
            b3 = b3.add(x1.mul(s));
        }
        a0.intoArray(sums, 0);
        b0.intoArray(sums, 2 * L);
        a1.intoArray(sums, STEP);
        b1.intoArray(sums, STEP + 2 * L);
        a2.intoArray(sums, 2 * STEP);
        b2.intoArray(sums, 2 * STEP + 2 * L);
        a3.intoArray(sums, 3 * STEP);
        b3.intoArray(sums, 3 * STEP + 2 * L);
    }

    /** As {@link #chunk8} for one token. */
    private static void chunk1(short[] cs, short[] val, int v, int k, int kEnd, int j, short[] sums) {
        ShortVector a0 = ShortVector.zero(S);
        ShortVector b0 = a0;
        for (; k < kEnd; k++) {
            ShortVector s = ShortVector.broadcast(S, val[v + k]);
            a0 = a0.add(ShortVector.fromArray(S, cs, k * SEGMENT_ROWS + j).mul(s));
            b0 = b0.add(ShortVector.fromArray(S, cs, k * SEGMENT_ROWS + j + 2 * L).mul(s));
        }
        a0.intoArray(sums, 0);
        b0.intoArray(sums, 2 * L);
    }

    /** Rows j .. j + L of an interleaved pair of rows' sums: the low int16 of each int lane, sign-extended. */
    private static IntVector lo(ShortVector s) {
        return s.reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16);
    }

    /** Rows j + L .. j + 2L: the high int16 of each int lane, sign-extended. */
    private static IntVector hi(ShortVector s) {
        return s.reinterpretAsInts().lanewise(VectorOperators.ASHR, 16);
    }
}
