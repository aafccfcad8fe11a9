package io.spikert.kernels.spike;

import static io.spikert.kernels.spike.Int8MatVec.F;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Objects;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The batched W8ASpike product ({@link SpikeMatMul}) split at its integer group sums, so that an integer GEMM
 * elsewhere (oneDNN's batched s8 x s8 -> s32 matmul, in the runtime's CPU backend) can compute them:
 * {@link #blockCodes} hands out a channel block's int8 codes, group g the [128][run length] int8 matrix stored at
 * {@code g * 128 * runLength}; {@link #accumulate}, {@link #store} and {@link #addOutliers} do the float steps in
 * {@link SpikeMatMul}'s order: per group {@code acc = fma((float) sum, scale[r][g], acc)}, then {@code y = vth * acc},
 * then each token's outlier corrections. Given the same integer group sums (they are exact integers either way:
 * int8 counts times int8 codes over 128 channels stay below 2^24), y equals SpikeMatMul's bit for bit.
 */
public final class GroupSumProduct {
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.nativeOrder());

    private GroupSumProduct() {}

    /** Whether every count of {@code n} from {@code cOff} is an int8 value (what an s8 GEMM can take). */
    public static boolean fitsInt8(int[] counts, int cOff, int n) {
        Objects.checkFromIndexSize(cOff, n, counts.length);
        for (int i = cOff; i < cOff + n; i++) {
            int s = counts[i];
            if (s < Byte.MIN_VALUE || s > Byte.MAX_VALUE) {
                return false;
            }
        }
        return true;
    }

    /** Channel blocks of {@code w}. */
    public static int blocks(Int8Weights w) {
        return (w.rows + w.blockRows - 1) / w.blockRows;
    }

    /** First row of block {@code b}. */
    public static int blockFirstRow(Int8Weights w, int b) {
        return b * w.blockRows;
    }

    /** Rows of block {@code b} (the last may have fewer). */
    public static int blockRowCount(Int8Weights w, int b) {
        return Math.min(w.blockRows, w.rows - b * w.blockRows);
    }

    /** The leading dimension of {@link #blockCodes}' group matrices: bytes from one channel's run to the next. */
    public static int runLength(Int8Weights w, int b) {
        return w.runLength(b);
    }

    /**
     * Block {@code b}'s int8 codes from its first group on: group {@code g}'s [128][run length] matrix starts
     * {@code g * 128 * runLength} bytes in (a batch stride, for a batched GEMM over the groups).
     */
    public static MemorySegment blockCodes(Int8Weights w, int b) {
        Objects.checkIndex(b, blocks(w));
        return w.blocks.asSlice(w.blockStart(b), (long) w.groups * Int8Weights.GROUP * w.runLength(b));
    }

    /**
     * acc[t * ldAcc + (r - rowStart)] = fma((float) sums[t][r - rowStart], scale(r, g), that acc) for tokens
     * t and rows r in [rowStart, rowEnd), the sums int32 at {@code sums} with {@code ldSums} ints per token.
     */
    public static void accumulate(Int8Weights w, int g, MemorySegment sums, int ldSums, int tokens, int rowStart,
                                  int rowEnd, float[] acc, int ldAcc) {
        Objects.checkIndex(g, w.groups);
        w.checkRowRange("GroupSumProduct.accumulate", rowStart, rowEnd);
        int n = rowEnd - rowStart;
        if (tokens < 0 || n > ldSums || n > ldAcc || (long) tokens * ldAcc > acc.length
                || (long) tokens * ldSums * 4 > sums.byteSize()) {
            throw new IllegalArgumentException("GroupSumProduct.accumulate: " + tokens + " tokens x " + n
                    + " rows do not fit sums (" + ldSums + " a token, " + sums.byteSize() + " bytes) or acc ("
                    + ldAcc + " a token, " + acc.length + ")");
        }
        float[] sg = w.scalesByGroup;
        int so = g * w.rowsPadded + rowStart;
        int bound = I.loopBound(n);
        for (int t = 0; t < tokens; t++) {
            long s = (long) t * ldSums * 4;
            int a = t * ldAcc;
            int j = 0;
            for (; j < bound; j += I.length()) {
                FloatVector sum = (FloatVector) IntVector.fromMemorySegment(I, sums, s + 4L * j, ByteOrder.nativeOrder())
                        .convert(VectorOperators.I2F, 0);
                sum.fma(FloatVector.fromArray(F, sg, so + j), FloatVector.fromArray(F, acc, a + j)).intoArray(acc, a + j);
            }
            for (; j < n; j++) {
                acc[a + j] = Math.fma((float) sums.get(I32, s + 4L * j), sg[so + j], acc[a + j]);
            }
        }
    }

    /** y[yOff + t * rows + r] = vth[t] * acc[t * ldAcc + (r - rowStart)], for tokens t and rows [rowStart, rowEnd). */
    public static void store(Int8Weights w, float[] acc, int ldAcc, float[] vth, int tokens, float[] y, int yOff,
                             int rowStart, int rowEnd) {
        BatchWalk.checkOutput("GroupSumProduct.store", w, tokens, y, yOff, rowStart, rowEnd);
        Objects.checkFromIndexSize(0, tokens, vth.length);
        for (int t = 0; t < tokens; t++) {
            BatchWalk.store(acc, t * ldAcc, vth[t], y, yOff + t * w.rows, rowStart, rowEnd);
        }
    }

    /**
     * For rows [rowStart, rowEnd) already {@link #store stored}: each token's outlier corrections, as SpikeMatMul adds
     * them after its store. One call over a whole block costs one pass over the outliers per tile of tokens, wherever
     * the block's rows were stored in chunks (each element still gets its store, then its corrections).
     */
    public static void addOutliers(Int8Weights w, int[] counts, int cOff, float[] vth, int tokens, float[] y, int yOff,
                                   int rowStart, int rowEnd) {
        BatchWalk.checkOutput("GroupSumProduct.addOutliers", w, tokens, y, yOff, rowStart, rowEnd);
        Objects.checkFromIndexSize(cOff, Math.multiplyExact(tokens, w.cols), counts.length);
        Objects.checkFromIndexSize(0, tokens, vth.length);
        OutlierLanes.add(w, counts, cOff, vth, tokens, y, yOff, rowStart, rowEnd);
    }
}
