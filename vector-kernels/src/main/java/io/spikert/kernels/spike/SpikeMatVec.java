package io.spikert.kernels.spike;

import java.util.Objects;

/**
 * Event-driven W8ASpike product over spike counts: only channels with a non-zero count touch the
 * weights, so silent channels cost no memory traffic and no arithmetic. The non-zero channels are
 * listed once per call, by scale group; in the channel blocks of {@link Int8Weights} an active channel
 * is one contiguous run per block, streamed whole ({@link BlockStream}), and a silent channel's run is
 * skipped whole, so the prefetchers do not fetch it either. Outlier corrections follow for the active
 * channels only.
 */
public final class SpikeMatVec {
    private SpikeMatVec() {}

    /**
     * y[yOff + r] = vth * sum_i s_i * code[r,i] * scale[r, i/128] for r in [rowStart, rowEnd), with
     * s = counts[cOff .. cOff + cols). rowStart must be a multiple of {@link Int8Weights#TILE}, and
     * rowEnd one too or the last row (split work across threads with that grain). Lists the active
     * channels itself (per call, per thread); threads sharing one product should list once and call
     * {@link #sparse(Int8Weights, ChannelList, float, float[], int, int, int)}.
     */
    public static void sparse(Int8Weights w, int[] counts, int cOff, float vth, float[] y, int yOff, int rowStart, int rowEnd) {
        w.checkProduct("SpikeMatVec.sparse", y, yOff, rowStart, rowEnd);
        w.checkRowRange("SpikeMatVec.sparse", rowStart, rowEnd);
        Objects.checkFromIndexSize(cOff, w.cols, counts.length);
        ChannelList active = SpikeScratch.channels().fill("SpikeMatVec.sparse", counts, cOff, w.cols, true);
        run(w, active, vth, y, yOff, rowStart, rowEnd);
    }

    /**
     * As {@link #sparse(Int8Weights, int[], int, float, float[], int, int, int)} over channels listed once
     * by {@link ChannelList#listActive} (a list of every channel gives the same result, reading every run).
     * The list is only read, so any number of threads may share it.
     */
    public static void sparse(Int8Weights w, ChannelList active, float vth, float[] y, int yOff, int rowStart, int rowEnd) {
        w.checkProduct("SpikeMatVec.sparse", y, yOff, rowStart, rowEnd);
        w.checkRowRange("SpikeMatVec.sparse", rowStart, rowEnd);
        active.checkFor("SpikeMatVec.sparse", w);
        run(w, active, vth, y, yOff, rowStart, rowEnd);
    }

    /**
     * The event-driven product split by input channels instead of rows: y[yOff + r] = vth * sum over the
     * channels of scale groups [groupStart, groupEnd) of s_i * code[r,i] * scale[r, i/128], for every row r
     * (y[yOff .. yOff + rows) is overwritten; an empty group range writes zeros). Threads that take
     * disjoint group ranges (see {@link ChannelList#splitGroup}) into separate outputs, summed afterwards,
     * give the product. Each thread then streams whole channel runs (runs cut in half by a row split
     * restart the prefetchers twice as often, and were slower), and no thread has to find its first row
     * in each column's outliers. The sum over parts rounds differently from the row split
     * (float sums grouped otherwise), within float rounding of the same product.
     */
    public static void sparseGroups(Int8Weights w, ChannelList active, float vth, float[] y, int yOff, int groupStart, int groupEnd) {
        active.checkFor("SpikeMatVec.sparseGroups", w);
        groups("SpikeMatVec.sparseGroups", w, active, vth, y, yOff, groupStart, groupEnd);
    }

    static void groups(String kernel, Int8Weights w, ChannelList list, float vth, float[] y, int yOff, int groupStart, int groupEnd) {
        if (groupStart < 0 || groupStart > groupEnd || groupEnd > w.groups) {
            throw new IllegalArgumentException(kernel + ": group range [" + groupStart + ", " + groupEnd + ") outside [0, " + w.groups + "]");
        }
        Objects.checkFromIndexSize(yOff, w.rows, y.length);
        BlockStream.counts(w, list, groupStart, groupEnd, vth, y, yOff, 0, w.rows);
        w.addOutliers(list, list.groupEnd[groupStart], list.groupEnd[groupEnd], vth, y, yOff, 0, w.rows);
    }

    static void run(Int8Weights w, ChannelList list, float vth, float[] y, int yOff, int rowStart, int rowEnd) {
        if (rowStart == rowEnd) {
            return;
        }
        BlockStream.counts(w, list, 0, w.groups, vth, y, yOff, rowStart, rowEnd);
        w.addOutliers(list, 0, list.size(), vth, y, yOff, rowStart, rowEnd);
    }
}
