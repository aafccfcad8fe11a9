package io.spikert.bench.spike;

import io.spikert.bench.InterleavedTimes;
import io.spikert.kernels.spike.Int8Weights;
import io.spikert.runtime.ComputePool;
import io.spikert.runtime.Tuning;
import io.spikert.runtime.VendorMath;
import io.spikert.runtime.backend.CpuBackend;

import java.lang.foreign.Arena;
import java.util.Arrays;
import java.util.Locale;

/**
 * One W8ASpike projection's prefill product on the CPU backend, the Vector API kernels (oneDNN off) against
 * oneDNN's batched INT8 matmul for the group sums (oneDNN required), timed interleaved in one run after checking
 * they agree bit for bit. Counts as SpikeBenchData draws them (18.4% silent).
 * Arguments: [shapes rows x cols] [token counts] [thread counts] [rounds]; defaults 3584x3584,18944x3584 64,256 2 5.
 * Results: docs/PERFORMANCE.md, "CPU vendor math".
 */
public final class SpikeGemmRatios {
    private SpikeGemmRatios() {}

    static Tuning tuning(VendorMath math) {
        Tuning d = Tuning.defaults();
        return new Tuning(d.sparseFromSilentShare(), 2, d.batchTileTokens(), d.maxBlockRows(), d.batchFloatOnly(),
                d.checkEachLaunch(), math, 2);
    }

    public static void main(String[] args) {
        String[] shapes = (args.length > 0 ? args[0] : "3584x3584,18944x3584").split(",");
        int[] tokenCounts = Arrays.stream((args.length > 1 ? args[1] : "64,256").split(",")).mapToInt(Integer::parseInt).toArray();
        int[] threadCounts = Arrays.stream((args.length > 2 ? args[2] : "2").split(",")).mapToInt(Integer::parseInt).toArray();
        int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 5;
        System.out.printf(Locale.ROOT, "ms per product, median of %d rounds of best-of-3; JVM %s%n", rounds,
                System.getProperty("java.vm.version"));
        System.out.printf(Locale.ROOT, "%-11s %6s %7s %10s %10s %7s%n", "shape", "tokens", "threads", "vectorApi", "oneDnnInt8", "ratio");
        for (String shape : shapes) {
            int rows = Integer.parseInt(shape.split("x")[0]);
            int cols = Integer.parseInt(shape.split("x")[1]);
            try (Arena arena = Arena.ofShared()) {
                Int8Weights w = SpikeBenchData.int8(arena, rows, cols, 0.01, 42);
                for (int threads : threadCounts) {
                    try (ComputePool pool = new ComputePool(threads);
                         CpuBackend plain = new CpuBackend(pool, false, tuning(VendorMath.OFF));
                         CpuBackend vendor = new CpuBackend(pool, false, tuning(VendorMath.REQUIRE))) {
                        if (threads == threadCounts[0] && shape.equals(shapes[0])) {
                            System.out.println("  " + vendor.vendorMath());
                        }
                        for (int tokens : tokenCounts) {
                            int[] counts = new int[tokens * cols];
                            for (int t = 0; t < tokens; t++) {
                                System.arraycopy(SpikeBenchData.counts(cols, 0.184, 7 + t), 0, counts, t * cols, cols);
                            }
                            float[] vth = new float[tokens];
                            Arrays.fill(vth, 0.05f);
                            float[] a = new float[tokens * rows];
                            float[] b = new float[tokens * rows];
                            plain.spikeLinearBatch(w, counts, 0, vth, tokens, a, 0);
                            vendor.spikeLinearBatch(w, counts, 0, vth, tokens, b, 0);
                            if (!Arrays.equals(a, b)) {
                                throw new IllegalStateException(shape + " x " + tokens + ": the two paths disagree");
                            }
                            Runnable[] kernels = {
                                () -> plain.spikeLinearBatch(w, counts, 0, vth, tokens, a, 0),
                                () -> vendor.spikeLinearBatch(w, counts, 0, vth, tokens, b, 0),
                            };
                            double[] ms = InterleavedTimes.medianOfBest(kernels, rounds);
                            System.out.printf(Locale.ROOT, "%-11s %6d %7d %10.2f %10.2f %7.2f%n", shape, tokens, threads, ms[0], ms[1],
                                    ms[0] / ms[1]);
                        }
                    }
                }
            }
        }
    }
}
