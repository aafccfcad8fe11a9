package io.spikert.kernels;

import java.lang.foreign.MemorySegment;

/** y = W x for a row range of a row-major weight matrix (decode: one token). */
public final class MatVec {
    private MatVec() {}

    public static void f32(MemorySegment w, int cols, float[] x, int xOff, float[] y, int yOff, int rowStart, int rowEnd) {
        MatVecScalar.f32(w, cols, x, xOff, y, yOff, rowStart, rowEnd);
    }

    public static void bf16(MemorySegment w, int cols, float[] x, int xOff, float[] y, int yOff, int rowStart, int rowEnd) {
        MatVecScalar.bf16(w, cols, x, xOff, y, yOff, rowStart, rowEnd);
    }
}
