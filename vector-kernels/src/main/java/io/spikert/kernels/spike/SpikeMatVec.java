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

    private static final int GROUP = Int8Weights.GROUP;

    /**
     * y[yOff + r] = vth * sum_i s_i * code[r,i] * scale[r, i/128] for r in [rowStart, rowEnd), with
     * s = counts[cOff .. cOff + cols). rowStart must be a multiple of {@link Int8Weights#TILE}, and
     * rowEnd one too or the last row (split work across threads with that grain).
     */
    public static void sparse(Int8Weights w, int[] counts, int cOff, float vth, float[] y, int yOff, int rowStart, int rowEnd) {
        w.checkProduct("SpikeMatVec.sparse", y, yOff, rowStart, rowEnd);
        w.checkRowRange("SpikeMatVec.sparse", rowStart, rowEnd);
        Objects.checkFromIndexSize(cOff, w.cols, counts.length);
        int[] active = SpikeScratch.ints(0, w.cols);
        int[] value = SpikeScratch.ints(1, w.cols);
        int[] groupEnd = SpikeScratch.ints(2, w.groups + 1);
        listChannels("SpikeMatVec.sparse", counts, cOff, w.groups, active, value, groupEnd, true);
        if (rowStart == rowEnd) {
            return;
        }
        BlockStream.counts(w, active, value, groupEnd, vth, y, yOff, rowStart, rowEnd);
        w.addOutliers(counts, cOff, vth, y, yOff, rowStart, rowEnd);
    }

    /**
     * Lists channels by scale group (all of them, or with {@code skipSilent} only those with a non-zero
     * count): channel[k] has count value[k], and group g's entries are [groupEnd[g], groupEnd[g + 1]).
     * Checks each count's bound.
     */
    static void listChannels(String kernel, int[] counts, int cOff, int groups, int[] channel, int[] value, int[] groupEnd,
                             boolean skipSilent) {
        int n = 0;
        groupEnd[0] = 0;
        for (int g = 0; g < groups; g++) {
            int end = (g + 1) * GROUP;
            for (int c = g * GROUP; c < end; c++) {
                int s = counts[cOff + c];
                Int8Weights.checkCount(kernel, s, c);
                if (s != 0 || !skipSilent) {
                    channel[n] = c;
                    value[n++] = s;
                }
            }
            groupEnd[g + 1] = n;
        }
    }
}
