package io.spikert.bench.cpu;

import io.spikert.bench.InterleavedTimes;
import io.spikert.ffm.onednn.OneDnnEngine;
import io.spikert.ffm.onednn.OneDnnException;
import io.spikert.ffm.onednn.OneDnnGemm;
import io.spikert.ffm.onednn.OneDnnMatmul;
import io.spikert.runtime.ComputePool;
import io.spikert.runtime.DType;
import io.spikert.runtime.Tensor;
import io.spikert.runtime.Tuning;
import io.spikert.runtime.VendorMath;
import io.spikert.runtime.backend.CpuBackend;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * Prefill products at the 7B shape on the CPU: SpikeRT's Vector API products (CpuBackend.linear with oneDNN off,
 * F32 and BF16 weights with F32 activations, the exact path) against oneDNN's GEMMs through FFM (sgemm; its matmul
 * primitive with F32 activations and BF16 weights, the backend's product on a CPU without a BF16 matmul; with BF16
 * activations and weights, the {@code --precision bf16} product; s8s8s32 and u8s8s32, the integer products a
 * W8ASpike prefill could use), timed interleaved in one run (the host's
 * bandwidth state moves within seconds) and reported as milliseconds and G(FL)OP/s, 2 M N K per product.
 * Each figure is the median over rounds of the best of a burst, after a warm-up that leaves C2 and oneDNN's
 * JIT kernels compiled. oneDNN runs on as many OpenMP threads as SpikeRT's pool has, set per row.
 * Arguments: [M values] [N values] [K] [thread counts] [rounds]; defaults 64,256 3584,18944 3584 1,2 5.
 * Results: docs/PERFORMANCE.md, "CPU vendor math".
 */
public final class CpuGemmRatios {
    private CpuGemmRatios() {}

    public static void main(String[] args) {
        int[] ms = ints(args.length > 0 ? args[0] : "64,256");
        int[] ns = ints(args.length > 1 ? args[1] : "3584,18944");
        int k = args.length > 2 ? Integer.parseInt(args[2]) : 3584;
        int[] threadCounts = ints(args.length > 3 ? args[3] : "1,2");
        int rounds = args.length > 4 ? Integer.parseInt(args[4]) : 5;
        OneDnnGemm dnnl = OneDnnGemm.open();
        OneDnnEngine engine = OneDnnEngine.open(dnnl);
        System.out.printf(Locale.ROOT, "%s, ISA 0x%x; JVM %s; %d cores%n", dnnl, dnnl.effectiveCpuIsa(),
                System.getProperty("java.vm.version"), Runtime.getRuntime().availableProcessors());
        System.out.printf(Locale.ROOT, "%5s %6s %5s %3s | %9s %9s %9s %9s %9s %9s %9s | GFLOP/s or GOP/s: %7s %7s %7s %7s %7s %7s %7s%n",
                "M", "N", "K", "thr", "javaF32", "javaBF16", "dnnlF32", "dnnlF32B", "dnnlBF16", "dnnlS8S8", "dnnlU8S8",
                "javaF32", "jBF16", "dnnlF32", "dF32B", "dBF16", "s8s8", "u8s8");
        SplittableRandom r = new SplittableRandom(5);
        for (int n : ns) {
            try (Arena arena = Arena.ofShared()) {
                MemorySegment wF32 = arena.allocate((long) n * k * 4, 64);
                MemorySegment wBf16 = arena.allocate((long) n * k * 2, 64);
                MemorySegment wS8 = arena.allocate((long) n * k, 64);
                for (long i = 0; i < (long) n * k; i++) {
                    float v = (float) (r.nextDouble() * 0.1 - 0.05);
                    wF32.setAtIndex(ValueLayout.JAVA_FLOAT, i, v);
                    wBf16.setAtIndex(ValueLayout.JAVA_SHORT, i, (short) (Float.floatToIntBits(v) >>> 16));
                    wS8.set(ValueLayout.JAVA_BYTE, i, (byte) r.nextInt(-127, 128));
                }
                Tensor tF32 = new Tensor("w f32", DType.F32, new long[] {n, k}, wF32);
                Tensor tBf16 = new Tensor("w bf16", DType.BF16, new long[] {n, k}, wBf16);
                for (int m : ms) {
                    float[] x = new float[m * k];
                    for (int i = 0; i < x.length; i++) {
                        x[i] = (float) (r.nextDouble() * 2 - 1);
                    }
                    float[] y = new float[m * n];
                    MemorySegment xs = arena.allocate((long) m * k * 4, 64);
                    MemorySegment.copy(x, 0, xs, ValueLayout.JAVA_FLOAT, 0, x.length);
                    MemorySegment ys = arena.allocate((long) m * n * 4, 64);
                    MemorySegment xBf16 = arena.allocate((long) m * k * 2, 64);
                    for (int i = 0; i < x.length; i++) {
                        xBf16.setAtIndex(ValueLayout.JAVA_SHORT, i, (short) (Float.floatToIntBits(x[i]) >>> 16));
                    }
                    MemorySegment aS8 = arena.allocate((long) m * k, 64);
                    for (long i = 0; i < (long) m * k; i++) {
                        aS8.set(ValueLayout.JAVA_BYTE, i, (byte) r.nextInt(-8, 9)); // spike counts are small
                    }
                    MemorySegment c32 = arena.allocate((long) m * n * 4, 64);
                    for (int threads : threadCounts) {
                        dnnl.setThreads(threads);
                        try (ComputePool pool = new ComputePool(threads);
                             OneDnnMatmul bf16 = matmul(engine, m, n, k, OneDnnMatmul.DataType.BF16);
                             OneDnnMatmul f32b = matmul(engine, m, n, k, OneDnnMatmul.DataType.F32)) {
                            if (threads == threadCounts[0]) {
                                System.out.println("  oneDNN BF16 matmul: "
                                        + (bf16 == null ? "none on this CPU (dnnl_unimplemented): its columns read n/a" : bf16.implementation())
                                        + "; FP32 x BF16 matmul: " + (f32b == null ? "none (n/a)" : f32b.implementation()));
                            }
                            // oneDNN off: the java columns are the Vector API kernels, wherever oneDNN could take them
                            CpuBackend cpu = new CpuBackend(pool, false, Tuning.defaults().withVendorMath(VendorMath.OFF));
                            Runnable[] kernels = {
                                () -> cpu.linear(tF32, x, 0, m, y, 0),
                                () -> cpu.linear(tBf16, x, 0, m, y, 0),
                                () -> dnnl.sgemm(false, true, m, n, k, 1f, xs, k, wF32, k, 0f, ys, n),
                                f32b == null ? null : () -> f32b.execute(xs, wBf16, ys),
                                bf16 == null ? null : () -> bf16.execute(xBf16, wBf16, ys),
                                () -> dnnl.gemmS8S8S32(false, true, m, n, k, 1f, aS8, k, (byte) 0, wS8, k, (byte) 0, 0f, c32, n, null),
                                () -> dnnl.gemmU8S8S32(false, true, m, n, k, 1f, aS8, k, (byte) 0, wS8, k, (byte) 0, 0f, c32, n, null),
                            };
                            Runnable[] run = Arrays.stream(kernels).filter(Objects::nonNull).toArray(Runnable[]::new);
                            double[] timed = InterleavedTimes.medianOfBest(run, rounds);
                            double ops = 2.0 * m * n * k;
                            StringBuilder times = new StringBuilder(), rates = new StringBuilder();
                            for (int i = 0, t = 0; i < kernels.length; i++) {
                                String w = i == 0 ? "%26s" : "%8s";
                                if (kernels[i] == null) {
                                    times.append(String.format(Locale.ROOT, "%10s", "n/a"));
                                    rates.append(String.format(Locale.ROOT, w, "n/a"));
                                } else {
                                    double median = timed[t++];
                                    times.append(String.format(Locale.ROOT, "%10.2f", median));
                                    rates.append(String.format(Locale.ROOT, w, String.format(Locale.ROOT, "%.1f", ops / median / 1e6)));
                                }
                            }
                            System.out.printf(Locale.ROOT, "%5d %6d %5d %3d |%s |%s%n", m, n, k, threads, times, rates);
                        }
                    }
                }
            }
        }
    }

    /**
     * oneDNN's matmul of {@code src}-typed activations and BF16 weights at this shape, or null where the CPU has none
     * (BF16 activations on AVX2: dnnl_unimplemented).
     */
    private static OneDnnMatmul matmul(OneDnnEngine engine, int m, int n, int k, OneDnnMatmul.DataType src) {
        try {
            return OneDnnMatmul.create(engine, m, n, k, src, OneDnnMatmul.DataType.BF16);
        } catch (OneDnnException e) {
            if (e.getMessage() != null && e.getMessage().contains("dnnl_unimplemented")) {
                return null;
            }
            throw e;
        }
    }

    private static int[] ints(String csv) {
        return Arrays.stream(csv.split(",")).mapToInt(Integer::parseInt).toArray();
    }
}
