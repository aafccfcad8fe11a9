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
    /** Rows per pass of {@link #stepSums}: eight int vectors. */
    private static final int HALF = 8 * L;

    /** As {@link SpikeMatVec#sparse} with the counts given as the bit planes of a bitwise train over w.cols() channels. */
    public static void bitwise(Int8Weights w, SpikeBitPlanes planes, float vth, float[] y, int yOff, int rowStart, int rowEnd) {
        w.checkProduct("SpikeTrainMatVec.bitwise", y, yOff, rowStart, rowEnd);
        w.checkRowRange("SpikeTrainMatVec.bitwise", rowStart, rowEnd);
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
        if (rowStart == rowEnd) {
            return;
        }
        int groups = w.groups;
        MemorySegment seg = w.blocks;
        float[] sg = w.scalesByGroup;
        int rp = w.rowsPadded;
        long[] plus = new long[steps * WORDS_PER_GROUP];
        long[] minus = new long[steps * WORDS_PER_GROUP];
        int[] sums = SpikeScratch.ints(0, 2 * HALF);
        float[] f = BlockStream.rowAccumulator(rowStart, rowEnd);
        int br = w.blockRows;
        for (int g = 0; g < groups; g++) {
            long anyPlus = 0;
            long anyMinus = 0;
            for (int t = 0; t < steps; t++) {
                for (int q = 0; q < WORDS_PER_GROUP; q++) {
                    int word = t * words + g * WORDS_PER_GROUP + q;
                    long m = twos && t == 0 ? spikes[word] : negative[word];
                    minus[t * WORDS_PER_GROUP + q] = m;
                    plus[t * WORDS_PER_GROUP + q] = spikes[word] & ~m;
                    anyMinus |= m;
                    anyPlus |= spikes[word] & ~m;
                }
            }
            if ((anyPlus | anyMinus) == 0) {
                continue;
            }
            for (int b = rowStart / br; b * br < rowEnd; b++) {
                int b0 = b * br;
                int r0 = Math.max(rowStart, b0);
                int r1 = Math.min(rowEnd, b0 + br);
                int len = w.runLength(b);
                long base = w.blockStart(b) + (r0 - b0);
                // Positive and negative spikes in separate passes, eight vectors of rows at a time: one
                // small loop body each keeps every vector operation inlined (C2 boxed them in one big method).
                for (int t0 = r0; t0 < r1; t0 += TILE) {
                    for (int h = 0; h < TILE; h += HALF) {
                        long rowOff = base + (t0 - r0) + h;
                        stepSums(seg, len, rowOff, plus, anyPlus != 0, steps, g * Int8Weights.GROUP, sums, 0);
                        stepSums(seg, len, rowOff, minus, anyMinus != 0, steps, g * Int8Weights.GROUP, sums, HALF);
                        int so = g * rp + t0 + h;
                        int fo = t0 - rowStart + h;
                        for (int j = 0; j < HALF; j += L) {
                            IntVector d = IntVector.fromArray(I, sums, j).sub(IntVector.fromArray(I, sums, HALF + j));
                            toFloat(d).fma(FloatVector.fromArray(F, sg, so + j), FloatVector.fromArray(F, f, fo + j)).intoArray(f, fo + j);
                        }
                    }
                }
            }
        }
        BlockStream.store(f, vth, y, yOff, rowStart, rowEnd);
        w.addOutliers(counts, 0, vth, y, yOff, rowStart, rowEnd);
    }

    /**
     * sums[off .. off + HALF) = sum_t 2^(T-1-t) * sum_{i in masks[t]} code[j, i], Horner's rule in int lanes,
     * over the two mask words of the group starting at channel c0; channel i's HALF codes start at byte
     * rowOff + i * colStride.
     */
    private static void stepSums(MemorySegment tile, long colStride, long rowOff, long[] masks, boolean any, int steps, int c0, int[] sums, int off) {
        IntVector a0 = IntVector.zero(I), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        if (any) {
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
                    long m = masks[t * WORDS_PER_GROUP + q];
                    long base = (c0 + 64 * q) * colStride + rowOff;
                    while (m != 0) {
                        long o = base + Long.numberOfTrailingZeros(m) * colStride;
                        m &= m - 1;
                        a0 = a0.add(widen(tile, o));
                        a1 = a1.add(widen(tile, o + L));
                        a2 = a2.add(widen(tile, o + 2 * L));
                        a3 = a3.add(widen(tile, o + 3 * L));
                        a4 = a4.add(widen(tile, o + 4 * L));
                        a5 = a5.add(widen(tile, o + 5 * L));
                        a6 = a6.add(widen(tile, o + 6 * L));
                        a7 = a7.add(widen(tile, o + 7 * L));
                    }
                }
            }
        }
        a0.intoArray(sums, off);
        a1.intoArray(sums, off + L);
        a2.intoArray(sums, off + 2 * L);
        a3.intoArray(sums, off + 3 * L);
        a4.intoArray(sums, off + 4 * L);
        a5.intoArray(sums, off + 5 * L);
        a6.intoArray(sums, off + 6 * L);
        a7.intoArray(sums, off + 7 * L);
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
