package io.spikert.bench.spike;

import io.spikert.bench.InterleavedTimes;
import io.spikert.kernels.spike.Int8Weights;
import io.spikert.runtime.ComputePool;
import io.spikert.runtime.Precision;
import io.spikert.runtime.VendorMath;
import io.spikert.runtime.backend.CpuBackend;

import java.lang.foreign.Arena;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * W8ASpike's float-input INT8 product (down_proj) over a prefill chunk on the CPU backend: the Vector API kernel
 * (oneDNN off) against oneDNN's BF16 matmuls over the weight rebuilt in BF16 parts (oneDNN required), timed
 * interleaved in one run, after printing how far apart the two results are (the largest difference over the
 * largest magnitude: they are both FP32-accurate, not bit-identical).
 * Arguments: [shapes rows x cols] [token counts] [thread counts] [rounds] [fp32|bf16]; defaults 3584x18944 64,256 2 5 fp32.
 * Results: docs/PERFORMANCE.md, "CPU vendor math".
 */
public final class Int8FloatGemmRatios {
    private Int8FloatGemmRatios() {}

    public static void main(String[] args) {
        String[] shapes = (args.length > 0 ? args[0] : "3584x18944").split(",");
        int[] tokenCounts = Arrays.stream((args.length > 1 ? args[1] : "64,256").split(",")).mapToInt(Integer::parseInt).toArray();
        int[] threadCounts = Arrays.stream((args.length > 2 ? args[2] : "2").split(",")).mapToInt(Integer::parseInt).toArray();
        int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 5;
        Precision precision = Precision.parse(args.length > 4 ? args[4] : "fp32", "precision");
        System.out.printf(Locale.ROOT, "ms per product, median of %d rounds of best-of-3, %s activations; JVM %s%n", rounds,
                precision, System.getProperty("java.vm.version"));
        System.out.printf(Locale.ROOT, "%-11s %6s %7s %10s %10s %7s %12s%n", "shape", "tokens", "threads", "vectorApi", "oneDnnBf16",
                "ratio", "maxDiff/max");
        for (String shape : shapes) {
            int rows = Integer.parseInt(shape.split("x")[0]);
            int cols = Integer.parseInt(shape.split("x")[1]);
            try (Arena arena = Arena.ofShared()) {
                Int8Weights w = SpikeBenchData.int8(arena, rows, cols, 0.01, 42);
                for (int threads : threadCounts) {
                    try (ComputePool pool = new ComputePool(threads);
                         CpuBackend plain = new CpuBackend(pool, false, SpikeGemmRatios.tuning(VendorMath.OFF)).precision(precision);
                         CpuBackend vendor = new CpuBackend(pool, false, SpikeGemmRatios.tuning(VendorMath.REQUIRE)).precision(precision)) {
                        if (threads == threadCounts[0] && shape.equals(shapes[0])) {
                            System.out.println("  " + vendor.vendorMath());
                        }
                        for (int tokens : tokenCounts) {
                            float[] x = new float[tokens * cols];
                            SplittableRandom rnd = new SplittableRandom(7 + tokens);
                            for (int i = 0; i < x.length; i++) {
                                x[i] = (float) rnd.nextGaussian();
                            }
                            float[] a = new float[tokens * rows];
                            float[] b = new float[tokens * rows];
                            plain.int8LinearBatch(w, x, 0, tokens, a, 0);
                            vendor.int8LinearBatch(w, x, 0, tokens, b, 0);
                            double maxDiff = 0, max = 0;
                            for (int i = 0; i < a.length; i++) {
                                maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
                                max = Math.max(max, Math.abs(a[i]));
                            }
                            Runnable[] kernels = {
                                () -> plain.int8LinearBatch(w, x, 0, tokens, a, 0),
                                () -> vendor.int8LinearBatch(w, x, 0, tokens, b, 0),
                            };
                            double[] ms = InterleavedTimes.medianOfBest(kernels, rounds);
                            System.out.printf(Locale.ROOT, "%-11s %6d %7d %10.2f %10.2f %7.2f %12.2e%n", shape, tokens, threads,
                                    ms[0], ms[1], ms[0] / ms[1], maxDiff / max);
                        }
                    }
                }
            }
        }
    }
}
