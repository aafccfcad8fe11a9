package io.spikert.kernels;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * y = W x for a row range of a row-major weight matrix (decode: one token). Memory-bound, so the
 * point is to stream W at full speed: a block of rows is sliced out of the segment and walked with a
 * long byte offset as the loop variable, which lets C2 hoist the segment bounds checks (an int column
 * loop with computed long offsets kept them and ran at about half the read bandwidth); every x vector
 * loaded serves all rows of the block.
 */
public final class MatVec {
    private MatVec() {}

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final int L = F.length();
    private static final long VB = F.vectorByteSize();

    /** y[yOff + r] = sum_c W[r,c] * x[xOff + c] for r in [rowStart, rowEnd); W is F32. */
    public static void f32(MemorySegment w, int cols, float[] x, int xOff, float[] y, int yOff, int rowStart, int rowEnd) {
        Weights.checkMatrix("MatVec.f32", w, cols, rowEnd, 4);
        long rb = (long) cols * 4;
        int vec2 = cols - cols % (2 * L);
        long vb2 = (long) vec2 * 4;
        float[] lanes = Scratch.floats(4 * L);
        int r = rowStart;
        // Four rows, two accumulators each: eight independent FMA chains.
        for (; r + 4 <= rowEnd; r += 4) {
            MemorySegment blk = w.asSlice(r * rb, 4 * rb);
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, c0 = a0, c1 = a0, c2 = a0, c3 = a0;
            for (long o = 0; o < vb2; o += 2 * VB) {
                int c = xOff + (int) (o >>> 2);
                FloatVector xv = FloatVector.fromArray(F, x, c);
                FloatVector xw = FloatVector.fromArray(F, x, c + L);
                a0 = FloatVector.fromMemorySegment(F, blk, o, LE).fma(xv, a0);
                c0 = FloatVector.fromMemorySegment(F, blk, o + VB, LE).fma(xw, c0);
                a1 = FloatVector.fromMemorySegment(F, blk, o + rb, LE).fma(xv, a1);
                c1 = FloatVector.fromMemorySegment(F, blk, o + rb + VB, LE).fma(xw, c1);
                a2 = FloatVector.fromMemorySegment(F, blk, o + 2 * rb, LE).fma(xv, a2);
                c2 = FloatVector.fromMemorySegment(F, blk, o + 2 * rb + VB, LE).fma(xw, c2);
                a3 = FloatVector.fromMemorySegment(F, blk, o + 3 * rb, LE).fma(xv, a3);
                c3 = FloatVector.fromMemorySegment(F, blk, o + 3 * rb + VB, LE).fma(xw, c3);
            }
            a0.add(c0).intoArray(lanes, 0);
            a1.add(c1).intoArray(lanes, L);
            a2.add(c2).intoArray(lanes, 2 * L);
            a3.add(c3).intoArray(lanes, 3 * L);
            y[yOff + r] = LaneSums.sum(lanes, 0) + tailF32(blk, 0, cols, vec2, x, xOff);
            y[yOff + r + 1] = LaneSums.sum(lanes, L) + tailF32(blk, rb, cols, vec2, x, xOff);
            y[yOff + r + 2] = LaneSums.sum(lanes, 2 * L) + tailF32(blk, 2 * rb, cols, vec2, x, xOff);
            y[yOff + r + 3] = LaneSums.sum(lanes, 3 * L) + tailF32(blk, 3 * rb, cols, vec2, x, xOff);
        }
        for (; r < rowEnd; r++) {
            MemorySegment row = w.asSlice(r * rb, rb);
            FloatVector a0 = FloatVector.zero(F), c0 = a0;
            for (long o = 0; o < vb2; o += 2 * VB) {
                int c = xOff + (int) (o >>> 2);
                a0 = FloatVector.fromMemorySegment(F, row, o, LE).fma(FloatVector.fromArray(F, x, c), a0);
                c0 = FloatVector.fromMemorySegment(F, row, o + VB, LE).fma(FloatVector.fromArray(F, x, c + L), c0);
            }
            a0.add(c0).intoArray(lanes, 0);
            y[yOff + r] = LaneSums.sum(lanes, 0) + tailF32(row, 0, cols, vec2, x, xOff);
        }
    }

    /** sum over columns [from, cols) of the row starting at byte rowByte of seg. */
    private static float tailF32(MemorySegment seg, long rowByte, int cols, int from, float[] x, int xOff) {
        float s = 0f;
        for (int c = from; c < cols; c++) {
            s += seg.get(Weights.F32, rowByte + 4L * c) * x[xOff + c];
        }
        return s;
    }

    /**
     * As {@link #f32} with BF16 weights. Weights are loaded as 32-bit pairs: (pair << 16) is the even
     * element and (pair & 0xFFFF0000) the odd one, both exact floats, so x is split once per call into
     * its even and odd elements (a per-thread scratch) to match. Eight rows per block: the widening
     * costs two extra vector operations per load, and sharing each pair of x loads across eight rows
     * (four were not enough) keeps the loop memory-bound. The widening is written out inline: as helper
     * methods it was not inlined into this large loop and the vectors were boxed; for the same reason the lane
     * sums go through the scratch ({@link LaneSums#sum(float[], int)}).
     */
    public static void bf16(MemorySegment w, int cols, float[] x, int xOff, float[] y, int yOff, int rowStart, int rowEnd) {
        Weights.checkMatrix("MatVec.bf16", w, cols, rowEnd, 2);
        if (rowStart >= rowEnd) {
            return;
        }
        long rb = (long) cols * 2;
        int pairs = cols / 2;
        int vecPairs = pairs - pairs % L;
        int vecCols = 2 * vecPairs;
        long vb = (long) vecPairs * 4;
        // the scratch holds x's even and odd elements, then a block's eight accumulators for their lane sums
        float[] split = Scratch.floats(2 * vecPairs + 8 * L);
        int lanes = 2 * vecPairs;
        for (int m = 0; m < vecPairs; m++) {
            split[m] = x[xOff + 2 * m];
            split[vecPairs + m] = x[xOff + 2 * m + 1];
        }
        int r = rowStart;
        for (; r + 8 <= rowEnd; r += 8) {
            MemorySegment blk = w.asSlice(r * rb, 8 * rb);
            FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F), a2 = FloatVector.zero(F), a3 = FloatVector.zero(F), a4 = FloatVector.zero(F), a5 = FloatVector.zero(F), a6 = FloatVector.zero(F), a7 = FloatVector.zero(F);
            for (long o = 0; o < vb; o += VB) {
                int m = (int) (o >>> 2);
                FloatVector xe = FloatVector.fromArray(F, split, m);
                FloatVector xo = FloatVector.fromArray(F, split, vecPairs + m);
                IntVector p0 = IntVector.fromMemorySegment(I, blk, o + 0 * rb, LE);
                a0 = p0.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(xe, a0);
                a0 = p0.and(0xFFFF0000).reinterpretAsFloats().fma(xo, a0);
                IntVector p1 = IntVector.fromMemorySegment(I, blk, o + 1 * rb, LE);
                a1 = p1.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(xe, a1);
                a1 = p1.and(0xFFFF0000).reinterpretAsFloats().fma(xo, a1);
                IntVector p2 = IntVector.fromMemorySegment(I, blk, o + 2 * rb, LE);
                a2 = p2.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(xe, a2);
                a2 = p2.and(0xFFFF0000).reinterpretAsFloats().fma(xo, a2);
                IntVector p3 = IntVector.fromMemorySegment(I, blk, o + 3 * rb, LE);
                a3 = p3.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(xe, a3);
                a3 = p3.and(0xFFFF0000).reinterpretAsFloats().fma(xo, a3);
                IntVector p4 = IntVector.fromMemorySegment(I, blk, o + 4 * rb, LE);
                a4 = p4.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(xe, a4);
                a4 = p4.and(0xFFFF0000).reinterpretAsFloats().fma(xo, a4);
                IntVector p5 = IntVector.fromMemorySegment(I, blk, o + 5 * rb, LE);
                a5 = p5.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(xe, a5);
                a5 = p5.and(0xFFFF0000).reinterpretAsFloats().fma(xo, a5);
                IntVector p6 = IntVector.fromMemorySegment(I, blk, o + 6 * rb, LE);
                a6 = p6.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(xe, a6);
                a6 = p6.and(0xFFFF0000).reinterpretAsFloats().fma(xo, a6);
                IntVector p7 = IntVector.fromMemorySegment(I, blk, o + 7 * rb, LE);
                a7 = p7.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(xe, a7);
                a7 = p7.and(0xFFFF0000).reinterpretAsFloats().fma(xo, a7);
            }
            a0.intoArray(split, lanes + 0 * L);
            a1.intoArray(split, lanes + 1 * L);
            a2.intoArray(split, lanes + 2 * L);
            a3.intoArray(split, lanes + 3 * L);
            a4.intoArray(split, lanes + 4 * L);
            a5.intoArray(split, lanes + 5 * L);
            a6.intoArray(split, lanes + 6 * L);
            a7.intoArray(split, lanes + 7 * L);
            y[yOff + r + 0] = LaneSums.sum(split, lanes + 0 * L) + tailBf16(blk, 0 * rb, cols, vecCols, x, xOff);
            y[yOff + r + 1] = LaneSums.sum(split, lanes + 1 * L) + tailBf16(blk, 1 * rb, cols, vecCols, x, xOff);
            y[yOff + r + 2] = LaneSums.sum(split, lanes + 2 * L) + tailBf16(blk, 2 * rb, cols, vecCols, x, xOff);
            y[yOff + r + 3] = LaneSums.sum(split, lanes + 3 * L) + tailBf16(blk, 3 * rb, cols, vecCols, x, xOff);
            y[yOff + r + 4] = LaneSums.sum(split, lanes + 4 * L) + tailBf16(blk, 4 * rb, cols, vecCols, x, xOff);
            y[yOff + r + 5] = LaneSums.sum(split, lanes + 5 * L) + tailBf16(blk, 5 * rb, cols, vecCols, x, xOff);
            y[yOff + r + 6] = LaneSums.sum(split, lanes + 6 * L) + tailBf16(blk, 6 * rb, cols, vecCols, x, xOff);
            y[yOff + r + 7] = LaneSums.sum(split, lanes + 7 * L) + tailBf16(blk, 7 * rb, cols, vecCols, x, xOff);
        }
        for (; r < rowEnd; r++) {
            MemorySegment row = w.asSlice(r * rb, rb);
            FloatVector e0 = FloatVector.zero(F), o0 = e0;
            for (long o = 0; o < vb; o += VB) {
                int m = (int) (o >>> 2);
                IntVector p0 = IntVector.fromMemorySegment(I, row, o, LE);
                e0 = p0.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(FloatVector.fromArray(F, split, m), e0);
                o0 = p0.and(0xFFFF0000).reinterpretAsFloats().fma(FloatVector.fromArray(F, split, vecPairs + m), o0);
            }
            e0.add(o0).intoArray(split, lanes);
            y[yOff + r] = LaneSums.sum(split, lanes) + tailBf16(row, 0, cols, vecCols, x, xOff);
        }
    }

    private static float tailBf16(MemorySegment seg, long rowByte, int cols, int from, float[] x, int xOff) {
        float s = 0f;
        for (int c = from; c < cols; c++) {
            s += Float.intBitsToFloat((seg.get(Weights.BF16, rowByte + 2L * c) & 0xFFFF) << 16) * x[xOff + c];
        }
        return s;
    }
}
