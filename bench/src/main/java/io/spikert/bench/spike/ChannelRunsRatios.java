package io.spikert.bench.spike;

import io.spikert.kernels.spike.ChannelRunsProbe;
import io.spikert.kernels.spike.Int8MatVec;
import io.spikert.kernels.spike.Int8Weights;
import io.spikert.kernels.spike.SpikeBitPlanes;
import io.spikert.kernels.spike.SpikeCoding;
import io.spikert.kernels.spike.SpikeMatVec;
import io.spikert.kernels.spike.SpikeTrainMatVec;
import io.spikert.runtime.ComputePool;
import java.lang.foreign.Arena;
import java.util.Arrays;

/**
 * The kernels of {@link SpikeMatVecBench} timed interleaved (dense, sparse, bitwise, bf16, again and
 * again) and reported as ratios, because on a shared 2-vCPU host the bandwidth state flips within
 * seconds and JMH's one-benchmark-after-another order puts the flips between the kernels compared
 * (MACHINE.md). Each figure is the median over rounds of the best of a burst of calls, after 600 calls of each
 * kernel per setting (a new silent share changes branch profiles, and C2 recompiles).
 * Arguments: [rows] [cols] [rounds] [outlier share]; defaults 3584 3584 15 0.01.
 */
public final class ChannelRunsRatios {
    private ChannelRunsRatios() {}

    public static void main(String[] args) {
        int rows = args.length > 0 ? Integer.parseInt(args[0]) : 3584;
        int cols = args.length > 1 ? Integer.parseInt(args[1]) : 3584;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 15;
        double outliers = args.length > 3 ? Double.parseDouble(args[3]) : 0.01;
        float vth = 0.05f;
        try (Arena arena = Arena.ofShared()) {
            Int8Weights int8 = SpikeBenchData.int8(arena, rows, cols, outliers, 42);
            int blockRows = args.length > 4 ? Integer.parseInt(args[4]) : (rows + 127) / 128 * 128;
            ChannelRunsProbe runs = new ChannelRunsProbe(arena, int8, blockRows);
            float[] x = SpikeBenchData.randoms(cols, 8);
            float[] y = new float[rows];
            System.out.printf("shape %d x %d, int8 codes with %.1f%% outliers; times in us (median of %d rounds of best-of-burst)%n", rows, cols, 100 * outliers, rounds);
            System.out.printf("blockRows %d%n%-8s %-7s %9s %9s %9s %9s %9s %12s %12s%n", blockRows, "threads", "silent", "denseInt8", "sparse", "bitwise", "chDense", "chSparse", "dense/sparse", "chD/chS");
            for (int threads : new int[] {1, Runtime.getRuntime().availableProcessors()}) {
                try (ComputePool pool = new ComputePool(threads)) {
                    for (double silent : new double[] {0, 0.184, 0.5, 0.69, 0.9}) {
                        int[] counts = SpikeBenchData.counts(cols, silent, 7);
                        SpikeBitPlanes planes = SpikeBitPlanes.encode(SpikeCoding.BITWISE_BIDIRECTIONAL, counts, 0, cols);
                        float[] ya = new float[rows], yb = new float[rows], yc = new float[rows];
                        SpikeMatVec.sparse(int8, counts, 0, vth, ya, 0, 0, rows);
                        ChannelRunsProbe.sparse(runs, counts, 0, vth, yb, 0, 0, rows);
                        ChannelRunsProbe.dense(runs, counts, 0, vth, yc, 0, 0, rows);
                        double err = 0, mag = 0;
                        for (int i = 0; i < rows; i++) {
                            err = Math.max(err, Math.max(Math.abs(ya[i] - yb[i]), Math.abs(ya[i] - yc[i])));
                            mag = Math.max(mag, Math.abs(ya[i]));
                        }
                        if (threads == 1) System.out.printf("check: max |diff| %.3g of max |y| %.3g%n", err, mag);
                        Runnable[] kernels = {
                            () -> pool.parallelFor(rows, Int8Weights.TILE, (a, b) -> Int8MatVec.dense(int8, counts, 0, vth, y, 0, a, b)),
                            () -> pool.parallelFor(rows, Int8Weights.TILE, (a, b) -> SpikeMatVec.sparse(int8, counts, 0, vth, y, 0, a, b)),
                            () -> pool.parallelFor(rows, Int8Weights.TILE, (a, b) -> SpikeTrainMatVec.bitwise(int8, planes, vth, y, 0, a, b)),
                            () -> pool.parallelFor(rows, Int8Weights.TILE, (a, b) -> ChannelRunsProbe.dense(runs, counts, 0, vth, y, 0, a, b)),
                            () -> pool.parallelFor(rows, Int8Weights.TILE, (a, b) -> ChannelRunsProbe.sparse(runs, counts, 0, vth, y, 0, a, b)),
                        };
                        double[][] t = new double[kernels.length][rounds];
                        for (int warm = 0; warm < 3; warm++) {
                            for (Runnable k : kernels) {
                                burst(k, 200);
                            }
                        }
                        for (int r = 0; r < rounds; r++) {
                            for (int k = 0; k < kernels.length; k++) {
                                t[k][r] = burst(kernels[k], 20);
                            }
                        }
                        double[] med = new double[kernels.length];
                        for (int k = 0; k < kernels.length; k++) {
                            Arrays.sort(t[k]);
                            med[k] = t[k][rounds / 2];
                        }
                        System.out.printf("%-8d %-7.3f %9.0f %9.0f %9.0f %9.0f %9.0f %12.2f %12.2f%n",
                                threads, silent, med[0], med[1], med[2], med[3], med[4], med[0] / med[1], med[3] / med[4]);
                    }
                }
            }
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
