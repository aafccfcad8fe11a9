package io.spikert.model;

import io.spikert.runtime.DType;
import io.spikert.runtime.Tensor;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The word-at-a-time scan finds exactly the first non-finite element, in every lane, for every float dtype. */
class WeightScanTest {
    private static final float[] FINITE_EDGES = {0f, -0f, Float.MAX_VALUE, -Float.MAX_VALUE, 65504f, 1e-40f, 3.3895314e38f};
    private static final float[] NON_FINITE = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY,
            Float.intBitsToFloat(0x7FC0_0001), Float.intBitsToFloat(0xFF80_0001)};

    private static Tensor tensor(DType dtype, int n) {
        return new Tensor("t", dtype, new long[] {n}, Arena.ofAuto().allocate((long) n * dtype.byteSize()));
    }

    @Test
    void findsTheFirstNonFiniteValueAtEveryPosition() {
        for (DType dtype : new DType[] {DType.BF16, DType.F16, DType.F32}) {
            for (int n : new int[] {1, 3, 4, 5, 8, 11}) {
                for (int bad = 0; bad < n; bad++) {
                    for (float v : NON_FINITE) {
                        Tensor t = tensor(dtype, n);
                        for (int i = 0; i < n; i++) {
                            float edge = FINITE_EDGES[i % FINITE_EDGES.length];
                            // F16 and BF16 cannot hold every edge: their largest finite values stand in
                            CheckpointEdits.set(t, i, dtype == DType.F16 ? Math.clamp(edge, -65504f, 65504f)
                                    : dtype == DType.BF16 ? Math.clamp(edge, -3.3895314e38f, 3.3895314e38f) : edge);
                        }
                        assertEquals(-1, WeightScan.firstNonFinite(t), dtype + " all finite, n " + n);
                        CheckpointEdits.set(t, bad, v);
                        if (bad + 1 < n) {
                            CheckpointEdits.set(t, n - 1, Float.NaN); // a later one must not win
                        }
                        assertEquals(bad, WeightScan.firstNonFinite(t), dtype + " " + v + " at " + bad + " of " + n);
                    }
                }
            }
        }
    }

    @Test
    void largeTensorsScannedInParallelSlicesReportTheLowestHit() {
        long n = (1L << 24) * 3 + 7; // three full slices and a ragged tail
        try (Arena arena = Arena.ofShared()) {
            Tensor t = new Tensor("big", DType.BF16, new long[] {n}, arena.allocate(n * 2));
            assertEquals(-1, WeightScan.firstNonFinite(t));
            CheckpointEdits.set(t, n - 1, Float.NaN);
            assertEquals(n - 1, WeightScan.firstNonFinite(t));
            CheckpointEdits.set(t, (1L << 24) * 2 + 5, Float.NEGATIVE_INFINITY);
            CheckpointEdits.set(t, (1L << 24) + 3, Float.POSITIVE_INFINITY);
            assertEquals((1L << 24) + 3, WeightScan.firstNonFinite(t));
        }
    }

    @Test
    void integerTensorsHoldNoNonFiniteValues() {
        Tensor t = new Tensor("i", DType.I32, new long[] {4}, Arena.ofAuto().allocate(16).fill((byte) 0xFF));
        assertEquals(-1, WeightScan.firstNonFinite(t));
    }
}
