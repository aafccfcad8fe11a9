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
 * Dense W8ASpike product over row-major int8 codes:
 * {@code y[r] = vth * sum_g scale[r,g] * (sum_{i in g} code[r,i] * s_i)}. Every weight is read,
 * silent or not. Inside a group the products accumulate in int lanes; at the group's end the lanes
 * are converted to float (exact below 2^24 per lane, i.e. counts below about 16000) and take the
 * group's scale in one vector FMA; lanes are reduced once per row. The int8 to int widening has no
 * VNNI form in the Vector API, so this kernel is compute-bound (MACHINE.md): four rows share each
 * count vector.
 */
public final class Int8MatVec {
    private Int8MatVec() {}

    static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    /** Bytes of one int vector's worth of codes. */
    static final VectorSpecies<Byte> B = VectorSpecies.of(byte.class, VectorShape.forBitSize(I.length() * 8));
    static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final int L = I.length();

    /** y[yOff + r] for r in [rowStart, rowEnd) from counts[cOff .. cOff + cols) and threshold vth. */
    public static void dense(Int8Weights w, int[] counts, int cOff, float vth, float[] y, int yOff, int rowStart, int rowEnd) {
        w.checkProduct("Int8MatVec.dense", y, yOff, rowStart, rowEnd);
        int cols = w.cols;
        Objects.checkFromIndexSize(cOff, cols, counts.length);
        for (int c = 0; c < cols; c++) {
            Int8Weights.checkCount("Int8MatVec.dense", counts[cOff + c], c);
        }
        int groups = w.groups;
        float[] sc = w.scales;
        MemorySegment codes = w.rowMajor;
        long rb = cols;
        int r = rowStart;
        for (; r + 4 <= rowEnd; r += 4) {
            MemorySegment blk = codes.asSlice(r * rb, 4 * rb);
            FloatVector f0 = FloatVector.zero(F), f1 = f0, f2 = f0, f3 = f0;
            for (int g = 0; g < groups; g++) {
                IntVector a0 = IntVector.zero(I), a1 = a0, a2 = a0, a3 = a0;
                int end = (g + 1) * Int8Weights.GROUP;
                for (int i = g * Int8Weights.GROUP; i < end; i += L) {
                    IntVector s = IntVector.fromArray(I, counts, cOff + i);
                    a0 = a0.add(widen(blk, i).mul(s));
                    a1 = a1.add(widen(blk, rb + i).mul(s));
                    a2 = a2.add(widen(blk, 2 * rb + i).mul(s));
                    a3 = a3.add(widen(blk, 3 * rb + i).mul(s));
                }
                int so = r * groups + g;
                f0 = toFloat(a0).fma(FloatVector.broadcast(F, sc[so]), f0);
                f1 = toFloat(a1).fma(FloatVector.broadcast(F, sc[so + groups]), f1);
                f2 = toFloat(a2).fma(FloatVector.broadcast(F, sc[so + 2 * groups]), f2);
                f3 = toFloat(a3).fma(FloatVector.broadcast(F, sc[so + 3 * groups]), f3);
            }
            y[yOff + r] = vth * f0.reduceLanes(VectorOperators.ADD);
            y[yOff + r + 1] = vth * f1.reduceLanes(VectorOperators.ADD);
            y[yOff + r + 2] = vth * f2.reduceLanes(VectorOperators.ADD);
            y[yOff + r + 3] = vth * f3.reduceLanes(VectorOperators.ADD);
        }
        for (; r < rowEnd; r++) {
            MemorySegment row = codes.asSlice(r * rb, rb);
            FloatVector f0 = FloatVector.zero(F);
            for (int g = 0; g < groups; g++) {
                IntVector a0 = IntVector.zero(I);
                int end = (g + 1) * Int8Weights.GROUP;
                for (int i = g * Int8Weights.GROUP; i < end; i += L) {
                    a0 = a0.add(widen(row, i).mul(IntVector.fromArray(I, counts, cOff + i)));
                }
                f0 = toFloat(a0).fma(FloatVector.broadcast(F, sc[r * groups + g]), f0);
            }
            y[yOff + r] = vth * f0.reduceLanes(VectorOperators.ADD);
        }
        w.addOutliers(counts, cOff, vth, y, yOff, rowStart, rowEnd);
    }

    /** L int8 codes at byte offset o, sign-extended to int lanes. */
    static IntVector widen(MemorySegment seg, long o) {
        return (IntVector) ByteVector.fromMemorySegment(B, seg, o, LE).convertShape(VectorOperators.B2I, I, 0);
    }

    static FloatVector toFloat(IntVector a) {
        return (FloatVector) a.convertShape(VectorOperators.I2F, F, 0);
    }
}
