package io.spikert.runtime.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spikert.ffm.GpuDriver;
import io.spikert.ffm.Vendor;
import io.spikert.ffm.fake.FakeGpu;
import io.spikert.runtime.backend.KvPrecision;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The split decode attention (swa_decode_split + swa_decode_combine) against plain sliding-window
 * attention written out here: its twin for any split size, and {@link DeviceOps#swaDecode} end to end
 * on the fake GPU (split plan, scratch layout, grid), for windows 1, 5, 64 and 4097, positions below
 * the window and past it with the ring wrapped, and GQA groups of 1, 3 and 9.
 */
class SwaDecodeTest {
    private static final double TOLERANCE = 1e-5;

    private static FakeGpu gpu;

    @BeforeAll
    static void install() {
        gpu = FakeGpu.shared().install();
    }

    @BeforeEach
    void reset() {
        gpu.reset();
        FakeKernels.register(gpu);
    }

    /** One decode case: keys and values of a ring, queries of one token. */
    private record Case(int heads, int kvHeads, int d, int capacity, int window, long pos, float[] q, float[] keys,
                        float[] values) {
        static Case random(int heads, int kvHeads, int d, int capacity, int window, long pos, long seed) {
            Random r = new Random(seed);
            return new Case(heads, kvHeads, d, capacity, window, pos, gaussian(r, heads * d),
                    gaussian(r, kvHeads * capacity * d), gaussian(r, kvHeads * capacity * d));
        }

        float scale() {
            return (float) (1 / Math.sqrt(d));
        }

        int n() {
            return (int) Math.min(window, pos + 1);
        }

        @Override
        public String toString() {
            return heads + " heads / " + kvHeads + " kv, d " + d + ", window " + window + ", ring " + capacity + ", position " + pos;
        }
    }

    /** Windows with positions below them (the ring not yet full) and far past them (wrapped several times). */
    private static List<Case> cases() {
        List<Case> all = new ArrayList<>();
        int[][] groups = {{2, 2}, {6, 2}, {9, 1}}; // heads, kv heads: groups 1, 3, 9
        long seed = 1;
        for (int window : new int[] {1, 5, 64, 4097}) {
            int d = window == 4097 ? 8 : 16;
            int capacity = window + 3;
            for (long pos : new long[] {0, window / 2, window - 1, window, 3L * capacity + 2, 1_000_003}) {
                for (int[] g : groups) {
                    all.add(Case.random(g[0], g[1], d, capacity, window, pos, seed++));
                }
            }
        }
        return all;
    }

    /** Softmax attention of query head h over positions max(0, pos - window + 1) .. pos, slot p % capacity, in double. */
    private static float[] reference(Case c) {
        float[] out = new float[c.heads * c.d];
        int group = c.heads / c.kvHeads;
        long first = Math.max(0, c.pos - c.window + 1);
        for (int h = 0; h < c.heads; h++) {
            int kvh = h / group;
            int n = (int) (c.pos - first + 1);
            double[] score = new double[n];
            double max = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < n; i++) {
                long slot = Math.floorMod(first + i, (long) c.capacity);
                int row = (int) ((kvh * (long) c.capacity + slot) * c.d);
                double dot = 0;
                for (int j = 0; j < c.d; j++) {
                    dot += (double) c.q[h * c.d + j] * c.keys[row + j];
                }
                score[i] = dot * c.scale();
                max = Math.max(max, score[i]);
            }
            double sum = 0;
            for (int i = 0; i < n; i++) {
                score[i] = Math.exp(score[i] - max);
                sum += score[i];
            }
            for (int j = 0; j < c.d; j++) {
                double acc = 0;
                for (int i = 0; i < n; i++) {
                    long slot = Math.floorMod(first + i, (long) c.capacity);
                    acc += score[i] * c.values[(int) ((kvh * (long) c.capacity + slot) * c.d) + j];
                }
                out[h * c.d + j] = (float) (acc / sum);
            }
        }
        return out;
    }

    /** The twin's split and merge with {@code splits} blocks of {@code splitKeys} keys per kv head. */
    private static float[] twin(Case c, int splitKeys, int splits) {
        float[] po = new float[c.heads * splits * c.d], pm = new float[c.heads * splits], ps = new float[c.heads * splits];
        for (int kvh = 0; kvh < c.kvHeads; kvh++) {
            for (int s = 0; s < splits; s++) {
                SwaDecodeSplitTwin.splitBlock(c.q, c.keys, c.values, c.heads, c.kvHeads, c.d, c.capacity, c.window, c.pos,
                        c.scale(), splitKeys, splits, s, kvh, po, pm, ps);
            }
        }
        float[] out = new float[c.heads * c.d];
        for (int h = 0; h < c.heads; h++) {
            SwaDecodeSplitTwin.combineBlock(po, pm, ps, h, c.d, splits, out, h * c.d);
        }
        return out;
    }

    @Test
    void theTwinMatchesPlainAttentionForAnySplitSize() {
        for (Case c : cases()) {
            float[] expected = reference(c);
            int n = c.n();
            for (int splitKeys : new int[] {1, 3, 7, 33, n, n + 5}) {
                int splits = (n + splitKeys - 1) / splitKeys;
                assertClose(expected, twin(c, splitKeys, splits), c + ", " + splits + " splits of " + splitKeys);
            }
            // Splits past the window's keys are empty: their neutral partials must not disturb the merge.
            assertClose(expected, twin(c, 2, (n + 1) / 2 + 3), c + ", 3 empty splits");
        }
    }

    @Test
    void aSplitPlanThatMissesTheLastKeysIsCaught() {
        // The check above could fail: drop the window's newest key (one split short) and the result moves.
        Case c = Case.random(6, 2, 16, 67, 64, 500, 7);
        float[] expected = reference(c);
        float[] missing = twin(c, 8, 7); // 56 of 64 keys
        double worst = 0;
        for (int i = 0; i < expected.length; i++) {
            worst = Math.max(worst, Math.abs(missing[i] - expected[i]) / (1 + Math.abs(expected[i])));
        }
        assertTrue(worst > 100 * TOLERANCE, "leaving out 8 of 64 keys changed the output by only " + worst);
    }

    @Test
    void deviceOpsDecodeMatchesPlainAttentionOnTheFakeGpu() {
        for (Vendor vendor : Vendor.values()) {
            try (GpuDriver d = vendor.open()) {
                d.useDevice(0);
                try (LoadedKernels k = KernelCatalog.load(d, "sm_90")) {
                    DeviceOps ops = new DeviceOps(d, k, null);
                    for (Case c : cases()) {
                        assertClose(reference(c), decode(d, ops, c), vendor + " " + c);
                    }
                }
            }
            assertEquals(0, gpu.allocatedBytes(), "device memory left behind");
            assertTrue(gpu.failures().isEmpty(), gpu.failures().toString());
        }
    }

    @Test
    void aScratchTooSmallForThePlanIsRefusedNamingTheSizes() {
        try (GpuDriver d = Vendor.CUDA.open()) {
            d.useDevice(0);
            try (LoadedKernels k = KernelCatalog.load(d, "sm_90")) {
                DeviceOps ops = new DeviceOps(d, k, null);
                long need = DeviceOps.swaDecodeScratchBytes(28, 4, 128, 4097);
                // Position 4095 (4096 keys, 128 splits of 32) is the plan that needs the most partials.
                DeviceOpException e = assertThrows(DeviceOpException.class,
                        () -> ops.swaDecode(KvPrecision.F32, 1, 1, 1, 1, 1, need - 1, 28, 4, 128, 4105, 4097, 4095, 0.088f));
                assertTrue(e.getMessage().contains("bytes of partials, the scratch has " + (need - 1)), e.getMessage());
                DeviceOpException ring = assertThrows(DeviceOpException.class,
                        () -> ops.swaDecode(KvPrecision.F32, 1, 1, 1, 1, 1, need, 28, 4, 128, 4096, 4097, 10_000, 0.088f));
                assertTrue(ring.getMessage().contains("ring capacity 4096"), ring.getMessage());
            }
        }
    }

    @Test
    void theSevenBillionShapeFillsTheDeviceSeveralTimesOver() {
        // SpikingBrain-7B: 28 query heads over 4 kv heads of 128, window 4096 + 1.
        int keys = DeviceOps.swaSplitKeys(4097, 4, 7, 128);
        int splits = (4097 + keys - 1) / keys;
        assertEquals(33, keys);
        assertEquals(125, splits);
        assertTrue(4 * splits >= 3 * 132, 4 * splits + " blocks for a 132-SM H100");
        // Partials: at most 28 heads x 128 splits (4096 keys, 32 a split) x (128 + 2) floats, under 2 MB, next
        // to the 16.8 MB of keys and values a step reads.
        assertEquals(4L * 28 * 128 * 130, DeviceOps.swaDecodeScratchBytes(28, 4, 128, 4097));
        // Early positions split too, never below the minimum slice.
        assertEquals(DeviceOps.SWA_MIN_SPLIT_KEYS, DeviceOps.swaSplitKeys(100, 4, 7, 128));
        assertEquals(1, DeviceOps.swaSplitKeys(1, 4, 7, 128));
    }

    private static float[] decode(GpuDriver d, DeviceOps ops, Case c) {
        List<Long> owned = new ArrayList<>();
        try {
            long q = up(d, owned, c.q), keys = up(d, owned, c.keys), values = up(d, owned, c.values);
            long out = up(d, owned, new float[c.heads * c.d]);
            long scratchBytes = DeviceOps.swaDecodeScratchBytes(c.heads, c.kvHeads, c.d, c.window);
            long scratch = d.allocate(scratchBytes);
            owned.add(scratch);
            ops.swaDecode(KvPrecision.F32, q, keys, values, out, scratch, scratchBytes, c.heads, c.kvHeads, c.d, c.capacity, c.window, c.pos,
                    c.scale());
            float[] host = new float[c.heads * c.d];
            d.copyToHost(MemorySegment.ofArray(host), out, 4L * host.length);
            return host;
        } finally {
            owned.forEach(d::free);
        }
    }

    private static long up(GpuDriver d, List<Long> owned, float[] a) {
        long p = d.allocate(4L * a.length);
        owned.add(p);
        d.copyToDevice(p, MemorySegment.ofArray(a), 4L * a.length);
        return p;
    }

    private static void assertClose(float[] expected, float[] actual, String what) {
        for (int i = 0; i < expected.length; i++) {
            double err = Math.abs(actual[i] - expected[i]) / (1 + Math.abs(expected[i]));
            if (!(err <= TOLERANCE)) {
                throw new AssertionError(what + ": element " + i + " is " + actual[i] + ", plain attention gives "
                        + expected[i] + " (error " + err + ")");
            }
        }
    }

    private static float[] gaussian(Random r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) r.nextGaussian();
        }
        return a;
    }
}
