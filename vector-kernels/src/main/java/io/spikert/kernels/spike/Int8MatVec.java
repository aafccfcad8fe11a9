package io.spikert.kernels.spike;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.Objects;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Dense INT8 products over the channel blocks of {@link Int8Weights} (the one resident copy of the
 * codes): every channel's run is read, silent or not, so the cost does not depend on the input. Both
 * stream each run front to back through {@link BlockStream}, CH channels per pass over a block's group
 * sums.
 *
 * <p>{@link #dense}: {@code y[r] = vth * sum_g scale[r,g] * (sum_{i in g} code[r,i] * s_i)}, group sums in
 * int lanes (codes widened, times the count; int16 lanes for four channels of small counts), converted
 * to float at the end of each group (exact below 2^24 per lane).
 *
 * <p>{@link #denseFloat}: the same walk with a float input (for a projection whose input is not
 * spiked): codes converted to float, group sums in float.
 */
public final class Int8MatVec {
    private Int8MatVec() {}

    static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    /** Bytes of one int vector's worth of codes. */
    static final VectorSpecies<Byte> B = VectorSpecies.of(byte.class, VectorShape.forBitSize(I.length() * 8));
    static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    /**
     * y[yOff + r] for r in [rowStart, rowEnd) from counts[cOff .. cOff + cols) and threshold vth.
     * rowStart must be a multiple of {@link Int8Weights#TILE}, and rowEnd one too or the last row.
     */
    public static void dense(Int8Weights w, int[] counts, int cOff, float vth, float[] y, int yOff, int rowStart, int rowEnd) {
        w.checkProduct("Int8MatVec.dense", y, yOff, rowStart, rowEnd);
        w.checkRowRange("Int8MatVec.dense", rowStart, rowEnd);
        Objects.checkFromIndexSize(cOff, w.cols, counts.length);
        ChannelList all = SpikeScratch.channels().fill("Int8MatVec.dense", counts, cOff, w.cols, false);
        SpikeMatVec.run(w, all, vth, y, yOff, rowStart, rowEnd);
    }

    /**
     * As {@link #dense(Int8Weights, int[], int, float, float[], int, int, int)} over channels listed once
     * by {@link ChannelList#listAll} (or an active list with no silent channel) and shared by the threads
     * of one product.
     */
    public static void dense(Int8Weights w, ChannelList all, float vth, float[] y, int yOff, int rowStart, int rowEnd) {
        w.checkProduct("Int8MatVec.dense", y, yOff, rowStart, rowEnd);
        w.checkRowRange("Int8MatVec.dense", rowStart, rowEnd);
        all.checkFor("Int8MatVec.dense", w);
        checkAll("Int8MatVec.dense", w, all);
        SpikeMatVec.run(w, all, vth, y, yOff, rowStart, rowEnd);
    }

    /**
     * The dense product split by input channels instead of rows, as {@link SpikeMatVec#sparseGroups} (the
     * same walk over every channel): y[yOff + r] for every row from the channels of scale groups
     * [groupStart, groupEnd) only; threads taking disjoint group ranges into separate outputs, summed
     * afterwards, give the product. Each thread streams whole channel runs, which is faster than the row
     * split's half runs (docs/PERFORMANCE.md, "Design measurements").
     */
    public static void denseGroups(Int8Weights w, ChannelList all, float vth, float[] y, int yOff, int groupStart, int groupEnd) {
        all.checkFor("Int8MatVec.denseGroups", w);
        checkAll("Int8MatVec.denseGroups", w, all);
        SpikeMatVec.groups("Int8MatVec.denseGroups", w, all, vth, y, yOff, groupStart, groupEnd);
    }

    private static void checkAll(String kernel, Int8Weights w, ChannelList all) {
        if (all.size() != w.cols) {
            throw new IllegalArgumentException(kernel + ": channel list holds " + all.size() + " of " + w.cols
                    + " channels (silent ones left out); list them all (ChannelList.listAll)");
        }
    }

    /**
     * y[yOff + r] = sum_g scale[r,g] * sum_{c in g} code[r,c] * x[xOff + c] for r in [rowStart, rowEnd),
     * outliers exact (a float input: for a projection whose input is not spiked, with weights exactly
     * code x scale). Same row-range rule as {@link #dense}.
     */
    public static void denseFloat(Int8Weights w, float[] x, int xOff, float[] y, int yOff, int rowStart, int rowEnd) {
        w.checkProduct("Int8MatVec.denseFloat", y, yOff, rowStart, rowEnd);
        w.checkRowRange("Int8MatVec.denseFloat", rowStart, rowEnd);
        Objects.checkFromIndexSize(xOff, w.cols, x.length);
        if (rowStart == rowEnd) {
            return;
        }
        BlockStream.floats(w, x, xOff, 0, w.groups, y, yOff, rowStart, rowEnd);
        w.addOutliers(x, xOff, 0, w.cols, y, yOff, rowStart, rowEnd);
    }

    /**
     * {@link #denseFloat} split by input channels instead of rows, as {@link #denseGroups}: y[yOff + r] for
     * every row from the channels of scale groups [groupStart, groupEnd) only (y[yOff .. yOff + rows) is
     * overwritten; an empty range writes zeros). Threads taking disjoint group ranges into separate outputs,
     * summed afterwards, give the product, each streaming whole channel runs; the sum over parts rounds
     * differently from the row split (float sums grouped otherwise), within float rounding of the same product.
     */
    public static void denseFloatGroups(Int8Weights w, float[] x, int xOff, float[] y, int yOff, int groupStart, int groupEnd) {
        if (groupStart < 0 || groupStart > groupEnd || groupEnd > w.groups) {
            throw new IllegalArgumentException("Int8MatVec.denseFloatGroups: group range [" + groupStart + ", " + groupEnd
                    + ") outside [0, " + w.groups + "]");
        }
        Objects.checkFromIndexSize(yOff, w.rows, y.length);
        Objects.checkFromIndexSize(xOff, w.cols, x.length);
        BlockStream.floats(w, x, xOff, groupStart, groupEnd, y, yOff, 0, w.rows);
        w.addOutliers(x, xOff, groupStart * Int8Weights.GROUP, Math.min(w.cols, groupEnd * Int8Weights.GROUP), y, yOff, 0, w.rows);
    }

    /** L int8 codes at byte offset o, sign-extended to int lanes. */
    static IntVector widen(MemorySegment seg, long o) {
        return (IntVector) ByteVector.fromMemorySegment(B, seg, o, LE).convertShape(VectorOperators.B2I, I, 0);
    }

    static FloatVector toFloat(IntVector a) {
        return (FloatVector) a.convertShape(VectorOperators.I2F, F, 0);
    }
}
