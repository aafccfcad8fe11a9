package io.spikert.kernels.spike;

import static io.spikert.kernels.spike.Int8MatVec.F;
import static io.spikert.kernels.spike.Int8MatVec.I;
import static io.spikert.kernels.spike.Int8MatVec.toFloat;
import static io.spikert.kernels.spike.Int8MatVec.widen;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Objects;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;

/**
 * BENCHMARK BASELINE ONLY, not used by the runtime: the dense INT8 kernel as it was before
 * {@link Int8Weights} moved to channel blocks, over its own copy of the int8 codes in the old
 * input-major tiles [ceil(rows / TILE)][cols][TILE] (TILE = {@value Int8Weights#TILE} rows held in
 * eight int vector registers; every channel of every tile read). Kept so the ratio benchmarks can show,
 * in the same run, that the dense kernel on the new layout is not slower than the old one. Scales and
 * outlier corrections are the wrapped weights'.
 */
public final class TiledInt8Baseline {
    private static final int L = I.length();
    private static final int TILE = Int8Weights.TILE;

    private final Int8Weights w;
    private final MemorySegment tiled;
    private final long tileStride;

    /** Copies w's int8 codes into tiles in native memory from {@code arena} (one more byte per weight). */
    public TiledInt8Baseline(Arena arena, Int8Weights w) {
        this.w = w;
        this.tileStride = (long) w.cols * TILE;
        this.tiled = arena.allocate((long) w.rowsPadded * w.cols, 64);
        for (int r = 0; r < w.rows; r++) {
            for (int c = 0; c < w.cols; c++) {
                tiled.set(ValueLayout.JAVA_BYTE, (r / TILE) * tileStride + (long) c * TILE + r % TILE, (byte) w.int8Code(r, c));
            }
        }
    }

    /** As {@link Int8MatVec#dense} on the old tiles: same arguments and row-range rules, same result. */
    public void dense(int[] counts, int cOff, float vth, float[] y, int yOff, int rowStart, int rowEnd) {
        w.checkProduct("TiledInt8Baseline.dense", y, yOff, rowStart, rowEnd);
        w.checkRowRange("TiledInt8Baseline.dense", rowStart, rowEnd);
        int cols = w.cols;
        Objects.checkFromIndexSize(cOff, cols, counts.length);
        for (int c = 0; c < cols; c++) {
            Int8Weights.checkCount("TiledInt8Baseline.dense", counts[cOff + c], c);
        }
        int groups = w.groups;
        float[] sg = w.scalesByGroup;
        int rp = w.rowsPadded;
        long colStride = TILE;
        float[] tmp = new float[TILE];
        for (int t0 = rowStart; t0 < rowEnd; t0 += TILE) {
            MemorySegment tile = tiled.asSlice((t0 / TILE) * tileStride);
            FloatVector f0 = FloatVector.zero(F), f1 = f0, f2 = f0, f3 = f0, f4 = f0, f5 = f0, f6 = f0, f7 = f0;
            for (int g = 0; g < groups; g++) {
                IntVector a0 = IntVector.zero(I), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
                int end = (g + 1) * Int8Weights.GROUP;
                for (int c = g * Int8Weights.GROUP; c < end; c++) {
                    long o = c * colStride;
                    IntVector s = IntVector.broadcast(I, counts[cOff + c]);
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
                f0.intoArray(tmp, 0);
                f1.intoArray(tmp, L);
                f2.intoArray(tmp, 2 * L);
                f3.intoArray(tmp, 3 * L);
                f4.intoArray(tmp, 4 * L);
                f5.intoArray(tmp, 5 * L);
                f6.intoArray(tmp, 6 * L);
                f7.intoArray(tmp, 7 * L);
                for (int j = 0; j < rowEnd - t0; j++) {
                    y[o + j] = vth * tmp[j];
                }
            }
        }
        w.addOutliers(counts, cOff, vth, y, yOff, rowStart, rowEnd);
    }
}
