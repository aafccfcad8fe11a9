package io.spikert.bench.kernels;

import io.spikert.bench.InterleavedTimes;
import io.spikert.kernels.Bf16;
import io.spikert.kernels.SlidingWindowAttention;
import io.spikert.kernels.SlidingWindowAttentionBf16;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * A decode step's attention for one GQA group as a long context runs it: {@code attendGroup} of one query per head
 * against every cached position, F32 and BF16 caches, one thread. A ring of several kv heads' caches is walked one
 * after the other so that each call reads its keys and values from memory, as a decode step over 28 layers does.
 * Prints per call the milliseconds (median over rounds of the best of a burst, {@link InterleavedTimes}) and the
 * cache bytes read per second. Arguments: [depths, e.g. 4k,64k] [heads per group] [head dim] [ring] [rounds];
 * defaults 16k,64k 6 128 4 5.
 */
public final class DecodeAttentionRates {
    private DecodeAttentionRates() {}

    public static void main(String[] args) {
        int[] depths = Arrays.stream((args.length > 0 ? args[0] : "16k,64k").split(",")).mapToInt(BenchData::positions).toArray();
        int heads = args.length > 1 ? Integer.parseInt(args[1]) : 6;
        int d = args.length > 2 ? Integer.parseInt(args[2]) : 128;
        int ring = args.length > 3 ? Integer.parseInt(args[3]) : 4;
        int rounds = args.length > 4 ? Integer.parseInt(args[4]) : 5;
        SplittableRandom rnd = new SplittableRandom(11);
        float[] q = new float[heads * d];
        for (int i = 0; i < q.length; i++) {
            q[i] = (float) rnd.nextGaussian();
        }
        float scale = (float) (1 / Math.sqrt(d));
        float[] out = new float[heads * d];
        System.out.printf("attendGroup, %d heads x %d, one thread, a ring of %d kv heads' caches; ms per call, GB/s of keys and values%n",
                heads, d, ring);
        for (int n : depths) {
            float[][] keys = new float[ring][];
            float[][] values = new float[ring][];
            short[][] keyBits = new short[ring][];
            short[][] valueBits = new short[ring][];
            for (int r = 0; r < ring; r++) {
                keys[r] = BenchData.gaussians(rnd, n * d);
                values[r] = BenchData.gaussians(rnd, n * d);
                keyBits[r] = new short[n * d];
                valueBits[r] = new short[n * d];
                Bf16.store(keys[r], 0, n * d, keyBits[r], 0);
                Bf16.store(values[r], 0, n * d, valueBits[r], 0);
            }
            float[] scratch = new float[heads * n];
            int[] next = {0, 0};
            Runnable f32 = () -> {
                int r = next[0]++ % ring;
                SlidingWindowAttention.attendGroup(q, 0, heads, d, scale, keys[r], values[r], 0, n, 0, n - 1, scratch, out, 0);
            };
            Runnable bf16 = () -> {
                int r = next[1]++ % ring;
                SlidingWindowAttentionBf16.attendGroup(q, 0, heads, d, scale, keyBits[r], valueBits[r], 0, n, 0, n - 1, scratch, out, 0);
            };
            double[] ms = InterleavedTimes.medianOfBest(new Runnable[] {f32, bf16}, rounds);
            System.out.printf("  %7d positions: F32 cache %8.2f ms %6.1f GB/s   BF16 cache %8.2f ms %6.1f GB/s%n", n,
                    ms[0], 8.0 * n * d / ms[0] / 1e6, ms[1], 4.0 * n * d / ms[1] / 1e6);
        }
    }
}
