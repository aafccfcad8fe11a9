package io.spikert.kernels.spike;

import static io.spikert.kernels.spike.Int8MatVec.F;
import static io.spikert.kernels.spike.Int8MatVec.I;

import java.util.Objects;
import jdk.incubator.vector.FloatVector;

/**
 * What the batched kernels share: the row segment size, the checks of a batch's arguments, and the
 * per-token store of a segment's results.
 *
 * <p>A batched product walks each channel block in row segments of {@link #SEGMENT_ROWS} rows; for one
 * segment it keeps, per token of the tile, the segment's float row results and one group's sums in
 * thread-local arrays (2 x tokens x SEGMENT_ROWS floats: 16 KiB for 8 tokens of 256 rows, L1-resident),
 * and streams the segment's piece of each listed channel's run once, converting its codes to float once
 * and multiplying them into every token of the tile.
 */
final class BatchWalk {
    private BatchWalk() {}

    static final int L = I.length();

    /**
     * Rows per segment, a multiple of {@link Int8Weights#TILE}. Property {@code spikert.int8.batchRows}
     * overrides it (for tuning).
     */
    static final int SEGMENT_ROWS = checkSegment(Integer.getInteger("spikert.int8.batchRows", 256));

    /** Checks rows, row range and the [tokens][rows] output of a batch. */
    static void checkOutput(String kernel, Int8Weights w, int tokens, float[] y, int yOff, int rowStart, int rowEnd) {
        if (tokens < 1) {
            throw new IllegalArgumentException(kernel + ": tokens must be at least 1, got " + tokens);
        }
        w.checkProduct(kernel, y, yOff, rowStart, rowEnd);
        w.checkRowRange(kernel, rowStart, rowEnd);
        Objects.checkFromToIndex(yOff, Math.addExact(yOff, Math.multiplyExact(tokens - 1, w.rows) + rowEnd), y.length);
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

    private static int checkSegment(int n) {
        if (n < Int8Weights.TILE || n % Int8Weights.TILE != 0) {
            throw new IllegalArgumentException("spikert.int8.batchRows: " + n + " must be a positive multiple of " + Int8Weights.TILE);
        }
        return n;
    }
}
