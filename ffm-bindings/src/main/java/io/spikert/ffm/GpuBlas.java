package io.spikert.ffm;

/**
 * GEMM through the vendor's BLAS (cuBLAS / mcBLAS), column-major like BLAS itself: a row-major
 * {@code C = A B} is computed as {@code C^T = B^T A^T}, i.e. by swapping the operands. Computation is
 * in F32; {@code alpha} and {@code beta} are host values.
 */
public interface GpuBlas extends AutoCloseable {

    /** Issues later calls on {@code stream}. */
    void setStream(GpuStream stream);

    /** {@code C = alpha op(A) op(B) + beta C} with {@code op(A)} m×k, {@code op(B)} k×n, C m×n. */
    void gemmEx(Transpose transA, Transpose transB, int m, int n, int k, float alpha,
                long a, BlasType aType, int lda, long b, BlasType bType, int ldb,
                float beta, long c, BlasType cType, int ldc);

    /** {@link #gemmEx} over {@code batchCount} matrices, each operand {@code stride} elements after the last. */
    void gemmStridedBatchedEx(Transpose transA, Transpose transB, int m, int n, int k, float alpha,
                              long a, BlasType aType, int lda, long strideA,
                              long b, BlasType bType, int ldb, long strideB,
                              float beta, long c, BlasType cType, int ldc, long strideC, int batchCount);

    @Override
    void close();
}
