package io.spikert.bench.gpu;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.spikert.ffm.GpuDriver;
import io.spikert.ffm.KernelArgs;
import java.util.List;

/**
 * The bandwidth-bound part of a 7B decode step: one matvec_bf16 launch per weight matrix, in model
 * order, over distinct device buffers. This is NOT a full model decode (no norms, RoPE, GLA or
 * attention, no sampling, no host round trips): it is what the weight traffic alone costs with
 * SpikeRT's kernels, the floor under a device-resident decode, set against the HBM bound
 * (bytes per token over the bandwidth measured in the same run).
 */
final class DecodeWeightStreaming {
    private DecodeWeightStreaming() {}

    static final String LABEL = "decode weight-streaming bound with our kernels (NOT the full model decode)";

    static void run(DeviceMemory mem, DeviceWeights weights, Products products, DeviceTimer timer, double hbmBytesPerSecond,
                    int reps, GpuBenchReport report) {
        List<WeightMatrix> ms = weights.matrices();
        long bytesPerToken = DeviceWeights.totalBytes(ms);
        long x = mem.allocate(4L * weights.maxCols(), "the decode activations (F32)");
        long xBf16 = mem.allocate(2L * weights.maxCols(), "the decode activations (BF16)");
        long y = mem.allocate(4L * weights.maxRows(), "the decode outputs");
        mem.fillF32(x, weights.maxCols());
        mem.fillBf16(xBf16, weights.maxCols());
        KernelArgs[] args = new KernelArgs[ms.size()];
        for (int i = 0; i < args.length; i++) {
            WeightMatrix m = ms.get(i);
            args[i] = products.matvecArgs(weights.pointer(i), x, y, m.rows(), m.cols());
        }
        Runnable step = () -> {
            for (int i = 0; i < args.length; i++) {
                products.matvec(args[i], ms.get(i).rows());
            }
        };

        double boundMs = bytesPerToken / hbmBytesPerSecond * 1e3;
        ObjectNode j = report.section("decodeWeightStreaming");
        j.put("label", LABEL);
        j.put("shape", "SpikingBrain-7B (Dims.SEVEN_B), BF16 weights generated on the device");
        j.put("matricesPerToken", ms.size());
        j.put("bytesPerToken", bytesPerToken);
        j.put("hbmBoundMsPerToken", boundMs);
        j.put("hbmBoundTokensPerSecond", 1e3 / boundMs);

        report.line("[decode] %s", LABEL);
        report.line("[decode] %d matvec_bf16 launches per token over %.2f GiB of weights; HBM bound %.3f ms/token = %.1f tokens/s",
                ms.size(), bytesPerToken / DeviceMemory.GIB, boundMs, 1e3 / boundMs);
        long hostStart = System.nanoTime();
        Timing t = timer.time(2, reps, step);
        double hostMsPerStep = (System.nanoTime() - hostStart) / 1e6 / (reps + 2);
        double fraction = boundMs / t.medianMs();
        report.line("[decode] matvec_bf16: %.3f ms/token = %.1f tokens/s, %.0f GB/s = %.1f%% of the HBM bound (goal 60%%); "
                        + "host %.3f ms per step incl. launches",
                t.medianMs(), 1e3 / t.medianMs(), bytesPerToken / (t.medianMs() * 1e-3) / 1e9, 100 * fraction, hostMsPerStep);
        j.put("oursMsPerToken", t.medianMs());
        j.put("oursBestMsPerToken", t.bestMs());
        j.put("oursTokensPerSecond", 1e3 / t.medianMs());
        j.put("oursReadGBps", bytesPerToken / (t.medianMs() * 1e-3) / 1e9);
        j.put("oursFractionOfHbmBound", fraction);
        j.put("oursMeetsGoal60Percent", fraction >= 0.6);
        j.put("hostMsPerStepIncludingSync", hostMsPerStep);
        j.put("reps", t.reps());

        if (products.hasBlas()) {
            Runnable blasStep = () -> {
                for (int i = 0; i < ms.size(); i++) {
                    WeightMatrix m = ms.get(i);
                    products.gemm(weights.pointer(i), xBf16, 1, y, m.rows(), m.cols());
                }
            };
            Timing b = timer.time(2, reps, blasStep);
            report.line("[decode] cuBLAS GemmEx (n = 1) for comparison: %.3f ms/token = %.1f tokens/s = %.1f%% of the HBM bound",
                    b.medianMs(), 1e3 / b.medianMs(), 100 * boundMs / b.medianMs());
            j.put("cublasMsPerToken", b.medianMs());
            j.put("cublasTokensPerSecond", 1e3 / b.medianMs());
            j.put("cublasFractionOfHbmBound", boundMs / b.medianMs());
        }
    }
}
