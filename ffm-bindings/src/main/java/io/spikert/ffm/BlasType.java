package io.spikert.ffm;

/** Element types of GEMM operands (cudaDataType / macaDataType). */
public enum BlasType {
    F32, F16, BF16, I8, I32
}
