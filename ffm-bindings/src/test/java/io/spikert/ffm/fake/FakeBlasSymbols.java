package io.spikert.ffm.fake;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * cuBLAS and mcBLAS on a {@link FakeGpu}: handle and stream calls, and GemmEx / strided-batched
 * GemmEx computed by a plain column-major loop (F32, F16 or BF16 inputs; F32 or BF16 output; F32
 * compute). Status codes follow cuBLAS; mcBLAS's are assumed equal.
 */
public final class FakeBlasSymbols {
    static final int STATUS_SUCCESS = 0;
    static final int STATUS_NOT_INITIALIZED = 1;
    static final int STATUS_INVALID_VALUE = 7;
    static final int STATUS_INTERNAL_ERROR = 14;
    static final int STATUS_NOT_SUPPORTED = 15;
    private static final int R_32F = 0;
    private static final int R_16F = 2;
    private static final int R_16BF = 14;
    private static final int COMPUTE_32F = 68;

    private FakeBlasSymbols() {
    }

    private static int elementBytes(int type) {
        return switch (type) {
            case R_32F -> 4;
            case R_16F, R_16BF -> 2;
            default -> -1;
        };
    }

    private static float read(MemorySegment m, int type, long index) {
        return switch (type) {
            case R_32F -> m.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, index);
            case R_16F -> Float.float16ToFloat(m.getAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, index));
            default -> Float.intBitsToFloat(m.getAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, index) << 16);
        };
    }

    private static void write(MemorySegment m, int type, long index, float v) {
        if (type == R_32F) {
            m.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, index, v);
        } else {
            int bits = Float.floatToRawIntBits(v);
            int rounded = (bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16; // round to nearest even
            m.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, index, (short) rounded);
        }
    }

    /** Elements a column-major rows×cols operand with leading dimension ld spans. */
    private static long span(int rows, int cols, int ld) {
        return (long) ld * (cols - 1) + rows;
    }

    static int gemm(FakeGpu gpu, int transa, int transb, int m, int n, int k, MemorySegment alpha,
                    MemorySegment a, int atype, int lda, long strideA, MemorySegment b, int btype, int ldb,
                    long strideB, MemorySegment beta, MemorySegment c, int ctype, int ldc, long strideC,
                    int batch, int computeType) {
        if (computeType != COMPUTE_32F || elementBytes(atype) < 0 || elementBytes(btype) < 0
                || (ctype != R_32F && ctype != R_16BF)) {
            return STATUS_NOT_SUPPORTED;
        }
        if (m < 0 || n < 0 || k < 0 || batch < 1 || (transa != 0 && transa != 1) || (transb != 0 && transb != 1)) {
            return STATUS_INVALID_VALUE;
        }
        int aRows = transa == 0 ? m : k;
        int aCols = transa == 0 ? k : m;
        int bRows = transb == 0 ? k : n;
        int bCols = transb == 0 ? n : k;
        if (lda < Math.max(1, aRows) || ldb < Math.max(1, bRows) || ldc < Math.max(1, m)) {
            return STATUS_INVALID_VALUE;
        }
        if (m == 0 || n == 0) {
            return STATUS_SUCCESS;
        }
        float al = alpha.reinterpret(4).get(ValueLayout.JAVA_FLOAT, 0);
        float be = beta.reinterpret(4).get(ValueLayout.JAVA_FLOAT, 0);
        for (int p = 0; p < batch; p++) {
            MemorySegment am = gpu.memory(a.address() + p * strideA * elementBytes(atype),
                    k == 0 ? 0 : span(aRows, aCols, lda) * elementBytes(atype));
            MemorySegment bm = gpu.memory(b.address() + p * strideB * elementBytes(btype),
                    k == 0 ? 0 : span(bRows, bCols, ldb) * elementBytes(btype));
            MemorySegment cm = gpu.memory(c.address() + p * strideC * elementBytes(ctype),
                    span(m, n, ldc) * elementBytes(ctype));
            for (int j = 0; j < n; j++) {
                for (int i = 0; i < m; i++) {
                    float sum = 0;
                    for (int q = 0; q < k; q++) {
                        float x = read(am, atype, transa == 0 ? i + (long) q * lda : q + (long) i * lda);
                        float y = read(bm, btype, transb == 0 ? q + (long) j * ldb : j + (long) q * ldb);
                        sum += x * y;
                    }
                    long ci = i + (long) j * ldc;
                    float old = be == 0 ? 0 : read(cm, ctype, ci); // beta 0 ignores C, as BLAS does
                    write(cm, ctype, ci, al * sum + be * old);
                }
            }
        }
        return STATUS_SUCCESS;
    }

    /** Shared handle bookkeeping of both vendors' fakes. */
    private abstract static class Base {
        final FakeGpu gpu;

        Base(FakeGpu gpu) {
            this.gpu = gpu;
        }

        int create(String symbol, MemorySegment handle) {
            int rc = gpu.enter(symbol);
            if (rc == 0) {
                handle.reinterpret(8).set(ValueLayout.ADDRESS, 0, MemorySegment.ofAddress(gpu.newHandle()));
            }
            return rc;
        }

        int plain(String symbol, MemorySegment handle) {
            int rc = gpu.enter(symbol);
            return rc != 0 ? rc : handle.equals(MemorySegment.NULL) ? STATUS_NOT_INITIALIZED : STATUS_SUCCESS;
        }
    }

    /** cuBLAS names ({@code _v2} where the library exports them so). */
    public static final class Cublas extends Base {
        Cublas(FakeGpu gpu) {
            super(gpu);
        }

        public int cublasCreate_v2(MemorySegment handle) {
            return create("cublasCreate_v2", handle);
        }

        public int cublasDestroy_v2(MemorySegment handle) {
            return plain("cublasDestroy_v2", handle);
        }

        public int cublasSetStream_v2(MemorySegment handle, MemorySegment streamId) {
            return plain("cublasSetStream_v2", handle);
        }

        public int cublasSetMathMode(MemorySegment handle, int mode) {
            return plain("cublasSetMathMode", handle);
        }

        public MemorySegment cublasGetStatusString(int status) {
            return gpu.cString("fake cuBLAS status " + status);
        }

        public int cublasSgemm_v2(MemorySegment handle, int transa, int transb, int m, int n, int k,
                                  MemorySegment alpha, MemorySegment A, int lda, MemorySegment B, int ldb,
                                  MemorySegment beta, MemorySegment C, int ldc) {
            int rc = plain("cublasSgemm_v2", handle);
            return rc != 0 ? rc : gemm(gpu, transa, transb, m, n, k, alpha, A, R_32F, lda, 0, B, R_32F, ldb, 0,
                    beta, C, R_32F, ldc, 0, 1, COMPUTE_32F);
        }

        public int cublasGemmEx(MemorySegment handle, int transa, int transb, int m, int n, int k,
                                MemorySegment alpha, MemorySegment A, int Atype, int lda, MemorySegment B, int Btype,
                                int ldb, MemorySegment beta, MemorySegment C, int Ctype, int ldc, int computeType,
                                int algo) {
            int rc = plain("cublasGemmEx", handle);
            return rc != 0 ? rc : gemm(gpu, transa, transb, m, n, k, alpha, A, Atype, lda, 0, B, Btype, ldb, 0,
                    beta, C, Ctype, ldc, 0, 1, computeType);
        }

        public int cublasGemmStridedBatchedEx(MemorySegment handle, int transa, int transb, int m, int n, int k,
                                              MemorySegment alpha, MemorySegment A, int Atype, int lda, long strideA,
                                              MemorySegment B, int Btype, int ldb, long strideB, MemorySegment beta,
                                              MemorySegment C, int Ctype, int ldc, long strideC, int batchCount,
                                              int computeType, int algo) {
            int rc = plain("cublasGemmStridedBatchedEx", handle);
            return rc != 0 ? rc : gemm(gpu, transa, transb, m, n, k, alpha, A, Atype, lda, strideA, B, Btype, ldb,
                    strideB, beta, C, Ctype, ldc, strideC, batchCount, computeType);
        }
    }

    /** mcBLAS names (no {@code _v2}). */
    public static final class Mcblas extends Base {
        Mcblas(FakeGpu gpu) {
            super(gpu);
        }

        public int mcblasCreate(MemorySegment handle) {
            return create("mcblasCreate", handle);
        }

        public int mcblasDestroy(MemorySegment handle) {
            return plain("mcblasDestroy", handle);
        }

        public int mcblasSetStream(MemorySegment handle, MemorySegment streamId) {
            return plain("mcblasSetStream", handle);
        }

        public int mcblasGemmEx(MemorySegment handle, int transa, int transb, int m, int n, int k,
                                MemorySegment alpha, MemorySegment A, int Atype, int lda, MemorySegment B, int Btype,
                                int ldb, MemorySegment beta, MemorySegment C, int Ctype, int ldc, int computeType,
                                int algo) {
            int rc = plain("mcblasGemmEx", handle);
            return rc != 0 ? rc : gemm(gpu, transa, transb, m, n, k, alpha, A, Atype, lda, 0, B, Btype, ldb, 0,
                    beta, C, Ctype, ldc, 0, 1, computeType);
        }

        public int mcblasGemmStridedBatchedEx(MemorySegment handle, int transa, int transb, int m, int n, int k,
                                              MemorySegment alpha, MemorySegment A, int Atype, int lda, long strideA,
                                              MemorySegment B, int Btype, int ldb, long strideB, MemorySegment beta,
                                              MemorySegment C, int Ctype, int ldc, long strideC, int batchCount,
                                              int computeType, int algo) {
            int rc = plain("mcblasGemmStridedBatchedEx", handle);
            return rc != 0 ? rc : gemm(gpu, transa, transb, m, n, k, alpha, A, Atype, lda, strideA, B, Btype, ldb,
                    strideB, beta, C, Ctype, ldc, strideC, batchCount, computeType);
        }
    }
}
