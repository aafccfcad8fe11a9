package io.spikert.kernels;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * y = W x for a row range of a row-major weight matrix (decode: one token). Memory-bound: four rows
 * are streamed at once so every x vector loaded serves four weight vectors, with two accumulators per
 * row to keep eight independent FMA chains in flight.
 */
public final class MatVec {
    private MatVec() {}

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final int L = F.length();

    /** y[yOff + r] = sum_c W[r,c] * x[xOff + c] for r in [rowStart, rowEnd); W is F32. */
    public static void f32(MemorySegment w, int cols, float[] x, int xOff, float[] y, int yOff, int rowStart, int rowEnd) {
        Weights.checkMatrix("MatVec.f32", w, cols, rowEnd, 4);
        long rowBytes = (long) cols * 4;
        int vec2 = cols - cols % (2 * L);
        int vec1 = cols - cols % L;
        int r = rowStart;
        for (; r + 4 <= rowEnd; r += 4) {
            long b0 = r * rowBytes;
            long b1 = b0 + rowBytes;
            long b2 = b1 + rowBytes;
            long b3 = b2 + rowBytes;
            FloatVector a0 = FloatVector.zero(F), c0 = FloatVector.zero(F);
            FloatVector a1 = FloatVector.zero(F), c1 = FloatVector.zero(F);
            FloatVector a2 = FloatVector.zero(F), c2 = FloatVector.zero(F);
            FloatVector a3 = FloatVector.zero(F), c3 = FloatVector.zero(F);
            int c = 0;
            for (; c < vec2; c += 2 * L) {
                FloatVector x0 = FloatVector.fromArray(F, x, xOff + c);
                FloatVector x1 = FloatVector.fromArray(F, x, xOff + c + L);
                long o = (long) c * 4;
                long o1 = o + 4L * L;
                a0 = FloatVector.fromMemorySegment(F, w, b0 + o, LE).fma(x0, a0);
                c0 = FloatVector.fromMemorySegment(F, w, b0 + o1, LE).fma(x1, c0);
                a1 = FloatVector.fromMemorySegment(F, w, b1 + o, LE).fma(x0, a1);
                c1 = FloatVector.fromMemorySegment(F, w, b1 + o1, LE).fma(x1, c1);
                a2 = FloatVector.fromMemorySegment(F, w, b2 + o, LE).fma(x0, a2);
                c2 = FloatVector.fromMemorySegment(F, w, b2 + o1, LE).fma(x1, c2);
                a3 = FloatVector.fromMemorySegment(F, w, b3 + o, LE).fma(x0, a3);
                c3 = FloatVector.fromMemorySegment(F, w, b3 + o1, LE).fma(x1, c3);
            }
            for (; c < vec1; c += L) {
                FloatVector x0 = FloatVector.fromArray(F, x, xOff + c);
                long o = (long) c * 4;
                a0 = FloatVector.fromMemorySegment(F, w, b0 + o, LE).fma(x0, a0);
                a1 = FloatVector.fromMemorySegment(F, w, b1 + o, LE).fma(x0, a1);
                a2 = FloatVector.fromMemorySegment(F, w, b2 + o, LE).fma(x0, a2);
                a3 = FloatVector.fromMemorySegment(F, w, b3 + o, LE).fma(x0, a3);
            }
            float s0 = a0.add(c0).reduceLanes(VectorOperators.ADD);
            float s1 = a1.add(c1).reduceLanes(VectorOperators.ADD);
            float s2 = a2.add(c2).reduceLanes(VectorOperators.ADD);
            float s3 = a3.add(c3).reduceLanes(VectorOperators.ADD);
            for (; c < cols; c++) {
                float xc = x[xOff + c];
                long e = (long) r * cols + c;
                s0 += Weights.f32(w, e) * xc;
                s1 += Weights.f32(w, e + cols) * xc;
                s2 += Weights.f32(w, e + 2L * cols) * xc;
                s3 += Weights.f32(w, e + 3L * cols) * xc;
            }
            y[yOff + r] = s0;
            y[yOff + r + 1] = s1;
            y[yOff + r + 2] = s2;
            y[yOff + r + 3] = s3;
        }
        for (; r < rowEnd; r++) {
            long b0 = r * rowBytes;
            FloatVector a0 = FloatVector.zero(F), c0 = FloatVector.zero(F);
            int c = 0;
            for (; c < vec2; c += 2 * L) {
                long o = b0 + (long) c * 4;
                a0 = FloatVector.fromMemorySegment(F, w, o, LE).fma(FloatVector.fromArray(F, x, xOff + c), a0);
                c0 = FloatVector.fromMemorySegment(F, w, o + 4L * L, LE).fma(FloatVector.fromArray(F, x, xOff + c + L), c0);
            }
            for (; c < vec1; c += L) {
                a0 = FloatVector.fromMemorySegment(F, w, b0 + (long) c * 4, LE).fma(FloatVector.fromArray(F, x, xOff + c), a0);
            }
            float s0 = a0.add(c0).reduceLanes(VectorOperators.ADD);
            for (; c < cols; c++) {
                s0 += Weights.f32(w, (long) r * cols + c) * x[xOff + c];
            }
            y[yOff + r] = s0;
        }
    }

    /**
     * As {@link #f32} with BF16 weights. Weights are loaded as 32-bit pairs: (pair << 16) is the even
     * element and (pair & 0xFFFF0000) the odd one, both exact floats, so x is split once per call into
     * its even and odd elements to match.
     */
    public static void bf16(MemorySegment w, int cols, float[] x, int xOff, float[] y, int yOff, int rowStart, int rowEnd) {
        Weights.checkMatrix("MatVec.bf16", w, cols, rowEnd, 2);
        if (rowStart >= rowEnd) {
            return;
        }
        long rowBytes = (long) cols * 2;
        int pairs = cols / 2;
        int vecPairs = pairs - pairs % L;
        int vecCols = 2 * vecPairs;
        float[] split = Scratch.floats(2 * vecPairs);
        for (int m = 0; m < vecPairs; m++) {
            split[m] = x[xOff + 2 * m];
            split[vecPairs + m] = x[xOff + 2 * m + 1];
        }
        int r = rowStart;
        for (; r + 4 <= rowEnd; r += 4) {
            long b0 = r * rowBytes;
            long b1 = b0 + rowBytes;
            long b2 = b1 + rowBytes;
            long b3 = b2 + rowBytes;
            FloatVector e0 = FloatVector.zero(F), o0 = FloatVector.zero(F);
            FloatVector e1 = FloatVector.zero(F), o1 = FloatVector.zero(F);
            FloatVector e2 = FloatVector.zero(F), o2 = FloatVector.zero(F);
            FloatVector e3 = FloatVector.zero(F), o3 = FloatVector.zero(F);
            for (int m = 0; m < vecPairs; m += L) {
                FloatVector xe = FloatVector.fromArray(F, split, m);
                FloatVector xo = FloatVector.fromArray(F, split, vecPairs + m);
                long o = (long) m * 4;
                IntVector p0 = IntVector.fromMemorySegment(I, w, b0 + o, LE);
                IntVector p1 = IntVector.fromMemorySegment(I, w, b1 + o, LE);
                IntVector p2 = IntVector.fromMemorySegment(I, w, b2 + o, LE);
                IntVector p3 = IntVector.fromMemorySegment(I, w, b3 + o, LE);
                e0 = even(p0).fma(xe, e0);
                o0 = odd(p0).fma(xo, o0);
                e1 = even(p1).fma(xe, e1);
                o1 = odd(p1).fma(xo, o1);
                e2 = even(p2).fma(xe, e2);
                o2 = odd(p2).fma(xo, o2);
                e3 = even(p3).fma(xe, e3);
                o3 = odd(p3).fma(xo, o3);
            }
            float s0 = e0.add(o0).reduceLanes(VectorOperators.ADD);
            float s1 = e1.add(o1).reduceLanes(VectorOperators.ADD);
            float s2 = e2.add(o2).reduceLanes(VectorOperators.ADD);
            float s3 = e3.add(o3).reduceLanes(VectorOperators.ADD);
            for (int c = vecCols; c < cols; c++) {
                float xc = x[xOff + c];
                long e = (long) r * cols + c;
                s0 += Weights.bf16(w, e) * xc;
                s1 += Weights.bf16(w, e + cols) * xc;
                s2 += Weights.bf16(w, e + 2L * cols) * xc;
                s3 += Weights.bf16(w, e + 3L * cols) * xc;
            }
            y[yOff + r] = s0;
            y[yOff + r + 1] = s1;
            y[yOff + r + 2] = s2;
            y[yOff + r + 3] = s3;
        }
        for (; r < rowEnd; r++) {
            long b0 = r * rowBytes;
            FloatVector e0 = FloatVector.zero(F), o0 = FloatVector.zero(F);
            for (int m = 0; m < vecPairs; m += L) {
                IntVector p0 = IntVector.fromMemorySegment(I, w, b0 + (long) m * 4, LE);
                e0 = even(p0).fma(FloatVector.fromArray(F, split, m), e0);
                o0 = odd(p0).fma(FloatVector.fromArray(F, split, vecPairs + m), o0);
            }
            float s0 = e0.add(o0).reduceLanes(VectorOperators.ADD);
            for (int c = vecCols; c < cols; c++) {
                s0 += Weights.bf16(w, (long) r * cols + c) * x[xOff + c];
            }
            y[yOff + r] = s0;
        }
    }

    private static FloatVector even(IntVector pairs) {
        return pairs.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    private static FloatVector odd(IntVector pairs) {
        return pairs.and(0xFFFF0000).reinterpretAsFloats();
    }
}
