package io.spikert.kernels;

import java.lang.foreign.MemorySegment;

/** Y = X W^T for a row range of W and a block of tokens (prefill). */
public final class MatMul {
    private MatMul() {}

    public static void f32(MemorySegment w, int cols, float[] x, int xOff, int ldx, int tokens,
                           float[] y, int yOff, int ldy, int rowStart, int rowEnd) {
        MatMulScalar.f32(w, cols, x, xOff, ldx, tokens, y, yOff, ldy, rowStart, rowEnd);
    }

    public static void bf16(MemorySegment w, int cols, float[] x, int xOff, int ldx, int tokens,
                            float[] y, int yOff, int ldy, int rowStart, int rowEnd) {
        MatMulScalar.bf16(w, cols, x, xOff, ldx, tokens, y, yOff, ldy, rowStart, rowEnd);
    }
}
