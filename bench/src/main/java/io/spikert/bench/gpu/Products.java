package io.spikert.bench.gpu;

import io.spikert.ffm.BlasType;
import io.spikert.ffm.GpuBlas;
import io.spikert.ffm.GpuDriver;
import io.spikert.ffm.GpuKernel;
import io.spikert.ffm.GpuStream;
import io.spikert.ffm.KernelArgs;
import io.spikert.ffm.Transpose;
import io.spikert.runtime.gpu.KernelCatalog;
import io.spikert.runtime.gpu.KernelSpec;
import io.spikert.runtime.gpu.LoadedKernels;

/**
 * Weight products {@code Y[tokens, rows] = X[tokens, cols] W^T} with a row-major BF16 weight, issued on
 * the default stream: through SpikeRT's kernels (F32 activations, as the catalogue defines them) or
 * through cuBLAS GemmEx (BF16 activations, F32 output and compute; GemmEx wants both inputs of one type).
 */
final class Products {
    /** Threads per matvec block: four 32-lane warps, one output row per warp (as the kernel tests launch it). */
    private static final int MATVEC_THREADS = 128;
    private static final int TILE = 16;

    private final GpuDriver driver;
    private final GpuBlas blas;
    private final GpuKernel matvec;
    private final GpuKernel matmul;
    private final KernelSpec matvecSpec = KernelCatalog.kernel("matvec_bf16");
    private final KernelSpec matmulSpec = KernelCatalog.kernel("matmul_bf16");
    private final int rowsPerMatvecBlock;

    /** {@code blas} may be null when cuBLAS is absent; then only SpikeRT's kernels can run. */
    Products(GpuDriver driver, LoadedKernels kernels, GpuBlas blas, int warpSize) {
        this.driver = driver;
        this.blas = blas;
        this.matvec = kernels.kernel("matvec_bf16");
        this.matmul = kernels.kernel("matmul_bf16");
        this.rowsPerMatvecBlock = MATVEC_THREADS / warpSize;
        if (blas != null) {
            blas.setStream(GpuStream.DEFAULT);
        }
    }

    boolean hasBlas() {
        return blas != null;
    }

    /** Arguments of one matvec_bf16 launch, packed once so a timed loop only launches. */
    KernelArgs matvecArgs(long w, long xF32, long yF32, int rows, int cols) {
        return matvecSpec.args(w, xF32, yF32, rows, cols);
    }

    void matvec(KernelArgs args, int rows) {
        driver.launch(matvec, (rows + rowsPerMatvecBlock - 1) / rowsPerMatvecBlock, 1, 1, MATVEC_THREADS, 1, 1, 0,
                GpuStream.DEFAULT, args);
    }

    KernelArgs matmulArgs(long w, long xF32, int tokens, long yF32, int rows, int cols) {
        return matmulSpec.args(w, xF32, cols, tokens, yF32, rows, rows, cols);
    }

    void matmul(KernelArgs args, int rows, int tokens) {
        driver.launch(matmul, (rows + TILE - 1) / TILE, (tokens + TILE - 1) / TILE, 1, TILE, TILE, 1, 0,
                GpuStream.DEFAULT, args);
    }

    /**
     * cuBLAS: row-major Y = X W^T is, column-major, Y^T = W X^T; W stored row-major [rows, cols] reads
     * as the column-major (cols x rows) matrix, hence op(A) = T.
     */
    void gemm(long w, long xBf16, int tokens, long yF32, int rows, int cols) {
        blas.gemmEx(Transpose.T, Transpose.N, rows, tokens, cols, 1f,
                w, BlasType.BF16, cols, xBf16, BlasType.BF16, cols, 0f, yF32, BlasType.F32, rows);
    }
}
