package io.spikert.bench.kernels;

import io.spikert.bench.InterleavedTimes;
import io.spikert.kernels.AttentionTiles;
import io.spikert.runtime.backend.KvPrecision;
import io.spikert.runtime.backend.KvRing;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * A prompt chunk's attention for one GQA group as a long prompt runs it: {@link AttentionTiles#attend} for a chunk
 * of tokens at a depth, its earlier keys and values read from a {@link KvRing} (F32 and BF16) the way
 * {@code CpuBackend.swa} gathers them, one thread. Two windows: every earlier position (Qwen2's full attention) and
 * SpikingBrain's 4096. Prints per call the milliseconds (median over rounds of the best of a burst,
 * {@link InterleavedTimes}) and the rate of the attention's multiply-adds (4 d flops per query head and key).
 * Arguments: [depths, e.g. 4k,16k] [chunk tokens] [heads per group] [head dim] [rounds]; defaults 8k 64 6 128 5.
 */
public final class PrefillAttentionRates {
    private PrefillAttentionRates() {}

    private static final int SWA_WINDOW = 4096;

    public static void main(String[] args) {
        int[] depths = Arrays.stream((args.length > 0 ? args[0] : "8k").split(",")).mapToInt(BenchData::positions).toArray();
        int tokens = args.length > 1 ? Integer.parseInt(args[1]) : 64;
        int heads = args.length > 2 ? Integer.parseInt(args[2]) : 6;
        int d = args.length > 3 ? Integer.parseInt(args[3]) : 128;
        int rounds = args.length > 4 ? Integer.parseInt(args[4]) : 5;
        SplittableRandom rnd = new SplittableRandom(13);
        float[] q = BenchData.gaussians(rnd, tokens * heads * d);
        float[] k = BenchData.gaussians(rnd, tokens * d);
        float[] v = BenchData.gaussians(rnd, tokens * d);
        float scale = (float) (1 / Math.sqrt(d));
        float[] out = new float[tokens * heads * d];
        System.out.printf("AttentionTiles, a chunk of %d tokens, %d heads x %d, one thread; ms per call, GFLOP/s%n",
                tokens, heads, d);
        for (int depth : depths) {
            KvRing f32 = ring(rnd, depth, d, KvPrecision.F32);
            KvRing bf16 = ring(rnd, depth, d, KvPrecision.BF16);
            long full = depth + tokens;
            Runnable[] kernels = {
                () -> attend(f32, q, k, v, out, tokens, depth, heads, d, scale, full),
                () -> attend(bf16, q, k, v, out, tokens, depth, heads, d, scale, full),
                () -> attend(f32, q, k, v, out, tokens, depth, heads, d, scale, SWA_WINDOW),
            };
            double[] ms = InterleavedTimes.medianOfBest(kernels, rounds);
            double flopsFull = 4.0 * d * heads * tokens * (depth + (tokens + 1) / 2.0);
            double flopsSwa = 4.0 * d * heads * tokens * Math.min(depth + (tokens + 1) / 2.0, SWA_WINDOW + 1);
            System.out.printf("  depth %7d: full window, F32 ring %8.2f ms %6.1f GFLOP/s   BF16 ring %8.2f ms %6.1f GFLOP/s"
                    + "   window %d, F32 ring %8.2f ms %6.1f GFLOP/s%n", depth, ms[0], flopsFull / ms[0] / 1e6, ms[1],
                    flopsFull / ms[1] / 1e6, SWA_WINDOW, ms[2], flopsSwa / ms[2] / 1e6);
        }
    }

    /** A ring of one kv head holding positions 0 .. depth - 1. */
    private static KvRing ring(SplittableRandom rnd, int depth, int d, KvPrecision precision) {
        KvRing ring = new KvRing(1, depth + 1, d, precision);
        ring.ensurePositions(depth);
        float[] k = BenchData.gaussians(rnd, d);
        float[] v = BenchData.gaussians(rnd, d);
        for (int p = 0; p < depth; p++) {
            k[p % d] = (float) rnd.nextGaussian();
            ring.store(ring.slotOffset(0, p), k, 0, v, 0);
        }
        return ring;
    }

    /** As {@code CpuBackend.swa} attends a chunk: earlier positions from the ring, the chunk's own from its rows. */
    private static void attend(KvRing ring, float[] q, float[] k, float[] v, float[] out, int tokens, long pos0, int heads,
                               int d, float scale, long window) {
        AttentionTiles.attend(q, 0, heads * d, heads, d, scale, tokens, pos0, window, (from, count, kt, vt) -> {
            for (int i = 0; i < count; i++) {
                long pos = from + i;
                if (pos < pos0) {
                    ring.read(ring.slotOffset(0, pos), kt, i, AttentionTiles.KEYS, vt, i * d);
                    continue;
                }
                int row = (int) (pos - pos0) * d;
                for (int c = 0; c < d; c++) {
                    kt[c * AttentionTiles.KEYS + i] = ring.held(k[row + c]);
                    vt[i * d + c] = ring.held(v[row + c]);
                }
            }
        }, out, 0, heads * d);
    }
}
