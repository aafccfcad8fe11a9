package io.spikert.runtime.backend;

import io.spikert.kernels.Bf16;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The ring's growth against its definition: after positions 0..n-1 were written (growing as they came), every
 * position of the last {@code capacity} reads back what was written for it, for every head and dimension,
 * before and after the ring fills and wraps. A wrong copy offset in {@link KvRing#ensurePositions} or a
 * wrong slot after growth fails here, which a comparison of two growing sessions could not show. A BF16 ring
 * holds each value rounded to BF16 ({@link Bf16#round}) and reads it back widened.
 */
class KvRingTest {
    private static float key(int head, long pos, int d) {
        return head * 1_000_000f + pos * 100f + d;
    }

    private static float value(int head, long pos, int d) {
        return -key(head, pos, d) - 0.5f;
    }

    private static void write(KvRing ring, int kvHeads, int headDim, long pos) {
        ring.ensurePositions(pos + 1);
        for (int j = 0; j < kvHeads; j++) {
            float[] k = new float[headDim + 1];
            float[] v = new float[headDim + 2];
            for (int d = 0; d < headDim; d++) {
                k[1 + d] = key(j, pos, d);
                v[2 + d] = value(j, pos, d);
            }
            ring.store(ring.slotOffset(j, pos), k, 1, v, 2);
        }
    }

    private static float held(KvRing ring, float x) {
        return ring.precision() == KvPrecision.BF16 ? Bf16.round(x) : x;
    }

    private static void assertHolds(KvRing ring, int kvHeads, int headDim, long written) {
        long from = Math.max(0, written - ring.capacity());
        for (long pos = from; pos < written; pos++) {
            for (int j = 0; j < kvHeads; j++) {
                int off = ring.slotOffset(j, pos);
                assertTrue(off >= ring.headOffset(j) && off + headDim <= ring.headOffset(j) + ring.capacity() * headDim);
                float[] image = new float[2 * headDim];
                ring.copy(off, image, 0, headDim, headDim, true);
                for (int d = 0; d < headDim; d++) {
                    assertEquals(held(ring, key(j, pos, d)), image[d], "key head " + j + " pos " + pos + " dim " + d);
                    assertEquals(held(ring, value(j, pos, d)), image[headDim + d], "value head " + j + " pos " + pos);
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(KvPrecision.class)
    void positionsReadBackAcrossEveryGrowthAndTheWrap(KvPrecision precision) {
        int kvHeads = 3;
        int headDim = 4;
        int maxCapacity = 301; // W = 300: grows 64 -> 128 -> 256 -> 301, then wraps
        var ring = new KvRing(kvHeads, maxCapacity, headDim, precision);
        assertEquals(2L * precision.bytes() * kvHeads * maxCapacity * headDim, ring.bytes());
        assertEquals(KvRing.INITIAL_SLOTS, ring.capacity());
        for (long pos = 0; pos < 700; pos++) {
            write(ring, kvHeads, headDim, pos);
            assertHolds(ring, kvHeads, headDim, pos + 1);
        }
        assertEquals(maxCapacity, ring.capacity());
    }

    @ParameterizedTest
    @EnumSource(KvPrecision.class)
    void aChunkOfPositionsAtOnceGrowsPastDoublingAndKeepsWhatWasThere(KvPrecision precision) {
        var ring = new KvRing(2, 1000, 2, precision);
        for (long pos = 0; pos < 10; pos++) {
            write(ring, 2, 2, pos);
        }
        ring.ensurePositions(500); // a chunk of 490 positions announced before any is written
        assertEquals(500, ring.capacity());
        assertHolds(ring, 2, 2, 10);
        for (long pos = 10; pos < 1500; pos++) {
            write(ring, 2, 2, pos);
        }
        assertHolds(ring, 2, 2, 1500);
        assertEquals(1000, ring.capacity());
    }

    @Test
    void aSmallWindowNeverGrows() {
        var ring = new KvRing(1, 7, 2);
        assertEquals(7, ring.capacity());
        ring.ensurePositions(1_000_000);
        assertEquals(7, ring.capacity());
    }

    @Test
    void aBf16RingHoldsBitsAndNoFloats() {
        var ring = new KvRing(2, 10, 3, KvPrecision.BF16);
        assertNull(ring.keys());
        assertNull(ring.values());
        ring.store(ring.slotOffset(1, 4), new float[] {1.00390625f, 3.1415927f, -0f}, 0, new float[] {65504f, 1e-3f, 2f}, 0);
        int at = ring.slotOffset(1, 4);
        assertEquals(Bf16.bits(1.00390625f), ring.keyBits()[at]);
        assertEquals(Bf16.bits(3.1415927f), ring.keyBits()[at + 1]);
        assertEquals(Bf16.bits(-0f), ring.keyBits()[at + 2]);
        assertEquals(Bf16.bits(1e-3f), ring.valueBits()[at + 1]);
        assertEquals(KvPrecision.BF16, KvPrecision.parse("BF16", "--kv-cache"));
        var e = assertThrows(IllegalArgumentException.class, () -> KvPrecision.parse("fp8", "--kv-cache"));
        assertTrue(e.getMessage().contains("--kv-cache") && e.getMessage().contains("fp8"), e.getMessage());
    }
}
