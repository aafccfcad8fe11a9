package io.spikert.kernels.spike;

import static io.spikert.kernels.spike.BatchWalk.L;
import static io.spikert.kernels.spike.BatchWalk.SEGMENT_ROWS;
import static io.spikert.kernels.spike.Int8MatVec.F;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Objects;
import jdk.incubator.vector.FloatVector;

/**
 * The W8ASpike product of {@link SpikeMatVec} for several tokens at once (prefill): counts [tokens][cols]
 * and thresholds vth[tokens] give y [tokens][rows]. Per-token, each token re-streamed the whole INT8
 * matrix; here the tokens go in tiles ({@link SpikeTileList}) and each tile streams each listed channel's
 * runs once: a run's piece of a row segment ({@link BatchWalk}) is widened once per tile and multiplied
 * into the group sums of every token of the tile, held in registers. Channels silent in every token of a
 * tile are skipped whole. Where it pays: see BatchWalk.
 *
 * <p>Two paths, the same results. A tile whose counts all have |s| at most {@link ShortTile#MAX_COUNT}
 * (realistic ones) takes {@link ShortTile}: codes widened to int16, products summed in int16 lanes over
 * chunks of channels that cannot overflow, widened to int group sums. Others take the float path here:
 * codes converted to float, group sums as float FMAs of code times count, exact (integers below 2^24)
 * when the tile list says so. Either way the group sums are SpikeMatVec's integer group sums, and the
 * scale multiply per group, the vth multiply and the outlier corrections are the same operations in the
 * same order, so each token's y equals SpikeMatVec's on the same row range bit for bit. Tiles whose
 * sums could leave float's exact integers (counts far beyond realistic ones) run token by token through
 * SpikeMatVec. The int16 path is the faster of the two (docs/PERFORMANCE.md, "int16/float"); the float
 * path stays for tiles beyond int16's range and can be forced for every exact tile, so a bench can time
 * both in one process.
 */
public final class SpikeMatMul {
    private SpikeMatMul() {}

    /**
     * y[yOff + t * rows + r] = vth[t] * sum_i s_{t,i} * code[r,i] * scale[r, i/128] for t in [0, tokens)
     * and r in [rowStart, rowEnd), with s_t = counts[cOff + t * cols .. + cols). Row range rule as
     * {@link SpikeMatVec#sparse(Int8Weights, int[], int, float, float[], int, int, int)}. Lists the tiles
     * itself (per call, per thread); threads sharing one batch should list once and call
     * {@link #sparse(Int8Weights, SpikeTileList, float[], float[], int, int, int)}.
     */
    public static void sparse(Int8Weights w, int[] counts, int cOff, int tokens, float[] vth, float[] y, int yOff, int rowStart, int rowEnd) {
        BatchWalk.checkOutput("SpikeMatMul.sparse", w, tokens, y, yOff, rowStart, rowEnd);
        Objects.checkFromIndexSize(0, tokens, vth.length);
        SpikeTileList list = BatchScratch.tileList().fill("SpikeMatMul.sparse", counts, cOff, w.cols, tokens, SpikeTileList.DEFAULT_TILE_TOKENS);
        run(w, list, vth, y, yOff, rowStart, rowEnd, false);
    }

    /**
     * As {@link #sparse(Int8Weights, int[], int, int, float[], float[], int, int, int)} over a batch listed
     * once by {@link SpikeTileList#list}; the list is only read, so any number of threads may share it.
     */
    public static void sparse(Int8Weights w, SpikeTileList list, float[] vth, float[] y, int yOff, int rowStart, int rowEnd) {
        sparse(w, list, vth, y, yOff, rowStart, rowEnd, false);
    }

    /**
     * As {@link #sparse(Int8Weights, SpikeTileList, float[], float[], int, int, int)}; with {@code floatOnly}
     * every exact tile takes the float path (the kernel before int16 lanes) instead of {@link ShortTile}.
     * The results are the same bit for bit; only the time differs (a bench switch, default false).
     */
    public static void sparse(Int8Weights w, SpikeTileList list, float[] vth, float[] y, int yOff, int rowStart, int rowEnd, boolean floatOnly) {
        list.checkFor("SpikeMatMul.sparse", w);
        BatchWalk.checkOutput("SpikeMatMul.sparse", w, list.tokens, y, yOff, rowStart, rowEnd);
        Objects.checkFromIndexSize(0, list.tokens, vth.length);
        run(w, list, vth, y, yOff, rowStart, rowEnd, floatOnly);
    }

    private static void run(Int8Weights w, SpikeTileList list, float[] vth, float[] y, int yOff, int rowStart, int rowEnd, boolean floatOnly) {
        if (rowStart == rowEnd) {
            return;
        }
        int rows = w.rows;
        int cols = w.cols;
        for (int i = 0; i < list.tiles; i++) {
            int t0 = i * list.tileTokens;
            int tt = Math.min(list.tileTokens, list.tokens - t0);
            if (list.exact[i]) {
                if (list.shortFits[i] && !floatOnly) {
                    ShortTile.tile(w, list, i, vth, y, yOff, rowStart, rowEnd);
                } else {
                    tile(w, list, i, vth, y, yOff, rowStart, rowEnd);
                }
                for (int t = t0; t < t0 + tt; t++) {
                    w.addOutliers(list.counts, list.cOff + t * cols, vth[t], y, yOff + t * rows, rowStart, rowEnd);
                }
            } else {
                for (int t = t0; t < t0 + tt; t++) {
                    SpikeMatVec.sparse(w, list.counts, list.cOff + t * cols, vth[t], y, yOff + t * rows, rowStart, rowEnd);
                }
            }
        }
    }

    /** Tile i's products without outliers: y = vth * sum_g scale * (float group sums), per token. */
    private static void tile(Int8Weights w, SpikeTileList list, int tile, float[] vth, float[] y, int yOff, int rowStart, int rowEnd) {
        int t0 = tile * list.tileTokens;
        int tt = Math.min(list.tileTokens, list.tokens - t0);
        int[] ch = list.channel;
        float[] val = list.value;
        int[] ge = list.groupEnd;
        int geBase = tile * (list.groups + 1);
        int e0 = ge[geBase];
        // token u's counts of the tile's entries start at vb + u * vs (see SpikeTileList.value)
        int vs = ge[geBase + list.groups] - e0;
        int vb = e0 * list.tileTokens;
        float[] acc = BatchScratch.floats(0, tt * SEGMENT_ROWS);
        float[] cf = BatchScratch.floats(2, Int8Weights.GROUP * SEGMENT_ROWS);
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
                int n = BatchWalk.panelRows(s1 - s0);
                long base = w.blockStart(b) + (s0 - b0);
                for (int t = 0; t < tt; t++) {
                    Arrays.fill(acc, t * SEGMENT_ROWS, t * SEGMENT_ROWS + n, 0f);
                }
                for (int g = 0; g < w.groups; g++) {
                    int k0 = ge[geBase + g];
                    int k1 = ge[geBase + g + 1];
                    if (k0 == k1) {
                        continue;
                    }
                    // the group's listed pieces converted first, then the products from L1/L2
                    for (int k = k0; k < k1; k++) {
                        BatchWalk.convert(seg, base + (long) ch[k] * len, cf, (k - k0) * SEGMENT_ROWS, n);
                    }
                    int so = g * w.rowsPadded + s0;
                    int t = 0;
                    for (; t + 4 <= tt; t += 4) {
                        panel4(cf, k1 - k0, val, vb + t * vs + (k0 - e0), vs, sg, so, acc, t * SEGMENT_ROWS, n);
                    }
                    for (; t < tt; t++) {
                        panel1(cf, k1 - k0, val, vb + t * vs + (k0 - e0), 0, sg, so, acc, t * SEGMENT_ROWS, n);
                    }
                }
                for (int t = 0; t < tt; t++) {
                    BatchWalk.store(acc, t * SEGMENT_ROWS, vth[t0 + t], y, yOff + (t0 + t) * rows, s0, s1);
                }
            }
        }
    }

    /**
     * Four tokens' group sums over m listed channels, two vectors of rows at a time held in registers
     * (eight accumulators), then acc[a + t * SEGMENT_ROWS + j] += sum * scale[so + j]: per channel two
     * loads of converted codes serve eight FMAs, and no partial sum goes to memory. Token u's count of
     * the group's k-th listed channel is val[v + u * vs + k].
     */
    private static void panel4(float[] cf, int m, float[] val, int v, int vs, float[] sg, int so, float[] acc, int a, int n) {
        FloatVector zero = FloatVector.zero(F);
        int v0 = v;
        int v1 = v + vs;
        int v2 = v + 2 * vs;
        int v3 = v + 3 * vs;
        for (int j = 0; j < n; j += 2 * L) {
            FloatVector a0 = zero, b0 = zero, a1 = zero, b1 = zero, a2 = zero, b2 = zero, a3 = zero, b3 = zero;
            for (int k = 0; k < m; k++) {
                FloatVector c0 = FloatVector.fromArray(F, cf, k * SEGMENT_ROWS + j);
                FloatVector c1 = FloatVector.fromArray(F, cf, k * SEGMENT_ROWS + j + L);
                FloatVector s = FloatVector.broadcast(F, val[v0 + k]);
                a0 = c0.fma(s, a0);
                b0 = c1.fma(s, b0);
                s = FloatVector.broadcast(F, val[v1 + k]);
                a1 = c0.fma(s, a1);
                b1 = c1.fma(s, b1);
                s = FloatVector.broadcast(F, val[v2 + k]);
                a2 = c0.fma(s, a2);
                b2 = c1.fma(s, b2);
                s = FloatVector.broadcast(F, val[v3 + k]);
                a3 = c0.fma(s, a3);
                b3 = c1.fma(s, b3);
            }
            FloatVector sc0 = FloatVector.fromArray(F, sg, so + j);
            FloatVector sc1 = FloatVector.fromArray(F, sg, so + j + L);
            scale(a0, b0, sc0, sc1, acc, a + j);
            scale(a1, b1, sc0, sc1, acc, a + SEGMENT_ROWS + j);
            scale(a2, b2, sc0, sc1, acc, a + 2 * SEGMENT_ROWS + j);
            scale(a3, b3, sc0, sc1, acc, a + 3 * SEGMENT_ROWS + j);
        }
    }

    /** As {@link #panel4} for one token. */
    private static void panel1(float[] cf, int m, float[] val, int v, int vs, float[] sg, int so, float[] acc, int a, int n) {
        FloatVector zero = FloatVector.zero(F);
        for (int j = 0; j < n; j += 2 * L) {
            FloatVector a0 = zero, b0 = zero;
            for (int k = 0; k < m; k++) {
                FloatVector s = FloatVector.broadcast(F, val[v + k]);
                a0 = FloatVector.fromArray(F, cf, k * SEGMENT_ROWS + j).fma(s, a0);
                b0 = FloatVector.fromArray(F, cf, k * SEGMENT_ROWS + j + L).fma(s, b0);
            }
            scale(a0, b0, FloatVector.fromArray(F, sg, so + j), FloatVector.fromArray(F, sg, so + j + L), acc, a + j);
        }
    }

    /** acc[i .. i + 2L) += (sum0, sum1) * (sc0, sc1), one FMA each: the per-token kernels' group step. */
    static void scale(FloatVector sum0, FloatVector sum1, FloatVector sc0, FloatVector sc1, float[] acc, int i) {
        sum0.fma(sc0, FloatVector.fromArray(F, acc, i)).intoArray(acc, i);
        sum1.fma(sc1, FloatVector.fromArray(F, acc, i + L)).intoArray(acc, i + L);
    }
}
