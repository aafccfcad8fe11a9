package io.spikert.kernels.spike;

/**
 * Scalar reference twin of {@link SpikeTrainMatVec}: walks the train step by step and channel by
 * channel; each spike adds weight(t) * sign * its weight column into per-(row, group) long sums.
 */
public final class SpikeTrainMatVecScalar {
    private SpikeTrainMatVecScalar() {}

    public static void bitwise(Int8Weights w, SpikeBitPlanes planes, float vth, float[] y, int yOff, int rowStart, int rowEnd) {
        long[][] sums = new long[rowEnd - rowStart][w.groups()];
        int T = planes.steps();
        for (int t = 0; t < T; t++) {
            long place = planes.coding().weight(t, T);
            for (int i = 0; i < planes.channels(); i++) {
                long bit = 1L << (i % 64);
                if ((planes.spikes(t, i / 64) & bit) == 0) {
                    continue;
                }
                long v = (planes.negative(t, i / 64) & bit) != 0 ? -place : place;
                for (int r = rowStart; r < rowEnd; r++) {
                    sums[r - rowStart][i / Int8Weights.GROUP] += v * w.code(r, i);
                }
            }
        }
        SpikeMatVecScalar.finish(w, sums, vth, y, yOff, rowStart, rowEnd);
    }
}
