package io.spikert.bench.spike;

import io.spikert.kernels.MatVec;
import io.spikert.kernels.spike.ChannelList;
import io.spikert.kernels.spike.Int8MatVec;
import io.spikert.kernels.spike.Int8Weights;
import io.spikert.kernels.spike.SpikeBitPlanes;
import io.spikert.kernels.spike.SpikeCoding;
import io.spikert.kernels.spike.SpikeMatVec;
import io.spikert.kernels.spike.SpikeTrainMatVec;
import io.spikert.kernels.spike.TiledInt8Baseline;
import io.spikert.runtime.ComputePool;
import io.spikert.runtime.backend.CpuBackend;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * The kernels of {@link SpikeMatVecBench} timed interleaved (each kernel in turn, again and again) and
 * reported as ratios, because on a shared 2-vCPU host the bandwidth state flips within seconds and
 * JMH's one-benchmark-after-another order puts the flips between the kernels compared
 * (docs/PERFORMANCE.md, "The machine"; results there too).
 * Columns: the old tiled dense INT8 kernel ({@link TiledInt8Baseline}, its own copy of the codes, so
 * the new layout's dense kernel can be seen not to be slower), the dense INT8 kernel and the event
 * kernels on {@link Int8Weights}' channel blocks (dense and sparse: CpuBackend.spikeLinear with either
 * kernel forced, channels listed once per call and, with several threads, split between them; denseRows
 * and sparseRows: the same kernels with the rows split between the threads, the list still shared), the float-input INT8 product and the BF16 matvec on
 * the same shape. Each figure is the median over rounds of the best of a burst of calls, after 600
 * calls of each kernel per setting (a new silent share changes branch profiles, and C2 recompiles).
 * Arguments: [rows] [cols] [rounds] [outlier share] [thread counts, comma-separated] [silent shares,
 * comma-separated] [kernels, comma-separated names]; defaults 3584 3584 15 0.01 1,(all) 0,0.184,0.5,0.69,0.9
 * (all six). Kernels not timed print NaN.
 */
public final class SpikeMatVecRatios {
    private SpikeMatVecRatios() {}

    public static void main(String[] args) {
        int rows = args.length > 0 ? Integer.parseInt(args[0]) : 3584;
        int cols = args.length > 1 ? Integer.parseInt(args[1]) : 3584;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 15;
        double outliers = args.length > 3 ? Double.parseDouble(args[3]) : 0.01;
        float vth = 0.05f;
        try (Arena arena = Arena.ofShared()) {
            Int8Weights int8 = SpikeBenchData.int8(arena, rows, cols, outliers, 42);
            TiledInt8Baseline tiled = new TiledInt8Baseline(arena, int8);
            MemorySegment bf16 = SpikeBenchData.bf16(arena, rows, cols, 43);
            float[] x = SpikeBenchData.randoms(cols, 8);
            float[] y = new float[rows];
            System.out.printf("shape %d x %d, int8 codes with %.1f%% outliers, blockRows %d; times in us (median of %d rounds of best-of-burst)%n",
                    rows, cols, 100 * outliers, int8.blockRows(), rounds);
            String[] names = {"oldTiled", "dense", "sparse", "denseRows", "sparseRows", "bitwise", "int8Float", "bf16"};
            double[] shares = args.length > 5 ? Arrays.stream(args[5].split(",")).mapToDouble(Double::parseDouble).toArray()
                    : new double[] {0, 0.184, 0.5, 0.69, 0.9};
            java.util.List<String> chosen = java.util.List.of(args.length > 6 ? args[6].split(",") : names);
            System.out.printf("%-7s %-6s", "threads", "silent");
            for (String n : names) {
                System.out.printf(" %9s", n);
            }
            System.out.printf(" %12s %12s %12s%n", "dense/sparse", "old/dense", "bf16/i8Float");
            int[] threadCounts = args.length > 4 ? Arrays.stream(args[4].split(",")).mapToInt(Integer::parseInt).toArray()
                    : new int[] {1, Runtime.getRuntime().availableProcessors()};
            for (int threads : threadCounts) {
                try (ComputePool pool = new ComputePool(threads)) {
                    // dense and event kernels as the runtime runs them (threads split the channels when there are several)
                    CpuBackend denseBackend = new CpuBackend(pool, false).sparseFromSilentShare(2);
                    CpuBackend sparseBackend = new CpuBackend(pool, false).sparseFromSilentShare(0);
                    for (double silent : shares) {
                        int[] counts = SpikeBenchData.counts(cols, silent, 7);
                        SpikeBitPlanes planes = SpikeBitPlanes.encode(SpikeCoding.BITWISE_BIDIRECTIONAL, counts, 0, cols);
                        checkAgree(int8, tiled, denseBackend, counts, vth, rows);
                        checkAgree(int8, tiled, sparseBackend, counts, vth, rows);
                        int g = Int8Weights.TILE;
                        ChannelList list = new ChannelList();
                        Runnable[] kernels = {
                            () -> pool.parallelFor(rows, g, (a, b) -> tiled.dense(counts, 0, vth, y, 0, a, b)),
                            () -> denseBackend.spikeLinear(int8, counts, 0, vth, y, 0),
                            () -> sparseBackend.spikeLinear(int8, counts, 0, vth, y, 0),
                            () -> {
                                ChannelList all = list.listAll(counts, 0, cols);
                                pool.parallelFor(rows, g, (a, b) -> Int8MatVec.dense(int8, all, vth, y, 0, a, b));
                            },
                            () -> {
                                ChannelList active = list.listActive(counts, 0, cols);
                                pool.parallelFor(rows, g, (a, b) -> SpikeMatVec.sparse(int8, active, vth, y, 0, a, b));
                            },
                            () -> pool.parallelFor(rows, g, (a, b) -> SpikeTrainMatVec.bitwise(int8, planes, vth, y, 0, a, b)),
                            () -> pool.parallelFor(rows, g, (a, b) -> Int8MatVec.denseFloat(int8, x, 0, y, 0, a, b)),
                            () -> pool.parallelFor(rows, 8, (a, b) -> MatVec.bf16(bf16, cols, x, 0, y, 0, a, b)),
                        };
                        double[][] t = new double[kernels.length][rounds];
                        for (int warm = 0; warm < 3; warm++) {
                            for (int k = 0; k < kernels.length; k++) {
                                if (chosen.contains(names[k])) {
                                    burst(kernels[k], 200);
                                }
                            }
                        }
                        for (int r = 0; r < rounds; r++) {
                            for (int k = 0; k < kernels.length; k++) {
                                t[k][r] = chosen.contains(names[k]) ? burst(kernels[k], 20) : Double.NaN;
                            }
                        }
                        double[] med = new double[kernels.length];
                        System.out.printf("%-7d %-6.3f", threads, silent);
                        for (int k = 0; k < kernels.length; k++) {
                            Arrays.sort(t[k]);
                            med[k] = t[k][rounds / 2];
                            System.out.printf(" %9.0f", med[k]);
                        }
                        System.out.printf(" %12.2f %12.2f %12.2f%n", med[1] / med[2], med[0] / med[1], med[7] / med[6]);
                    }
                }
            }
        }
    }

    /** Fails loudly if the kernels timed disagree beyond float rounding on this input. */
    private static void checkAgree(Int8Weights int8, TiledInt8Baseline tiled, CpuBackend backend, int[] counts, float vth, int rows) {
        float[] a = new float[rows], b = new float[rows], c = new float[rows], d = new float[rows];
        backend.spikeLinear(int8, counts, 0, vth, d, 0);
        tiled.dense(counts, 0, vth, a, 0, 0, rows);
        Int8MatVec.dense(int8, counts, 0, vth, b, 0, 0, rows);
        SpikeMatVec.sparse(int8, counts, 0, vth, c, 0, 0, rows);
        double err = 0, mag = 0;
        for (int i = 0; i < rows; i++) {
            err = Math.max(err, Math.max(Math.max(Math.abs(a[i] - b[i]), Math.abs(a[i] - c[i])), Math.abs(a[i] - d[i])));
            mag = Math.max(mag, Math.abs(a[i]));
        }
        if (err > 1e-5 * mag) {
            throw new IllegalStateException("kernels disagree: max |diff| " + err + " of max |y| " + mag);
        }
    }

    /** The best time of n calls, in microseconds. */
    private static double burst(Runnable k, int n) {
        long best = Long.MAX_VALUE;
        for (int i = 0; i < n; i++) {
            long t0 = System.nanoTime();
            k.run();
            best = Math.min(best, System.nanoTime() - t0);
        }
        return best / 1e3;
    }
}
