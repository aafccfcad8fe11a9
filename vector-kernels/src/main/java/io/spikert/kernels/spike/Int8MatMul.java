package io.spikert.kernels.spike;

import static io.spikert.kernels.spike.BatchWalk.L;
import static io.spikert.kernels.spike.BatchWalk.SEGMENT_ROWS;
import static io.spikert.kernels.spike.Int8MatVec.F;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Objects;
import jdk.incubator.vector.FloatVector;

/**
 * The float-input INT8 product of {@link Int8MatVec#denseFloat} for several tokens at once (prefill):
 * x [tokens][cols] gives y [tokens][rows]. The tokens go in tiles of {@link #tileTokens()}; per tile,
 * each row segment ({@link BatchWalk}) of each channel's run is widened and converted to float once
 * and multiplied into the group sums of every token of the tile, held in L1, so the matrix is streamed
 * once per tile instead of once per token.
 *
 * <p>Each token's arithmetic is Int8MatVec.denseFloat's, operation for operation (four channels per
 * step summed as (c0 x0 + c1 x1) + (c2 x2 + c3 x3), one scale FMA per group, outliers after), so each
 * token's y equals it on the same row range bit for bit.
 */
public final class Int8MatMul {
    private Int8MatMul() {}

    /** Tokens per tile by default: {@link SpikeTileList#DEFAULT_TILE_TOKENS}. */
    public static int tileTokens() {
        return SpikeTileList.DEFAULT_TILE_TOKENS;
    }

    /**
     * As {@link #denseFloat(Int8Weights, float[], int, int, float[], int, int, int)} in tiles of
     * {@code tileTokens} tokens (in [1, {@link SpikeTileList#MAX_TILE_TOKENS}]). The tile size changes
     * only how often the matrix is streamed, not the results.
     */
    public static void denseFloat(Int8Weights w, float[] x, int xOff, int tokens, float[] y, int yOff, int rowStart, int rowEnd, int tileTokens) {
        SpikeTileList.checkTileTokens("Int8MatMul.denseFloat: tileTokens", tileTokens);
        run(w, x, xOff, tokens, y, yOff, rowStart, rowEnd, tileTokens);
    }

    /**
     * y[yOff + t * rows + r] = sum_g scale[r,g] * sum_{c in g} code[r,c] * x[xOff + t * cols + c] for t in
     * [0, tokens) and r in [rowStart, rowEnd), outliers exact. Row range rule as {@link Int8MatVec#denseFloat}.
     */
    public static void denseFloat(Int8Weights w, float[] x, int xOff, int tokens, float[] y, int yOff, int rowStart, int rowEnd) {
        run(w, x, xOff, tokens, y, yOff, rowStart, rowEnd, tileTokens());
    }

    private static void run(Int8Weights w, float[] x, int xOff, int tokens, float[] y, int yOff, int rowStart, int rowEnd, int tileTokens) {
        BatchWalk.checkOutput("Int8MatMul.denseFloat", w, tokens, y, yOff, rowStart, rowEnd);
        Objects.checkFromIndexSize(xOff, Math.multiplyExact(tokens, w.cols), x.length);
        if (rowStart == rowEnd) {
            return;
        }
        for (int t0 = 0; t0 < tokens; t0 += tileTokens) {
            int tt = Math.min(tileTokens, tokens - t0);
            tile(w, x, xOff, t0, tt, y, yOff, rowStart, rowEnd);
            for (int t = t0; t < t0 + tt; t++) {
                w.addOutliers(x, xOff + t * w.cols, 0, w.cols, y, yOff + t * w.rows, rowStart, rowEnd);
            }
        }
    }

    /** Tokens [t0, t0 + tt) without outliers. */
    private static void tile(Int8Weights w, float[] x, int xOff, int t0, int tt, float[] y, int yOff, int rowStart, int rowEnd) {
        float[] acc = BatchScratch.floats(0, tt * SEGMENT_ROWS);
        float[] ga = BatchScratch.floats(1, tt * SEGMENT_ROWS);
        float[] cf = BatchScratch.floats(2, 4 * SEGMENT_ROWS);
        MemorySegment seg = w.blocks;
        float[] sg = w.scalesByGroup;
        int br = w.blockRows;
        int rows = w.rows;
        int cols = w.cols;
        int x0ff = xOff + t0 * cols;
        for (int b = rowStart / br; b * br < rowEnd; b++) {
            int b0 = b * br;
            int r0 = Math.max(rowStart, b0);
            int r1 = Math.min(rowEnd, b0 + br);
            int len = w.runLength(b);
            for (int s0 = r0; s0 < r1; s0 += SEGMENT_ROWS) {
                int s1 = Math.min(s0 + SEGMENT_ROWS, r1);
                int n = (s1 - s0 + L - 1) / L * L;
                long base = w.blockStart(b) + (s0 - b0);
                for (int t = 0; t < tt; t++) {
                    Arrays.fill(acc, t * SEGMENT_ROWS, t * SEGMENT_ROWS + n, 0f);
                }
                for (int g = 0; g < w.groups; g++) {
                    for (int t = 0; t < tt; t++) {
                        Arrays.fill(ga, t * SEGMENT_ROWS, t * SEGMENT_ROWS + n, 0f);
                    }
                    int c0 = g * Int8Weights.GROUP;
                    for (int c = c0; c < c0 + Int8Weights.GROUP; c += 4) {
                        long o = base + (long) c * len;
                        for (int q = 0; q < 4; q++) {
                            BatchWalk.convert(seg, o + (long) q * len, cf, q * SEGMENT_ROWS, n);
                        }
                        int xc = x0ff + c;
                        int t = 0;
                        for (; t + 2 <= tt; t += 2) {
                            quadPair(cf, x, xc + t * cols, xc + (t + 1) * cols, ga, t * SEGMENT_ROWS, n);
                        }
                        if (t < tt) {
                            quadPair(cf, x, xc + t * cols, -1, ga, t * SEGMENT_ROWS, n);
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
                    BatchWalk.store(acc, t * SEGMENT_ROWS, 1f, y, yOff + (t0 + t) * rows, s0, s1);
                }
            }
        }
    }

    /**
     * The group sums of one or two tokens, ga[a + j] (and ga[a + SEGMENT_ROWS + j] when xb >= 0), += four
     * channels' codes (cf, converted) times inputs x[xa .. xa + 4) (and x[xb ..)), for j in [0, n), in
     * Int8MatVec.denseFloat's order: ga + ((c0 x0 + c1 x1) + (c2 x2 + c3 x3)), the first product of each
     * pair an FMA.
     */
    private static void quadPair(float[] cf, float[] x, int xa, int xb, float[] ga, int a, int n) {
        FloatVector p0 = FloatVector.broadcast(F, x[xa]);
        FloatVector p1 = FloatVector.broadcast(F, x[xa + 1]);
        FloatVector p2 = FloatVector.broadcast(F, x[xa + 2]);
        FloatVector p3 = FloatVector.broadcast(F, x[xa + 3]);
        if (xb < 0) {
            for (int j = 0; j < n; j += L) {
                FloatVector c0 = FloatVector.fromArray(F, cf, j);
                FloatVector c1 = FloatVector.fromArray(F, cf, SEGMENT_ROWS + j);
                FloatVector c2 = FloatVector.fromArray(F, cf, 2 * SEGMENT_ROWS + j);
                FloatVector c3 = FloatVector.fromArray(F, cf, 3 * SEGMENT_ROWS + j);
                FloatVector u = c0.fma(p0, c1.mul(p1));
                FloatVector v = c2.fma(p2, c3.mul(p3));
                FloatVector.fromArray(F, ga, a + j).add(u.add(v)).intoArray(ga, a + j);
            }
            return;
        }
        FloatVector q0 = FloatVector.broadcast(F, x[xb]);
        FloatVector q1 = FloatVector.broadcast(F, x[xb + 1]);
        FloatVector q2 = FloatVector.broadcast(F, x[xb + 2]);
        FloatVector q3 = FloatVector.broadcast(F, x[xb + 3]);
        int b = a + SEGMENT_ROWS;
        for (int j = 0; j < n; j += L) {
            FloatVector c0 = FloatVector.fromArray(F, cf, j);
            FloatVector c1 = FloatVector.fromArray(F, cf, SEGMENT_ROWS + j);
            FloatVector c2 = FloatVector.fromArray(F, cf, 2 * SEGMENT_ROWS + j);
            FloatVector c3 = FloatVector.fromArray(F, cf, 3 * SEGMENT_ROWS + j);
            FloatVector u = c0.fma(p0, c1.mul(p1));
            FloatVector v = c2.fma(p2, c3.mul(p3));
            FloatVector.fromArray(F, ga, a + j).add(u.add(v)).intoArray(ga, a + j);
            FloatVector u2 = c0.fma(q0, c1.mul(q1));
            FloatVector v2 = c2.fma(q2, c3.mul(q3));
            FloatVector.fromArray(F, ga, b + j).add(u2.add(v2)).intoArray(ga, b + j);
        }
    }
}
