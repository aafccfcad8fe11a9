package io.spikert.bench;

import java.util.Arrays;

/**
 * Times several kernels side by side: each warmed up (C2 and any library JIT done), then rounds in which
 * every kernel runs a burst of calls in turn, so all see the same state of a host whose bandwidth moves
 * within seconds. A kernel's figure is the median over rounds of its best call of a burst, in ms.
 */
public final class InterleavedTimes {
    private static final long WARM_UP_NANOS = 1_500_000_000L;
    private static final int BURST = 3;

    private InterleavedTimes() {}

    /** Per kernel, the median over {@code rounds} rounds of the best of a burst of 3 calls, in ms. */
    public static double[] medianOfBest(Runnable[] kernels, int rounds) {
        for (Runnable kernel : kernels) {
            long end = System.nanoTime() + WARM_UP_NANOS;
            int calls = 0;
            while (System.nanoTime() < end || calls < BURST) {
                kernel.run();
                calls++;
            }
        }
        double[][] best = new double[kernels.length][rounds];
        for (int round = 0; round < rounds; round++) {
            for (int i = 0; i < kernels.length; i++) {
                double b = Double.MAX_VALUE;
                for (int call = 0; call < BURST; call++) {
                    long t0 = System.nanoTime();
                    kernels[i].run();
                    b = Math.min(b, (System.nanoTime() - t0) / 1e6);
                }
                best[i][round] = b;
            }
        }
        double[] median = new double[kernels.length];
        for (int i = 0; i < kernels.length; i++) {
            Arrays.sort(best[i]);
            median[i] = best[i][rounds / 2];
        }
        return median;
    }
}
