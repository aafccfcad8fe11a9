package io.spikert.ffm;

/** Whether a GEMM operand is used as stored (column-major) or transposed. */
public enum Transpose {
    N, T
}
