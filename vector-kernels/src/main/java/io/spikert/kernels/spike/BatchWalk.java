package io.spikert.kernels.spike;

import static io.spikert.kernels.spike.Int8MatVec.F;
import static io.spikert.kernels.spike.Int8MatVec.I;

import java.lang.foreign.MemorySegment;
import java.util.Objects;
import jdk.incubator.vector.FloatVector;

/**
 * What the batched kernels share: the row segment size, the checks of a batch's arguments, the
 * conversion of a run's piece to float and the per-token store of a segment's results.
 *
 * <p>A batched product walks each channel block in row segments of {@link #SEGMENT_ROWS} rows. For one
 * segment it converts the listed channels' pieces of their runs once per tile of tokens, into a
 * thread-local array, and multiplies them into every token of the tile ({@link ShortTile}: int16 codes,
 * int16 sums over chunks of a group's channels for eight tokens and 4L rows at a time, widened to int
 * once per chunk; SpikeMatMul's float path: float codes, a whole group's channels into register-held
 * float group sums for four tokens and 32 rows at a time; {@link Int8MatMul}: four channels at a time,
 * then two tokens per pass, in Int8MatVec.denseFloat's order).
 * Per token, the segment's row results stay in a thread-local array (tokens x SEGMENT_ROWS floats).
 *
 * <p>Where it pays: the batch wins where the per-token kernels stream the matrix from DRAM (every
 * projection of the running model), and can lose where the matrix stays in the last-level cache, since
 * the weight reuse then saves little and the pieces must still be converted. A segment's pieces
 * (SEGMENT_ROWS bytes per run, a run's length apart) are read with little help from the prefetchers.
 * Tried and dropped (slower): the token loop inside the row loop, whole-block segments, sixteen float
 * register accumulators (spilled), converting straight from the weights inside the register loop (the
 * per-channel offsets defeat the segment's bounds-check hoisting), int16 panels that widened with S2I
 * conversions or kept int sums in registers (too big for C2's inlining budget; see ShortTile), and a
 * tile's outlier corrections in one walk (y strided by rows) instead of per token. The measurements:
 * docs/PERFORMANCE.md, "Design measurements".
 */
final class BatchWalk {
    private BatchWalk() {}

    static final int L = I.length();

    /**
     * Rows per segment, a multiple of {@link Int8Weights#TILE} (and of the panels' 2L and 4L rows). A
     * constant, not a tuning switch: it is the stride of the per-thread scratch arrays that the register
     * loops of every batched kernel index, and the JIT folds it into their address arithmetic. A segment's
     * converted pieces (GROUP x SEGMENT_ROWS values) and per-token results stay in L1/L2 at this size.
     */
    static final int SEGMENT_ROWS = checkSegment(256);

    /** Checks rows, row range and the [tokens][rows] output of a batch. */
    static void checkOutput(String kernel, Int8Weights w, int tokens, float[] y, int yOff, int rowStart, int rowEnd) {
        if (tokens < 1) {
            throw new IllegalArgumentException(kernel + ": tokens must be at least 1, got " + tokens);
        }
        w.checkProduct(kernel, y, yOff, rowStart, rowEnd);
        w.checkRowRange(kernel, rowStart, rowEnd);
        Objects.checkFromToIndex(yOff, Math.addExact(yOff, Math.multiplyExact(tokens - 1, w.rows) + rowEnd), y.length);
    }

    /**
     * Rows a panel pass covers for a segment of {@code rows} rows: whole pairs of vectors. Past the
     * segment's last row up to its block's run end (a whole TILE, a multiple of 2L) lie codes or padding
     * zeros, and scales, that are read but never stored.
     */
    static int panelRows(int rows) {
        return (rows + 2 * L - 1) / (2 * L) * (2 * L);
    }

    /** cf[co + j] = code at byte o + j, as float, for j in [0, n) (n a multiple of L). */
    static void convert(MemorySegment seg, long o, float[] cf, int co, int n) {
        for (int j = 0; j < n; j += L) {
            Int8MatVec.toFloat(Int8MatVec.widen(seg, o + j)).intoArray(cf, co + j);
        }
    }

    /** y[yOff + r] = vth * acc[a + r - s0] for r in [s0, s1): the one rounding of the per-token store. */
    static void store(float[] acc, int a, float vth, float[] y, int yOff, int s0, int s1) {
        int n = s1 - s0;
        int o = yOff + s0;
        int j = 0;
        for (; j <= n - L; j += L) {
            FloatVector.fromArray(F, acc, a + j).mul(vth).intoArray(y, o + j);
        }
        for (; j < n; j++) {
            y[o + j] = vth * acc[a + j];
        }
    }

    /** Vectors of 2048 bits would make a TILE of 512 rows: then the segment no longer ends on a tile. */
    private static int checkSegment(int n) {
        if (n % Int8Weights.TILE != 0) {
            throw new IllegalStateException("BatchWalk: segment of " + n + " rows is not a multiple of Int8Weights.TILE = "
                    + Int8Weights.TILE + " rows on this CPU's vector shape");
        }
        return n;
    }
}
