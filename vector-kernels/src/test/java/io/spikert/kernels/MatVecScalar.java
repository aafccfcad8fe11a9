package io.spikert.kernels;

import java.lang.foreign.MemorySegment;

/** Scalar reference twin of {@link MatVec}: plain loops, double accumulation, used by the tests. */
public final class MatVecScalar {
    private MatVecScalar() {}

    public static void f32(MemorySegment w, int cols, float[] x, int xOff, float[] y, int yOff, int rowStart, int rowEnd) {
        for (int r = rowStart; r < rowEnd; r++) {
            double s = 0;
            for (int c = 0; c < cols; c++) {
                s += (double) Weights.f32(w, (long) r * cols + c) * x[xOff + c];
            }
            y[yOff + r] = (float) s;
        }
    }

    public static void bf16(MemorySegment w, int cols, float[] x, int xOff, float[] y, int yOff, int rowStart, int rowEnd) {
        for (int r = rowStart; r < rowEnd; r++) {
            double s = 0;
            for (int c = 0; c < cols; c++) {
                s += (double) Weights.bf16(w, (long) r * cols + c) * x[xOff + c];
            }
            y[yOff + r] = (float) s;
        }
    }
}
