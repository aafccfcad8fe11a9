package io.spikert.kernels;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.Objects;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * y = W x for a row range of {@link QuantWeights} (decode: one token). Each weight vector is widened from its codes
 * and multiplied by its group's scale, which gives exactly the dequantised F32 weights, and then accumulated as
 * {@link MatVec#f32} accumulates F32 rows: two accumulators a row, even vectors into the first and odd ones into the
 * second, added and summed by {@link LaneSums}. So each y equals MatVec.f32's on the dequantised matrix, bit for
 * bit, while a token reads a quarter (Q8) or an eighth (Q4) of the F32 bytes. Four rows a block share each x
 * vector. Widths other than 8 or 16 float lanes dequantise rows into a scratch and run MatVec.f32 on it. The
 * conversions are written out in the loops: as helper methods C2 left them out of these large loops (too deep to
 * inline) and boxed the vectors, 7x slower.
 */
public final class QuantMatVec {
    private QuantMatVec() {}

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    private static final int L = F.length();
    /** L bytes, widened to L lanes (a 64- or 128-bit shape where the vector paths run). */
    private static final VectorSpecies<Byte> B = QuantWeights.B;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final int G = QuantFormat.GROUP;

    /** y[yOff + r] = sum_c weight(r, c) * x[xOff + c] for r in [rowStart, rowEnd). */
    public static void multiply(QuantWeights w, float[] x, int xOff, float[] y, int yOff, int rowStart, int rowEnd) {
        Objects.checkFromToIndex(rowStart, rowEnd, w.rows());
        Objects.checkFromIndexSize(xOff, w.cols(), x.length);
        if (rowStart == rowEnd) {
            return;
        }
        Objects.checkFromIndexSize(yOff + rowStart, rowEnd - rowStart, y.length);
        if (!QuantWeights.VECTOR) {
            viaF32(w, x, xOff, y, yOff, rowStart, rowEnd);
        } else if (w.format() == QuantFormat.Q8) {
            q8(w, x, xOff, y, yOff, rowStart, rowEnd);
        } else {
            q4(w, x, xOff, y, yOff, rowStart, rowEnd);
        }
    }

    /** The path for other vector widths: each row dequantised into a scratch, then MatVec.f32 on it. */
    static void viaF32(QuantWeights w, float[] x, int xOff, float[] y, int yOff, int rowStart, int rowEnd) {
        int cols = w.cols();
        float[] row = new float[cols];
        MemorySegment seg = MemorySegment.ofArray(row);
        for (int r = rowStart; r < rowEnd; r++) {
            w.dequantize(r, 0, cols, row, 0);
            MatVec.f32(seg, cols, x, xOff, y, yOff + r, 0, 1);
        }
    }

    private static void q8(QuantWeights w, float[] x, int xOff, float[] y, int yOff, int rowStart, int rowEnd) {
        int cols = w.cols();
        int groups = cols / G;
        long rb = w.format().rowBytes(cols);
        MemorySegment codes = w.codes();
        MemorySegment sc = w.scales();
        float[] lanes = Scratch.floats(4 * L);
        int r = rowStart;
        for (; r + 4 <= rowEnd; r += 4) {
            MemorySegment blk = codes.asSlice(r * rb, 4 * rb);
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, c0 = a0, c1 = a0, c2 = a0, c3 = a0;
            for (int g = 0; g < groups; g++) {
                FloatVector s0 = FloatVector.broadcast(F, sc.getAtIndex(Weights.F32, (long) r * groups + g));
                FloatVector s1 = FloatVector.broadcast(F, sc.getAtIndex(Weights.F32, (long) (r + 1) * groups + g));
                FloatVector s2 = FloatVector.broadcast(F, sc.getAtIndex(Weights.F32, (long) (r + 2) * groups + g));
                FloatVector s3 = FloatVector.broadcast(F, sc.getAtIndex(Weights.F32, (long) (r + 3) * groups + g));
                for (int j = 0; j < G; j += 2 * L) {
                    int c = g * G + j;
                    long o = c;
                    FloatVector xv = FloatVector.fromArray(F, x, xOff + c);
                    FloatVector xw = FloatVector.fromArray(F, x, xOff + c + L);
                    a0 = ((FloatVector) ByteVector.fromMemorySegment(B, blk, o, LE).convertShape(VectorOperators.B2F, F, 0)).mul(s0).fma(xv, a0);
                    c0 = ((FloatVector) ByteVector.fromMemorySegment(B, blk, o + L, LE).convertShape(VectorOperators.B2F, F, 0)).mul(s0).fma(xw, c0);
                    a1 = ((FloatVector) ByteVector.fromMemorySegment(B, blk, o + rb, LE).convertShape(VectorOperators.B2F, F, 0)).mul(s1).fma(xv, a1);
                    c1 = ((FloatVector) ByteVector.fromMemorySegment(B, blk, o + rb + L, LE).convertShape(VectorOperators.B2F, F, 0)).mul(s1).fma(xw, c1);
                    a2 = ((FloatVector) ByteVector.fromMemorySegment(B, blk, o + 2 * rb, LE).convertShape(VectorOperators.B2F, F, 0)).mul(s2).fma(xv, a2);
                    c2 = ((FloatVector) ByteVector.fromMemorySegment(B, blk, o + 2 * rb + L, LE).convertShape(VectorOperators.B2F, F, 0)).mul(s2).fma(xw, c2);
                    a3 = ((FloatVector) ByteVector.fromMemorySegment(B, blk, o + 3 * rb, LE).convertShape(VectorOperators.B2F, F, 0)).mul(s3).fma(xv, a3);
                    c3 = ((FloatVector) ByteVector.fromMemorySegment(B, blk, o + 3 * rb + L, LE).convertShape(VectorOperators.B2F, F, 0)).mul(s3).fma(xw, c3);
                }
            }
            a0.add(c0).intoArray(lanes, 0);
            a1.add(c1).intoArray(lanes, L);
            a2.add(c2).intoArray(lanes, 2 * L);
            a3.add(c3).intoArray(lanes, 3 * L);
            y[yOff + r] = LaneSums.sum(lanes, 0);
            y[yOff + r + 1] = LaneSums.sum(lanes, L);
            y[yOff + r + 2] = LaneSums.sum(lanes, 2 * L);
            y[yOff + r + 3] = LaneSums.sum(lanes, 3 * L);
        }
        for (; r < rowEnd; r++) {
            MemorySegment row = codes.asSlice(r * rb, rb);
            FloatVector a0 = FloatVector.zero(F), c0 = a0;
            for (int g = 0; g < groups; g++) {
                FloatVector s0 = FloatVector.broadcast(F, sc.getAtIndex(Weights.F32, (long) r * groups + g));
                for (int j = 0; j < G; j += 2 * L) {
                    int c = g * G + j;
                    a0 = ((FloatVector) ByteVector.fromMemorySegment(B, row, c, LE).convertShape(VectorOperators.B2F, F, 0)).mul(s0).fma(FloatVector.fromArray(F, x, xOff + c), a0);
                    c0 = ((FloatVector) ByteVector.fromMemorySegment(B, row, c + L, LE).convertShape(VectorOperators.B2F, F, 0)).mul(s0).fma(FloatVector.fromArray(F, x, xOff + c + L), c0);
                }
            }
            a0.add(c0).intoArray(lanes, 0);
            y[yOff + r] = LaneSums.sum(lanes, 0);
        }
    }

    /**
     * Q4: a group's 16 bytes hold columns 0-15 in their low and 16-31 in their high four bits. With 8 lanes two
     * 8-byte loads give vectors 0 and 1 (low bits) and 2 and 3 (high bits); with 16 lanes one load gives vector 0
     * (low) and 1 (high). Even vectors go to the first accumulator, odd ones to the second, as in MatVec.f32.
     */
    private static void q4(QuantWeights w, float[] x, int xOff, float[] y, int yOff, int rowStart, int rowEnd) {
        int cols = w.cols();
        int groups = cols / G;
        long rb = w.format().rowBytes(cols);
        MemorySegment codes = w.codes();
        MemorySegment sc = w.scales();
        float[] lanes = Scratch.floats(4 * L);
        int r = rowStart;
        for (; r + 4 <= rowEnd; r += 4) {
            MemorySegment blk = codes.asSlice(r * rb, 4 * rb);
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, c0 = a0, c1 = a0, c2 = a0, c3 = a0;
            for (int g = 0; g < groups; g++) {
                int c = g * G;
                long o = (long) g * (G / 2);
                FloatVector s0 = FloatVector.broadcast(F, sc.getAtIndex(Weights.F32, (long) r * groups + g));
                FloatVector s1 = FloatVector.broadcast(F, sc.getAtIndex(Weights.F32, (long) (r + 1) * groups + g));
                FloatVector s2 = FloatVector.broadcast(F, sc.getAtIndex(Weights.F32, (long) (r + 2) * groups + g));
                FloatVector s3 = FloatVector.broadcast(F, sc.getAtIndex(Weights.F32, (long) (r + 3) * groups + g));
                if (L == 8) {
                    FloatVector x0 = FloatVector.fromArray(F, x, xOff + c);
                    FloatVector x1 = FloatVector.fromArray(F, x, xOff + c + 8);
                    FloatVector x2 = FloatVector.fromArray(F, x, xOff + c + 16);
                    FloatVector x3 = FloatVector.fromArray(F, x, xOff + c + 24);
                    IntVector p = (IntVector) ByteVector.fromMemorySegment(B, blk, o, LE).convertShape(VectorOperators.B2I, I, 0), q = (IntVector) ByteVector.fromMemorySegment(B, blk, o + 8, LE).convertShape(VectorOperators.B2I, I, 0);
                    a0 = ((FloatVector) p.lanewise(VectorOperators.LSHL, 28).lanewise(VectorOperators.ASHR, 28).convertShape(VectorOperators.I2F, F, 0)).mul(s0).fma(x0, a0);
                    c0 = ((FloatVector) q.lanewise(VectorOperators.LSHL, 28).lanewise(VectorOperators.ASHR, 28).convertShape(VectorOperators.I2F, F, 0)).mul(s0).fma(x1, c0);
                    a0 = ((FloatVector) p.lanewise(VectorOperators.ASHR, 4).convertShape(VectorOperators.I2F, F, 0)).mul(s0).fma(x2, a0);
                    c0 = ((FloatVector) q.lanewise(VectorOperators.ASHR, 4).convertShape(VectorOperators.I2F, F, 0)).mul(s0).fma(x3, c0);
                    p = (IntVector) ByteVector.fromMemorySegment(B, blk, o + rb, LE).convertShape(VectorOperators.B2I, I, 0);
                    q = (IntVector) ByteVector.fromMemorySegment(B, blk, o + rb + 8, LE).convertShape(VectorOperators.B2I, I, 0);
                    a1 = ((FloatVector) p.lanewise(VectorOperators.LSHL, 28).lanewise(VectorOperators.ASHR, 28).convertShape(VectorOperators.I2F, F, 0)).mul(s1).fma(x0, a1);
                    c1 = ((FloatVector) q.lanewise(VectorOperators.LSHL, 28).lanewise(VectorOperators.ASHR, 28).convertShape(VectorOperators.I2F, F, 0)).mul(s1).fma(x1, c1);
                    a1 = ((FloatVector) p.lanewise(VectorOperators.ASHR, 4).convertShape(VectorOperators.I2F, F, 0)).mul(s1).fma(x2, a1);
                    c1 = ((FloatVector) q.lanewise(VectorOperators.ASHR, 4).convertShape(VectorOperators.I2F, F, 0)).mul(s1).fma(x3, c1);
                    p = (IntVector) ByteVector.fromMemorySegment(B, blk, o + 2 * rb, LE).convertShape(VectorOperators.B2I, I, 0);
                    q = (IntVector) ByteVector.fromMemorySegment(B, blk, o + 2 * rb + 8, LE).convertShape(VectorOperators.B2I, I, 0);
                    a2 = ((FloatVector) p.lanewise(VectorOperators.LSHL, 28).lanewise(VectorOperators.ASHR, 28).convertShape(VectorOperators.I2F, F, 0)).mul(s2).fma(x0, a2);
                    c2 = ((FloatVector) q.lanewise(VectorOperators.LSHL, 28).lanewise(VectorOperators.ASHR, 28).convertShape(VectorOperators.I2F, F, 0)).mul(s2).fma(x1, c2);
                    a2 = ((FloatVector) p.lanewise(VectorOperators.ASHR, 4).convertShape(VectorOperators.I2F, F, 0)).mul(s2).fma(x2, a2);
                    c2 = ((FloatVector) q.lanewise(VectorOperators.ASHR, 4).convertShape(VectorOperators.I2F, F, 0)).mul(s2).fma(x3, c2);
                    p = (IntVector) ByteVector.fromMemorySegment(B, blk, o + 3 * rb, LE).convertShape(VectorOperators.B2I, I, 0);
                    q = (IntVector) ByteVector.fromMemorySegment(B, blk, o + 3 * rb + 8, LE).convertShape(VectorOperators.B2I, I, 0);
                    a3 = ((FloatVector) p.lanewise(VectorOperators.LSHL, 28).lanewise(VectorOperators.ASHR, 28).convertShape(VectorOperators.I2F, F, 0)).mul(s3).fma(x0, a3);
                    c3 = ((FloatVector) q.lanewise(VectorOperators.LSHL, 28).lanewise(VectorOperators.ASHR, 28).convertShape(VectorOperators.I2F, F, 0)).mul(s3).fma(x1, c3);
                    a3 = ((FloatVector) p.lanewise(VectorOperators.ASHR, 4).convertShape(VectorOperators.I2F, F, 0)).mul(s3).fma(x2, a3);
                    c3 = ((FloatVector) q.lanewise(VectorOperators.ASHR, 4).convertShape(VectorOperators.I2F, F, 0)).mul(s3).fma(x3, c3);
                } else {
                    FloatVector x0 = FloatVector.fromArray(F, x, xOff + c);
                    FloatVector x1 = FloatVector.fromArray(F, x, xOff + c + 16);
                    IntVector p = (IntVector) ByteVector.fromMemorySegment(B, blk, o, LE).convertShape(VectorOperators.B2I, I, 0);
                    a0 = ((FloatVector) p.lanewise(VectorOperators.LSHL, 28).lanewise(VectorOperators.ASHR, 28).convertShape(VectorOperators.I2F, F, 0)).mul(s0).fma(x0, a0);
                    c0 = ((FloatVector) p.lanewise(VectorOperators.ASHR, 4).convertShape(VectorOperators.I2F, F, 0)).mul(s0).fma(x1, c0);
                    p = (IntVector) ByteVector.fromMemorySegment(B, blk, o + rb, LE).convertShape(VectorOperators.B2I, I, 0);
                    a1 = ((FloatVector) p.lanewise(VectorOperators.LSHL, 28).lanewise(VectorOperators.ASHR, 28).convertShape(VectorOperators.I2F, F, 0)).mul(s1).fma(x0, a1);
                    c1 = ((FloatVector) p.lanewise(VectorOperators.ASHR, 4).convertShape(VectorOperators.I2F, F, 0)).mul(s1).fma(x1, c1);
                    p = (IntVector) ByteVector.fromMemorySegment(B, blk, o + 2 * rb, LE).convertShape(VectorOperators.B2I, I, 0);
                    a2 = ((FloatVector) p.lanewise(VectorOperators.LSHL, 28).lanewise(VectorOperators.ASHR, 28).convertShape(VectorOperators.I2F, F, 0)).mul(s2).fma(x0, a2);
                    c2 = ((FloatVector) p.lanewise(VectorOperators.ASHR, 4).convertShape(VectorOperators.I2F, F, 0)).mul(s2).fma(x1, c2);
                    p = (IntVector) ByteVector.fromMemorySegment(B, blk, o + 3 * rb, LE).convertShape(VectorOperators.B2I, I, 0);
                    a3 = ((FloatVector) p.lanewise(VectorOperators.LSHL, 28).lanewise(VectorOperators.ASHR, 28).convertShape(VectorOperators.I2F, F, 0)).mul(s3).fma(x0, a3);
                    c3 = ((FloatVector) p.lanewise(VectorOperators.ASHR, 4).convertShape(VectorOperators.I2F, F, 0)).mul(s3).fma(x1, c3);
                }
            }
            a0.add(c0).intoArray(lanes, 0);
            a1.add(c1).intoArray(lanes, L);
            a2.add(c2).intoArray(lanes, 2 * L);
            a3.add(c3).intoArray(lanes, 3 * L);
            y[yOff + r] = LaneSums.sum(lanes, 0);
            y[yOff + r + 1] = LaneSums.sum(lanes, L);
            y[yOff + r + 2] = LaneSums.sum(lanes, 2 * L);
            y[yOff + r + 3] = LaneSums.sum(lanes, 3 * L);
        }
        for (; r < rowEnd; r++) {
            MemorySegment row = codes.asSlice(r * rb, rb);
            FloatVector a0 = FloatVector.zero(F), c0 = a0;
            for (int g = 0; g < groups; g++) {
                int c = g * G;
                long o = (long) g * (G / 2);
                FloatVector s0 = FloatVector.broadcast(F, sc.getAtIndex(Weights.F32, (long) r * groups + g));
                if (L == 8) {
                    IntVector p = (IntVector) ByteVector.fromMemorySegment(B, row, o, LE).convertShape(VectorOperators.B2I, I, 0), q = (IntVector) ByteVector.fromMemorySegment(B, row, o + 8, LE).convertShape(VectorOperators.B2I, I, 0);
                    a0 = ((FloatVector) p.lanewise(VectorOperators.LSHL, 28).lanewise(VectorOperators.ASHR, 28).convertShape(VectorOperators.I2F, F, 0)).mul(s0).fma(FloatVector.fromArray(F, x, xOff + c), a0);
                    c0 = ((FloatVector) q.lanewise(VectorOperators.LSHL, 28).lanewise(VectorOperators.ASHR, 28).convertShape(VectorOperators.I2F, F, 0)).mul(s0).fma(FloatVector.fromArray(F, x, xOff + c + 8), c0);
                    a0 = ((FloatVector) p.lanewise(VectorOperators.ASHR, 4).convertShape(VectorOperators.I2F, F, 0)).mul(s0).fma(FloatVector.fromArray(F, x, xOff + c + 16), a0);
                    c0 = ((FloatVector) q.lanewise(VectorOperators.ASHR, 4).convertShape(VectorOperators.I2F, F, 0)).mul(s0).fma(FloatVector.fromArray(F, x, xOff + c + 24), c0);
                } else {
                    IntVector p = (IntVector) ByteVector.fromMemorySegment(B, row, o, LE).convertShape(VectorOperators.B2I, I, 0);
                    a0 = ((FloatVector) p.lanewise(VectorOperators.LSHL, 28).lanewise(VectorOperators.ASHR, 28).convertShape(VectorOperators.I2F, F, 0)).mul(s0).fma(FloatVector.fromArray(F, x, xOff + c), a0);
                    c0 = ((FloatVector) p.lanewise(VectorOperators.ASHR, 4).convertShape(VectorOperators.I2F, F, 0)).mul(s0).fma(FloatVector.fromArray(F, x, xOff + c + 16), c0);
                }
            }
            a0.add(c0).intoArray(lanes, 0);
            y[yOff + r] = LaneSums.sum(lanes, 0);
        }
    }
}
