package io.spikert.runtime.backend;

import io.spikert.kernels.Bf16;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The CPU's SWA over a BF16 cache is its SWA over an F32 cache fed the same keys and values rounded to BF16 (the
 * same sums; equal to rounding), through a chunk, decode steps and the ring's wrap; and its state image holds the
 * rounded values exactly.
 */
class CpuBf16KvCacheTest {
    @Test
    void bf16CacheIsTheF32CacheOfRoundedKeysAndValues() {
        int kvHeads = 2, group = 3, d = 20, heads = kvHeads * group, window = 9, chunk = 7;
        int qRow = heads * d, kvRow = kvHeads * d;
        float scale = (float) (1 / Math.sqrt(d));
        var r = new SplittableRandom(5);
        try (var backend = VectorApiBackends.of(2); var memory = backend.newMemory("a test")) {
            KvCache bf16 = memory.kvCache(kvHeads, heads, d, window, chunk, KvPrecision.BF16);
            KvCache f32 = memory.kvCache(kvHeads, heads, d, window, chunk, KvPrecision.F32);
            assertEquals(f32.bytes(), 2 * bf16.bytes());
            long pos = 0;
            for (int tokens : new int[] {chunk, 1, 1, chunk, chunk, 1}) {
                float[] q = randoms(r, tokens * qRow);
                float[] k = randoms(r, tokens * kvRow);
                float[] v = randoms(r, tokens * kvRow);
                float[] kRounded = k.clone();
                float[] vRounded = v.clone();
                Bf16.roundInPlace(kRounded, 0, kRounded.length);
                Bf16.roundInPlace(vRounded, 0, vRounded.length);
                float[] outBf16 = new float[tokens * qRow];
                float[] outF32 = new float[tokens * qRow];
                backend.swa(bf16, new HeapFloats(q, 0), new HeapFloats(k, 0), new HeapFloats(v, 0),
                        new HeapFloats(outBf16, 0), tokens, pos, group, scale);
                backend.swa(f32, new HeapFloats(q, 0), new HeapFloats(kRounded, 0), new HeapFloats(vRounded, 0),
                        new HeapFloats(outF32, 0), tokens, pos, group, scale);
                pos += tokens;
                for (int i = 0; i < outF32.length; i++) {
                    // the same sums in the same order (the lane sums' order does not depend on the JIT tier)
                    assertEquals(Float.floatToRawIntBits(outF32[i]), Float.floatToRawIntBits(outBf16[i]),
                            "output " + i + " of " + tokens + " tokens ending at position " + pos + ": " + outF32[i]
                                    + " vs " + outBf16[i]);
                }
            }
            float[] imageBf16 = backend.saveState(bf16, pos);
            assertArrayEquals(backend.saveState(f32, pos), imageBf16, "the images of equal caches");

            KvCache restored = memory.kvCache(kvHeads, heads, d, window, chunk, KvPrecision.BF16);
            backend.loadState(imageBf16, pos, restored);
            assertArrayEquals(imageBf16, backend.saveState(restored, pos), "an image loaded into a BF16 cache");
        }
    }

    private static float[] randoms(SplittableRandom r, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) r.nextGaussian();
        }
        return x;
    }
}
