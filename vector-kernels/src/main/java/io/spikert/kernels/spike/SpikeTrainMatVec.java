package io.spikert.kernels.spike;

import static io.spikert.kernels.spike.Int8MatVec.F;
import static io.spikert.kernels.spike.Int8MatVec.I;
import static io.spikert.kernels.spike.Int8MatVec.toFloat;
import static io.spikert.kernels.spike.Int8MatVec.widen;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Event-driven W8ASpike product over a bitwise spike train: {@code y = vth * sum_t weight(t) * sum_{i
 * spiking at t} sign * column_i}, so each spike adds or subtracts one column of int8 codes (no
 * multiplications) and only set bits touch the weights. Within a tile and scale group the time steps
 * are folded by Horner's rule in integers (acc = 2 acc + step sum, most significant step first; the
 * two's-complement sign step enters negated), which gives exactly sum_i code * s_i: the spike-train
 * product equals the integer product.
 */
public final class SpikeTrainMatVec {
    private SpikeTrainMatVec() {}

    private static final int L = I.length();
    private static final int TILE = Int8Weights.TILE;
    private static final int WORDS_PER_GROUP = Int8Weights.GROUP / 64;

    /** As {@link SpikeMatVec#sparse} with the counts given as the bit planes of a bitwise train over w.cols() channels. */
    public static void bitwise(Int8Weights w, SpikeBitPlanes planes, float vth, float[] y, int yOff, int rowStart, int rowEnd) {
        w.checkProduct("SpikeTrainMatVec.bitwise", y, yOff, rowStart, rowEnd);
        w.checkTiledRange("SpikeTrainMatVec.bitwise", rowStart, rowEnd);
        int cols = w.cols;
        if (planes.channels() != cols) {
            throw new IllegalArgumentException("SpikeTrainMatVec.bitwise: spike train has " + planes.channels()
                    + " channels, the weight has " + cols + " inputs");
        }
        int steps = planes.steps();
        int words = planes.words();
        boolean twos = planes.coding() == SpikeCoding.BITWISE_TWOS_COMPLEMENT;
        long[] spikes = planes.spikes;
        long[] negative = planes.negative;
        int[] counts = countsOf(planes);
        int groups = w.groups;
        MemorySegment tiles = w.tiled;
        float[] sg = w.scalesByGroup;
        int rp = w.rowsPadded;
        long tileBytes = (long) cols * TILE;
        for (int t0 = rowStart; t0 < rowEnd; t0 += TILE) {
            MemorySegment tile = tiles.asSlice((t0 / TILE) * tileBytes, tileBytes);
            FloatVector f0 = FloatVector.zero(F), f1 = f0, f2 = f0, f3 = f0, f4 = f0, f5 = f0, f6 = f0, f7 = f0;
            for (int g = 0; g < groups; g++) {
                int w0 = g * WORDS_PER_GROUP;
                long any = 0;
                for (int t = 0; t < steps; t++) {
                    for (int q = 0; q < WORDS_PER_GROUP; q++) {
                        any |= spikes[t * words + w0 + q];
                    }
                }
                if (any == 0) {
                    continue;
                }
                IntVector a0 = IntVector.zero(I), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
                for (int t = 0; t < steps; t++) {
                    a0 = a0.lanewise(VectorOperators.LSHL, 1);
                    a1 = a1.lanewise(VectorOperators.LSHL, 1);
                    a2 = a2.lanewise(VectorOperators.LSHL, 1);
                    a3 = a3.lanewise(VectorOperators.LSHL, 1);
                    a4 = a4.lanewise(VectorOperators.LSHL, 1);
                    a5 = a5.lanewise(VectorOperators.LSHL, 1);
                    a6 = a6.lanewise(VectorOperators.LSHL, 1);
                    a7 = a7.lanewise(VectorOperators.LSHL, 1);
                    for (int q = 0; q < WORDS_PER_GROUP; q++) {
                        int word = w0 + q;
                        long set = spikes[t * words + word];
                        long minus = twos && t == 0 ? set : negative[t * words + word];
                        long plus = set & ~minus;
                        long base = (long) word * 64 * TILE;
                        while (plus != 0) {
                            long o = base + (long) Long.numberOfTrailingZeros(plus) * TILE;
                            plus &= plus - 1;
                            a0 = a0.add(widen(tile, o));
                            a1 = a1.add(widen(tile, o + L));
                            a2 = a2.add(widen(tile, o + 2 * L));
                            a3 = a3.add(widen(tile, o + 3 * L));
                            a4 = a4.add(widen(tile, o + 4 * L));
                            a5 = a5.add(widen(tile, o + 5 * L));
                            a6 = a6.add(widen(tile, o + 6 * L));
                            a7 = a7.add(widen(tile, o + 7 * L));
                        }
                        while (minus != 0) {
                            long o = base + (long) Long.numberOfTrailingZeros(minus) * TILE;
                            minus &= minus - 1;
                            a0 = a0.sub(widen(tile, o));
                            a1 = a1.sub(widen(tile, o + L));
                            a2 = a2.sub(widen(tile, o + 2 * L));
                            a3 = a3.sub(widen(tile, o + 3 * L));
                            a4 = a4.sub(widen(tile, o + 4 * L));
                            a5 = a5.sub(widen(tile, o + 5 * L));
                            a6 = a6.sub(widen(tile, o + 6 * L));
                            a7 = a7.sub(widen(tile, o + 7 * L));
                        }
                    }
                }
                int so = g * rp + t0;
                f0 = toFloat(a0).fma(FloatVector.fromArray(F, sg, so), f0);
                f1 = toFloat(a1).fma(FloatVector.fromArray(F, sg, so + L), f1);
                f2 = toFloat(a2).fma(FloatVector.fromArray(F, sg, so + 2 * L), f2);
                f3 = toFloat(a3).fma(FloatVector.fromArray(F, sg, so + 3 * L), f3);
                f4 = toFloat(a4).fma(FloatVector.fromArray(F, sg, so + 4 * L), f4);
                f5 = toFloat(a5).fma(FloatVector.fromArray(F, sg, so + 5 * L), f5);
                f6 = toFloat(a6).fma(FloatVector.fromArray(F, sg, so + 6 * L), f6);
                f7 = toFloat(a7).fma(FloatVector.fromArray(F, sg, so + 7 * L), f7);
            }
            SpikeMatVec.storeTile(vth, f0, f1, f2, f3, f4, f5, f6, f7, y, yOff, t0, rowEnd);
        }
        w.addOutliers(counts, 0, vth, y, yOff, rowStart, rowEnd);
    }

    /**
     * The counts back from the planes (per-thread scratch), for the outlier corrections and the count
     * bound. Work follows the number of spikes.
     */
    private static int[] countsOf(SpikeBitPlanes planes) {
        int n = planes.channels();
        int steps = planes.steps();
        int words = planes.words();
        int[] counts = SpikeScratch.ints(3, n);
        Arrays.fill(counts, 0, n, 0);
        for (int t = 0; t < steps; t++) {
            int v = planes.coding().weight(t, steps);
            for (int q = 0; q < words; q++) {
                long set = planes.spikes[t * words + q];
                long neg = planes.negative[t * words + q];
                while (set != 0) {
                    int b = Long.numberOfTrailingZeros(set);
                    long bit = 1L << b;
                    set &= set - 1;
                    counts[q * 64 + b] += (neg & bit) != 0 ? -v : v;
                }
            }
        }
        for (int c = 0; c < n; c++) {
            Int8Weights.checkCount("SpikeTrainMatVec.bitwise", counts[c], c);
        }
        return counts;
    }
}
