package io.spikert.ffm.cublas;

import static io.spikert.ffm.cublas.Cublas.*;

import io.spikert.ffm.BlasType;
import io.spikert.ffm.GpuBlas;
import io.spikert.ffm.GpuException;
import io.spikert.ffm.GpuStream;
import io.spikert.ffm.LibraryLoader;
import io.spikert.ffm.NativeLibrary;
import io.spikert.ffm.Transpose;
import io.spikert.ffm.Vendor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** {@link GpuBlas} over cuBLAS: GemmEx and strided-batched GemmEx with F32 compute. */
public final class CublasGpuBlas implements GpuBlas {
    private final MemorySegment handle;

    private CublasGpuBlas(MemorySegment handle) {
        this.handle = handle;
    }

    /**
     * Creates a cuBLAS handle on the current CUDA context.
     *
     * @throws io.spikert.ffm.NativeLibraryNotFoundException when cuBLAS is not installed
     */
    public static CublasGpuBlas open() {
        LibraryLoader.require(NativeLibrary.CUBLAS);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(C_POINTER);
            check(cublasCreate_v2(out), "cublasCreate_v2");
            return new CublasGpuBlas(out.get(ValueLayout.ADDRESS, 0));
        }
    }

    /** cudaDataType code of {@code type} (library_types.h). */
    public static int dataType(BlasType type) {
        return switch (type) {
            case F32 -> CUDA_R_32F();
            case F16 -> CUDA_R_16F();
            case BF16 -> CUDA_R_16BF();
            case I8 -> CUDA_R_8I();
            case I32 -> CUDA_R_32I();
        };
    }

    static int op(Transpose t) {
        return t == Transpose.N ? CUBLAS_OP_N() : CUBLAS_OP_T();
    }

    @Override
    public void setStream(GpuStream stream) {
        check(cublasSetStream_v2(handle, stream.handle()), "cublasSetStream_v2");
    }

    /** Sets a CUBLAS_*_MATH mode (e.g. to allow or forbid TF32 tensor-core math). */
    public void setMathMode(int mode) {
        check(cublasSetMathMode(handle, mode), "cublasSetMathMode(" + mode + ")");
    }

    @Override
    public void gemmEx(Transpose transA, Transpose transB, int m, int n, int k, float alpha,
                       long a, BlasType aType, int lda, long b, BlasType bType, int ldb,
                       float beta, long c, BlasType cType, int ldc) {
        try (Arena arena = Arena.ofConfined()) {
            check(cublasGemmEx(handle, op(transA), op(transB), m, n, k, arena.allocateFrom(C_FLOAT, alpha),
                            MemorySegment.ofAddress(a), dataType(aType), lda,
                            MemorySegment.ofAddress(b), dataType(bType), ldb, arena.allocateFrom(C_FLOAT, beta),
                            MemorySegment.ofAddress(c), dataType(cType), ldc,
                            CUBLAS_COMPUTE_32F(), CUBLAS_GEMM_DEFAULT()),
                    "cublasGemmEx(m=" + m + ", n=" + n + ", k=" + k + ", " + aType + "x" + bType + "->" + cType + ")");
        }
    }

    @Override
    public void gemmStridedBatchedEx(Transpose transA, Transpose transB, int m, int n, int k, float alpha,
                                     long a, BlasType aType, int lda, long strideA,
                                     long b, BlasType bType, int ldb, long strideB,
                                     float beta, long c, BlasType cType, int ldc, long strideC, int batchCount) {
        try (Arena arena = Arena.ofConfined()) {
            check(cublasGemmStridedBatchedEx(handle, op(transA), op(transB), m, n, k,
                            arena.allocateFrom(C_FLOAT, alpha),
                            MemorySegment.ofAddress(a), dataType(aType), lda, strideA,
                            MemorySegment.ofAddress(b), dataType(bType), ldb, strideB,
                            arena.allocateFrom(C_FLOAT, beta),
                            MemorySegment.ofAddress(c), dataType(cType), ldc, strideC, batchCount,
                            CUBLAS_COMPUTE_32F(), CUBLAS_GEMM_DEFAULT()),
                    "cublasGemmStridedBatchedEx(m=" + m + ", n=" + n + ", k=" + k + ", batch=" + batchCount + ")");
        }
    }

    @Override
    public void close() {
        check(cublasDestroy_v2(handle), "cublasDestroy_v2");
    }

    static void check(int status, String call) {
        if (status != CUBLAS_STATUS_SUCCESS()) {
            String text;
            try {
                MemorySegment s = cublasGetStatusString(status);
                text = s.equals(MemorySegment.NULL) ? "no description" : s.reinterpret(Long.MAX_VALUE).getString(0);
            } catch (RuntimeException | LinkageError e) {
                text = "no description (cublasGetStatusString unavailable)";
            }
            throw new GpuException(Vendor.CUDA, call, status, "cublasStatus_t " + status, text);
        }
    }
}
