package io.spikert.kernels.spike;

import static io.spikert.kernels.spike.BatchWalk.L;
import static io.spikert.kernels.spike.BatchWalk.SEGMENT_ROWS;
import static io.spikert.kernels.spike.Int8MatVec.F;
import static io.spikert.kernels.spike.Int8MatVec.toFloat;
import static io.spikert.kernels.spike.Int8MatVec.widen;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Objects;
import jdk.incubator.vector.FloatVector;

/**
 * The W8ASpike product of {@link SpikeMatVec} for several tokens at once (prefill): counts [tokens][cols]
 * and thresholds vth[tokens] give y [tokens][rows]. Per-token, each token re-streamed the whole INT8
 * matrix; here the tokens go in tiles ({@link SpikeTileList}) and each tile streams each listed channel's
 * runs once: a run's piece of a row segment ({@link BatchWalk}) is widened and converted to float once
 * and multiplied into the group sums of every token of the tile, held in L1. Channels silent in every
 * token of a tile are skipped whole.
 *
 * <p>Group sums are float FMAs of code times count, exact (integers below 2^24) when the tile list says
 * so, and then equal to SpikeMatVec's integer group sums; the scale multiply per group, the vth multiply
 * and the outlier corrections are the same operations in the same order. So each token's y equals
 * SpikeMatVec's on the same row range bit for bit. Tiles whose sums could leave float's exact integers
 * (counts far beyond realistic ones) run token by token through SpikeMatVec.
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
        run(w, list, vth, y, yOff, rowStart, rowEnd);
    }

    /**
     * As {@link #sparse(Int8Weights, int[], int, int, float[], float[], int, int, int)} over a batch listed
     * once by {@link SpikeTileList#list}; the list is only read, so any number of threads may share it.
     */
    public static void sparse(Int8Weights w, SpikeTileList list, float[] vth, float[] y, int yOff, int rowStart, int rowEnd) {
        list.checkFor("SpikeMatMul.sparse", w);
        BatchWalk.checkOutput("SpikeMatMul.sparse", w, list.tokens, y, yOff, rowStart, rowEnd);
        Objects.checkFromIndexSize(0, list.tokens, vth.length);
        run(w, list, vth, y, yOff, rowStart, rowEnd);
    }

    private static void run(Int8Weights w, SpikeTileList list, float[] vth, float[] y, int yOff, int rowStart, int rowEnd) {
        if (rowStart == rowEnd) {
            return;
        }
        int rows = w.rows;
        int cols = w.cols;
        for (int i = 0; i < list.tiles; i++) {
            int t0 = i * list.tileTokens;
            int tt = Math.min(list.tileTokens, list.tokens - t0);
            if (list.exact[i]) {
                tile(w, list, i, vth, y, yOff, rowStart, rowEnd);
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
        int vs = list.tileTokens;
        int[] ch = list.channel;
        float[] val = list.value;
        int[] ge = list.groupEnd;
        int geBase = tile * (list.groups + 1);
        float[] acc = BatchScratch.floats(0, tt * SEGMENT_ROWS);
        float[] ga = BatchScratch.floats(1, tt * SEGMENT_ROWS);
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
                // whole vectors: the rows past s1 up to the block's padded run end are codes (or padding zeros) never stored
                int n = (s1 - s0 + L - 1) / L * L;
                long base = w.blockStart(b) + (s0 - b0);
                for (int t = 0; t < tt; t++) {
                    Arrays.fill(acc, t * SEGMENT_ROWS, t * SEGMENT_ROWS + n, 0f);
                }
                for (int g = 0; g < w.groups; g++) {
                    int k = ge[geBase + g];
                    int kEnd = ge[geBase + g + 1];
                    if (k == kEnd) {
                        continue;
                    }
                    for (int t = 0; t < tt; t++) {
                        Arrays.fill(ga, t * SEGMENT_ROWS, t * SEGMENT_ROWS + n, 0f);
                    }
                    for (; k + 4 <= kEnd; k += 4) {
                        long o0 = base + (long) ch[k] * len;
                        long o1 = base + (long) ch[k + 1] * len;
                        long o2 = base + (long) ch[k + 2] * len;
                        long o3 = base + (long) ch[k + 3] * len;
                        int v0 = k * vs;
                        for (int j = 0; j < n; j += L) {
                            FloatVector w0 = toFloat(widen(seg, o0 + j));
                            FloatVector w1 = toFloat(widen(seg, o1 + j));
                            FloatVector w2 = toFloat(widen(seg, o2 + j));
                            FloatVector w3 = toFloat(widen(seg, o3 + j));
                            for (int t = 0; t < tt; t++) {
                                int a = t * SEGMENT_ROWS + j;
                                int v = v0 + t;
                                FloatVector s = FloatVector.fromArray(F, ga, a);
                                s = w0.fma(FloatVector.broadcast(F, val[v]), s);
                                s = w1.fma(FloatVector.broadcast(F, val[v + vs]), s);
                                s = w2.fma(FloatVector.broadcast(F, val[v + 2 * vs]), s);
                                s = w3.fma(FloatVector.broadcast(F, val[v + 3 * vs]), s);
                                s.intoArray(ga, a);
                            }
                        }
                    }
                    for (; k < kEnd; k++) {
                        long o0 = base + (long) ch[k] * len;
                        int v0 = k * vs;
                        for (int j = 0; j < n; j += L) {
                            FloatVector w0 = toFloat(widen(seg, o0 + j));
                            for (int t = 0; t < tt; t++) {
                                int a = t * SEGMENT_ROWS + j;
                                w0.fma(FloatVector.broadcast(F, val[v0 + t]), FloatVector.fromArray(F, ga, a)).intoArray(ga, a);
                            }
                        }
                    }
                    int so = g * w.rowsPadded + s0;
                    for (int t = 0; t < tt; t++) {
                        int a = t * SEGMENT_ROWS;
                        for (int j = 0; j < n; j += L) {
                            FloatVector.fromArray(F, ga, a + j).fma(FloatVector.fromArray(F, sg, so + j), FloatVector.fromArray(F, acc, a + j))
                                    .intoArray(acc, a + j);
                        }
                    }
                }
                for (int t = 0; t < tt; t++) {
                    BatchWalk.store(acc, t * SEGMENT_ROWS, vth[t0 + t], y, yOff + (t0 + t) * rows, s0, s1);
                }
            }
        }
    }
}
