package io.spikert.kernels;

import java.lang.foreign.MemorySegment;

/** Scalar reference twin of {@link MatMul}: one plain dot product per (token, row), double accumulation. */
public final class MatMulScalar {
    private MatMulScalar() {}

    public static void f32(MemorySegment w, int cols, float[] x, int xOff, int ldx, int tokens,
                           float[] y, int yOff, int ldy, int rowStart, int rowEnd) {
        for (int t = 0; t < tokens; t++) {
            for (int r = rowStart; r < rowEnd; r++) {
                double s = 0;
                for (int c = 0; c < cols; c++) {
                    s += (double) Weights.f32(w, (long) r * cols + c) * x[xOff + t * ldx + c];
                }
                y[yOff + t * ldy + r] = (float) s;
            }
        }
    }

    public static void bf16(MemorySegment w, int cols, float[] x, int xOff, int ldx, int tokens,
                            float[] y, int yOff, int ldy, int rowStart, int rowEnd) {
        for (int t = 0; t < tokens; t++) {
            for (int r = rowStart; r < rowEnd; r++) {
                double s = 0;
                for (int c = 0; c < cols; c++) {
                    s += (double) Weights.bf16(w, (long) r * cols + c) * x[xOff + t * ldx + c];
                }
                y[yOff + t * ldy + r] = (float) s;
            }
        }
    }
}
