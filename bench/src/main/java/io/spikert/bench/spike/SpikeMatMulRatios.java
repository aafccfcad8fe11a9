package io.spikert.bench.spike;

import io.spikert.kernels.spike.Int8Weights;
import io.spikert.kernels.spike.SpikeMatMul;
import io.spikert.kernels.spike.SpikeTileList;
import io.spikert.runtime.ComputePool;
import io.spikert.runtime.backend.CpuBackend;
import java.lang.foreign.Arena;
import java.util.Arrays;

/**
 * Prefill of one W8ASpike projection: T tokens through the batched products (CpuBackend.spikeLinearBatch,
 * int8LinearBatch: SpikeMatMul / Int8MatMul, threads splitting rows) against T calls of the per-token
 * products as the runtime ran them before (spikeLinear, int8Linear), timed interleaved in one run and
 * reported as ratios (per-token time / batched time), because the host's bandwidth state flips within
 * seconds (docs/PERFORMANCE.md, "The machine"). Each token's counts are drawn independently (silent
 * channels at random per token), so a tile of 8 tokens leaves few channels silent in all of them: the batch's event skipping
 * helps little here, and the ratio is mostly the weight reuse.
 * Figures: median over rounds of the best of a burst, after two passes of 300 ms of each kernel (C2 has
 * compiled the kernels by then; fewer calls left the per-token kernels interpreted, 10x slow).
 * Column spkFloat times the batched spike product with every tile on SpikeMatMul's float path (the kernel
 * before int16 lanes: {@code SpikeMatMul.sparse(..., floatOnly = true)}, listed and split over the pool's
 * threads as CpuBackend does), interleaved with the rest; int16/float is its time over spikeBatch's (above 1:
 * the int16 lanes are faster). Results: docs/PERFORMANCE.md.
 * Arguments: [shapes rows x cols, comma-separated] [token counts] [thread counts] [silent shares] [rounds];
 * defaults 3584x3584,18944x3584 8,32 1,2 0.184,0.5 5.
 */
public final class SpikeMatMulRatios {
    private SpikeMatMulRatios() {}

    public static void main(String[] args) {
        String[] shapes = (args.length > 0 ? args[0] : "3584x3584,18944x3584").split(",");
        int[] tokenCounts = ints(args.length > 1 ? args[1] : "8,32");
        int[] threadCounts = ints(args.length > 2 ? args[2] : "1,2");
        double[] shares = Arrays.stream((args.length > 3 ? args[3] : "0.184,0.5").split(",")).mapToDouble(Double::parseDouble).toArray();
        int rounds = args.length > 4 ? Integer.parseInt(args[4]) : 5;
        System.out.printf("times in ms (median of %d rounds of best-of-burst); ratio = per-token / batched%n", rounds);
        System.out.printf("%-11s %6s %7s %6s %10s %10s %7s %10s %13s %10s %10s %7s%n", "shape", "tokens", "threads", "silent",
                "spike/tok", "spikeBatch", "ratio", "spkFloat", "int16/float", "i8F/tok", "i8FBatch", "ratio");
        for (String shape : shapes) {
            String[] rc = shape.split("x");
            int rows = Integer.parseInt(rc[0]);
            int cols = Integer.parseInt(rc[1]);
            try (Arena arena = Arena.ofShared()) {
                Int8Weights w = SpikeBenchData.int8(arena, rows, cols, 0.01, 42);
                for (int threads : threadCounts) {
                    try (ComputePool pool = new ComputePool(threads)) {
                        // batched from 2 tokens, so both columns time what they name (CpuBackend batches spikes from 16 by default)
                        CpuBackend backend = new CpuBackend(pool, false).spikeBatchFromTokens(2);
                        for (int tokens : tokenCounts) {
                            float[] x = SpikeBenchData.randoms(tokens * cols, 8);
                            float[] y = new float[tokens * rows];
                            float[] vth = new float[tokens];
                            Arrays.fill(vth, 0.05f);
                            for (double silent : shares) {
                                int[] counts = new int[tokens * cols];
                                for (int t = 0; t < tokens; t++) {
                                    System.arraycopy(SpikeBenchData.counts(cols, silent, 7 + t), 0, counts, t * cols, cols);
                                }
                                checkAgree(backend, pool, w, counts, vth, x, tokens);
                                Runnable[] kernels = {
                                    () -> {
                                        for (int t = 0; t < tokens; t++) {
                                            backend.spikeLinear(w, counts, t * cols, vth[t], y, t * rows);
                                        }
                                    },
                                    () -> backend.spikeLinearBatch(w, counts, 0, vth, tokens, y, 0),
                                    () -> floatPath(pool, w, counts, vth, tokens, y),
                                    () -> {
                                        for (int t = 0; t < tokens; t++) {
                                            backend.int8Linear(w, x, t * cols, y, t * rows);
                                        }
                                    },
                                    () -> backend.int8LinearBatch(w, x, 0, tokens, y, 0),
                                };
                                double[][] ms = new double[kernels.length][rounds];
                                for (int pass = 0; pass < 2; pass++) {
                                    for (Runnable k : kernels) {
                                        warm(k, 300);
                                    }
                                }
                                for (int r = 0; r < rounds; r++) {
                                    for (int k = 0; k < kernels.length; k++) {
                                        ms[k][r] = burst(kernels[k], 2);
                                    }
                                }
                                double[] med = new double[kernels.length];
                                for (int k = 0; k < kernels.length; k++) {
                                    Arrays.sort(ms[k]);
                                    med[k] = ms[k][rounds / 2];
                                }
                                System.out.printf("%-11s %6d %7d %6.3f %10.2f %10.2f %7.2f %10.2f %13.2f %10.2f %10.2f %7.2f%n", shape, tokens,
                                        threads, silent, med[0], med[1], med[0] / med[1], med[2], med[2] / med[1], med[3], med[4], med[3] / med[4]);
                            }
                        }
                    }
                }
            }
        }
    }

    /** Fails loudly if the batched and per-token products disagree beyond float rounding on this input. */
    private static void checkAgree(CpuBackend backend, ComputePool pool, Int8Weights w, int[] counts, float[] vth, float[] x, int tokens) {
        int rows = w.rows();
        int cols = w.cols();
        float[] a = new float[tokens * rows];
        float[] b = new float[tokens * rows];
        float[] c = new float[tokens * rows];
        float[] d = new float[tokens * rows];
        backend.spikeLinearBatch(w, counts, 0, vth, tokens, a, 0);
        float[] f = new float[tokens * rows];
        floatPath(pool, w, counts, vth, tokens, f);
        if (!Arrays.equals(a, f)) {
            throw new IllegalStateException("batched spike product: int16 and float paths differ");
        }
        backend.int8LinearBatch(w, x, 0, tokens, c, 0);
        for (int t = 0; t < tokens; t++) {
            backend.spikeLinear(w, counts, t * cols, vth[t], b, t * rows);
            backend.int8Linear(w, x, t * cols, d, t * rows);
        }
        double err = 0;
        double mag = 0;
        for (int i = 0; i < a.length; i++) {
            err = Math.max(err, Math.max(Math.abs(a[i] - b[i]), Math.abs(c[i] - d[i])));
            mag = Math.max(mag, Math.max(Math.abs(b[i]), Math.abs(d[i])));
        }
        if (err > 1e-5 * mag) {
            throw new IllegalStateException("batched and per-token products disagree: max |diff| " + err + " of max |y| " + mag);
        }
    }

    /** The batched spike product as CpuBackend.spikeLinearBatch runs it (listed once, rows split), every exact tile on the float path. */
    private static void floatPath(ComputePool pool, Int8Weights w, int[] counts, float[] vth, int tokens, float[] y) {
        SpikeTileList list = FLOAT_LISTS.get().list(counts, 0, w.cols(), tokens);
        pool.parallelFor(w.rows(), Int8Weights.TILE, (start, end) -> SpikeMatMul.sparse(w, list, vth, y, 0, start, end, true));
    }

    private static final ThreadLocal<SpikeTileList> FLOAT_LISTS = ThreadLocal.withInitial(SpikeTileList::new);

    private static int[] ints(String list) {
        return Arrays.stream(list.split(",")).mapToInt(Integer::parseInt).toArray();
    }

    /** Calls k for at least ms milliseconds (and at least 5 times). */
    private static void warm(Runnable k, long ms) {
        long end = System.nanoTime() + ms * 1_000_000;
        for (int i = 0; i < 5 || System.nanoTime() < end; i++) {
            k.run();
        }
    }

    /** The best time of n calls, in milliseconds. */
    private static double burst(Runnable k, int n) {
        long best = Long.MAX_VALUE;
        for (int i = 0; i < n; i++) {
            long t0 = System.nanoTime();
            k.run();
            best = Math.min(best, System.nanoTime() - t0);
        }
        return best / 1e6;
    }
}
