package io.spikert.bench.gpu;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.spikert.ffm.GpuDriver;
import io.spikert.ffm.KernelArgs;

/**
 * A square GEMM, n x n x n, through cuBLAS GemmEx (BF16 in, F32 compute and out) and through
 * SpikeRT's matmul_bf16 (BF16 weight, F32 activations) on the same numbers, timed in the same run.
 * The two results are compared, so a fast but wrong call cannot pass for a fast one.
 */
final class GemmComparison {
    private GemmComparison() {}

    static void run(GpuDriver driver, Products products, DeviceTimer timer, int n, int reps, GpuBenchReport report) {
        double flops = 2.0 * n * n * n;
        ObjectNode j = report.section("gemm");
        j.put("m", n);
        j.put("n", n);
        j.put("k", n);
        j.put("flopsPerCall", flops);
        try (DeviceMemory mem = new DeviceMemory(driver)) {
            long elements = (long) n * n;
            long w = mem.allocate(2 * elements, "the GEMM weight");
            long xBf16 = mem.allocate(2 * elements, "the GEMM BF16 activations");
            long xF32 = mem.allocate(4 * elements, "the GEMM F32 activations");
            long yBlas = mem.allocate(4 * elements, "the cuBLAS GEMM output");
            long yOurs = mem.allocate(4 * elements, "the matmul_bf16 output");
            mem.fillBf16(w, elements);
            mem.fillBf16(xBf16, elements);
            mem.fillF32(xF32, elements);

            KernelArgs args = products.matmulArgs(w, xF32, n, yOurs, n, n);
            report.line("[gemm] matmul_bf16 (SpikeRT) %d^3 ...", n);
            Timing ours = timer.time(1, Math.max(2, reps / 3), () -> products.matmul(args, n, n));
            double oursTflops = flops / (ours.medianMs() * 1e-3) / 1e12;
            report.line("[gemm] matmul_bf16: %.3f ms -> %.2f TFLOP/s", ours.medianMs(), oursTflops);
            j.put("oursKernel", "matmul_bf16 (16x16 shared-memory tiles, F32 FMA)");
            j.put("oursMedianMs", ours.medianMs());
            j.put("oursTflops", oursTflops);

            if (!products.hasBlas()) {
                report.line("[gemm] cuBLAS not available: no comparison");
                j.put("cublas", "not found");
                return;
            }
            report.line("[gemm] cuBLAS GemmEx BF16 in / F32 compute %d^3 ...", n);
            Timing blas = timer.time(2, reps, () -> products.gemm(w, xBf16, n, yBlas, n, n));
            double blasTflops = flops / (blas.medianMs() * 1e-3) / 1e12;
            report.line("[gemm] cuBLAS: %.3f ms -> %.2f TFLOP/s; matmul_bf16 reaches %.1f%% of cuBLAS",
                    blas.medianMs(), blasTflops, 100 * oursTflops / blasTflops);
            j.put("cublasMedianMs", blas.medianMs());
            j.put("cublasTflops", blasTflops);
            j.put("oursOverCublas", oursTflops / blasTflops);

            // Same inputs, both accumulate in F32: they differ by summation order only.
            int check = (int) Math.min(elements, 1 << 16);
            float[] a = mem.readF32(yBlas, check);
            float[] b = mem.readF32(yOurs, check);
            double scale = 0;
            double worst = 0;
            for (int i = 0; i < check; i++) {
                scale = Math.max(scale, Math.abs(a[i]));
                worst = Math.max(worst, Math.abs(a[i] - b[i]));
            }
            double rel = worst / Math.max(scale, Float.MIN_NORMAL);
            boolean agree = rel <= 1e-3;
            report.line("[gemm] agreement over the first %d outputs: max |cuBLAS - ours| / max |cuBLAS| = %.2e (%s)",
                    check, rel, agree ? "agree" : "DISAGREE: the timings above are suspect");
            j.put("maxRelativeDifference", rel);
            j.put("resultsAgree", agree);
        }
    }
}
