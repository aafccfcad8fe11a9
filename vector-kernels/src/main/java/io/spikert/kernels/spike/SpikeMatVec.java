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

    static void run(Int8Weights w, ChannelList list, float vth, float[] y, int yOff, int rowStart, int rowEnd) {
        if (rowStart == rowEnd) {
            return;
        }
        BlockStream.counts(w, list, vth, y, yOff, rowStart, rowEnd);
        w.addOutliers(list, vth, y, yOff, rowStart, rowEnd);
    }
}
