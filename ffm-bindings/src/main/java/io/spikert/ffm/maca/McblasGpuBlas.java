package io.spikert.ffm.maca;

import static io.spikert.ffm.maca.McBlas.*;

import io.spikert.ffm.BlasType;
import io.spikert.ffm.GpuBlas;
import io.spikert.ffm.GpuException;
import io.spikert.ffm.GpuStream;
import io.spikert.ffm.LibraryLoader;
import io.spikert.ffm.NativeLibrary;
import io.spikert.ffm.NotHeaderChecked;
import io.spikert.ffm.Transpose;
import io.spikert.ffm.Vendor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** {@link GpuBlas} over MetaX mcBLAS (signatures unchecked, see {@link McBlas}): GemmEx and strided-batched GemmEx with F32 compute. */
@NotHeaderChecked("every McBlas signature and enum value it uses is unchecked")
public final class McblasGpuBlas implements GpuBlas {
    private final MemorySegment handle;

    private McblasGpuBlas(MemorySegment handle) {
        this.handle = handle;
    }

    /**
     * Creates a mcBLAS handle on the current MACA device.
     *
     * @throws io.spikert.ffm.NativeLibraryNotFoundException when mcBLAS is not installed
     */
    public static McblasGpuBlas open() {
        LibraryLoader.require(NativeLibrary.MACA_BLAS);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(C_POINTER);
            check(mcblasCreate(out), "mcblasCreate");
            return new McblasGpuBlas(out.get(ValueLayout.ADDRESS, 0));
        }
    }

    /** macaDataType code of {@code type}; assumed equal to CUDA's, not checked against a header. */
    public static int dataType(BlasType type) {
        return switch (type) {
            case F32 -> MACA_R_32F();
            case F16 -> MACA_R_16F();
            case BF16 -> MACA_R_16BF();
            case I8 -> MACA_R_8I();
            case I32 -> MACA_R_32I();
        };
    }

    static int op(Transpose t) {
        return t == Transpose.N ? MCBLAS_OP_N() : MCBLAS_OP_T();
    }

    @Override
    public void setStream(GpuStream stream) {
        check(mcblasSetStream(handle, stream.handle()), "mcblasSetStream");
    }

    @Override
    public void gemmEx(Transpose transA, Transpose transB, int m, int n, int k, float alpha,
                       long a, BlasType aType, int lda, long b, BlasType bType, int ldb,
                       float beta, long c, BlasType cType, int ldc) {
        try (Arena arena = Arena.ofConfined()) {
            check(mcblasGemmEx(handle, op(transA), op(transB), m, n, k, arena.allocateFrom(C_FLOAT, alpha),
                            MemorySegment.ofAddress(a), dataType(aType), lda,
                            MemorySegment.ofAddress(b), dataType(bType), ldb, arena.allocateFrom(C_FLOAT, beta),
                            MemorySegment.ofAddress(c), dataType(cType), ldc,
                            MCBLAS_COMPUTE_32F(), MCBLAS_GEMM_DEFAULT()),
                    "mcblasGemmEx(m=" + m + ", n=" + n + ", k=" + k + ", " + aType + "x" + bType + "->" + cType + ")");
        }
    }

    @Override
    public void gemmStridedBatchedEx(Transpose transA, Transpose transB, int m, int n, int k, float alpha,
                                     long a, BlasType aType, int lda, long strideA,
                                     long b, BlasType bType, int ldb, long strideB,
                                     float beta, long c, BlasType cType, int ldc, long strideC, int batchCount) {
        try (Arena arena = Arena.ofConfined()) {
            check(mcblasGemmStridedBatchedEx(handle, op(transA), op(transB), m, n, k,
                            arena.allocateFrom(C_FLOAT, alpha),
                            MemorySegment.ofAddress(a), dataType(aType), lda, strideA,
                            MemorySegment.ofAddress(b), dataType(bType), ldb, strideB,
                            arena.allocateFrom(C_FLOAT, beta),
                            MemorySegment.ofAddress(c), dataType(cType), ldc, strideC, batchCount,
                            MCBLAS_COMPUTE_32F(), MCBLAS_GEMM_DEFAULT()),
                    "mcblasGemmStridedBatchedEx(m=" + m + ", n=" + n + ", k=" + k + ", batch=" + batchCount + ")");
        }
    }

    @Override
    public void close() {
        check(mcblasDestroy(handle), "mcblasDestroy");
    }

    static void check(int status, String call) {
        if (status != MCBLAS_STATUS_SUCCESS()) {
            throw new GpuException(Vendor.MACA, call, status, "mcblasStatus_t " + status,
                    "mcBLAS reported an error (no status-string function is bound for MACA)");
        }
    }
}
