package io.spikert.kernels.spike;

import static io.spikert.kernels.spike.Int8MatVec.F;
import static io.spikert.kernels.spike.Int8MatVec.I;
import static io.spikert.kernels.spike.Int8MatVec.toFloat;
import static io.spikert.kernels.spike.Int8MatVec.widen;

import java.lang.foreign.MemorySegment;
import java.util.Objects;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;

/**
 * Event-driven W8ASpike product over spike counts: only channels with a non-zero count touch the
 * weights, so silent channels cost no memory traffic and no arithmetic. The non-zero channels are
 * listed once per call, by scale group; the weights are the input-major tiles of {@link Int8Weights}
 * (TILE output rows x all inputs), so an active channel adds one contiguous run of TILE codes, times
 * its count, into eight int vector accumulators held in registers for the tile. At the end of a group
 * the accumulators take the group's scales (one vector FMA each) into float accumulators; outlier
 * corrections follow for the active channels only.
 */
public final class SpikeMatVec {
    private SpikeMatVec() {}

    private static final int L = I.length();
    private static final int TILE = Int8Weights.TILE;

    /**
     * y[yOff + r] = vth * sum_i s_i * code[r,i] * scale[r, i/128] for r in [rowStart, rowEnd), with
     * s = counts[cOff .. cOff + cols). rowStart must be a multiple of {@link Int8Weights#TILE}, and
     * rowEnd one too or the last row (split work across threads with that grain).
     */
    public static void sparse(Int8Weights w, int[] counts, int cOff, float vth, float[] y, int yOff, int rowStart, int rowEnd) {
        w.checkProduct("SpikeMatVec.sparse", y, yOff, rowStart, rowEnd);
        w.checkTiledRange("SpikeMatVec.sparse", rowStart, rowEnd);
        int cols = w.cols;
        Objects.checkFromIndexSize(cOff, cols, counts.length);
        int groups = w.groups;
        int[] active = SpikeScratch.ints(0, cols);
        int[] value = SpikeScratch.ints(1, cols);
        int[] groupEnd = SpikeScratch.ints(2, groups + 1);
        int na = 0;
        groupEnd[0] = 0;
        for (int g = 0; g < groups; g++) {
            int end = (g + 1) * Int8Weights.GROUP;
            for (int c = g * Int8Weights.GROUP; c < end; c++) {
                int s = counts[cOff + c];
                if (s != 0) {
                    Int8Weights.checkCount("SpikeMatVec.sparse", s, c);
                    active[na] = c;
                    value[na++] = s;
                }
            }
            groupEnd[g + 1] = na;
        }
        MemorySegment tiles = w.tiled;
        float[] sg = w.scalesByGroup;
        int rp = w.rowsPadded;
        long colStride = w.colStride;
        for (int t0 = rowStart; t0 < rowEnd; t0 += TILE) {
            MemorySegment tile = tiles.asSlice((t0 / TILE) * w.tileStride);
            FloatVector f0 = FloatVector.zero(F), f1 = f0, f2 = f0, f3 = f0, f4 = f0, f5 = f0, f6 = f0, f7 = f0;
            for (int g = 0; g < groups; g++) {
                int k = groupEnd[g];
                int kEnd = groupEnd[g + 1];
                if (k == kEnd) {
                    continue;
                }
                IntVector a0 = IntVector.zero(I), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
                for (; k < kEnd; k++) {
                    long o = active[k] * colStride;
                    IntVector s = IntVector.broadcast(I, value[k]);
                    a0 = a0.add(widen(tile, o).mul(s));
                    a1 = a1.add(widen(tile, o + L).mul(s));
                    a2 = a2.add(widen(tile, o + 2 * L).mul(s));
                    a3 = a3.add(widen(tile, o + 3 * L).mul(s));
                    a4 = a4.add(widen(tile, o + 4 * L).mul(s));
                    a5 = a5.add(widen(tile, o + 5 * L).mul(s));
                    a6 = a6.add(widen(tile, o + 6 * L).mul(s));
                    a7 = a7.add(widen(tile, o + 7 * L).mul(s));
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
            int o = yOff + t0;
            if (t0 + TILE <= rowEnd) {
                f0.mul(vth).intoArray(y, o);
                f1.mul(vth).intoArray(y, o + L);
                f2.mul(vth).intoArray(y, o + 2 * L);
                f3.mul(vth).intoArray(y, o + 3 * L);
                f4.mul(vth).intoArray(y, o + 4 * L);
                f5.mul(vth).intoArray(y, o + 5 * L);
                f6.mul(vth).intoArray(y, o + 6 * L);
                f7.mul(vth).intoArray(y, o + 7 * L);
            } else {
                storePartialTile(vth, f0, f1, f2, f3, f4, f5, f6, f7, y, o, rowEnd - t0);
            }
        }
        w.addOutliers(counts, cOff, vth, y, yOff, rowStart, rowEnd);
    }

    /** y[o + j] = vth * f[j] for j below n: the last tile, whose padding rows (zero codes and scales) are dropped. Rare, so vectors may box here. */
    static void storePartialTile(float vth, FloatVector f0, FloatVector f1, FloatVector f2, FloatVector f3,
                                 FloatVector f4, FloatVector f5, FloatVector f6, FloatVector f7, float[] y, int o, int n) {
        float[] tmp = new float[TILE];
        f0.intoArray(tmp, 0);
        f1.intoArray(tmp, L);
        f2.intoArray(tmp, 2 * L);
        f3.intoArray(tmp, 3 * L);
        f4.intoArray(tmp, 4 * L);
        f5.intoArray(tmp, 5 * L);
        f6.intoArray(tmp, 6 * L);
        f7.intoArray(tmp, 7 * L);
        for (int j = 0; j < n; j++) {
            y[o + j] = vth * tmp[j];
        }
    }
}
