package io.spikert.runtime.backend;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The ring's growth against its definition: after positions 0..n-1 were written (growing as they came), every
 * position of the last {@code capacity} reads back what was written for it, for every head and dimension,
 * before and after the ring fills and wraps. A wrong copy offset in {@link KvRing#ensurePositions} or a
 * wrong slot after growth fails here, which a comparison of two growing sessions could not show.
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
            int off = ring.slotOffset(j, pos);
            for (int d = 0; d < headDim; d++) {
                ring.keys()[off + d] = key(j, pos, d);
                ring.values()[off + d] = value(j, pos, d);
            }
        }
    }

    private static void assertHolds(KvRing ring, int kvHeads, int headDim, long written) {
        long from = Math.max(0, written - ring.capacity());
        for (long pos = from; pos < written; pos++) {
            for (int j = 0; j < kvHeads; j++) {
                int off = ring.slotOffset(j, pos);
                assertTrue(off >= ring.headOffset(j) && off + headDim <= ring.headOffset(j) + ring.capacity() * headDim);
                for (int d = 0; d < headDim; d++) {
                    assertEquals(key(j, pos, d), ring.keys()[off + d], "key head " + j + " pos " + pos + " dim " + d);
                    assertEquals(value(j, pos, d), ring.values()[off + d], "value head " + j + " pos " + pos);
                }
            }
        }
    }

    @Test
    void positionsReadBackAcrossEveryGrowthAndTheWrap() {
        int kvHeads = 3;
        int headDim = 4;
        int maxCapacity = 301; // W = 300: grows 64 -> 128 -> 256 -> 301, then wraps
        var ring = new KvRing(kvHeads, maxCapacity, headDim);
        assertEquals(KvRing.INITIAL_SLOTS, ring.capacity());
        for (long pos = 0; pos < 700; pos++) {
            write(ring, kvHeads, headDim, pos);
            assertHolds(ring, kvHeads, headDim, pos + 1);
        }
        assertEquals(maxCapacity, ring.capacity());
    }

    @Test
    void aChunkOfPositionsAtOnceGrowsPastDoublingAndKeepsWhatWasThere() {
        var ring = new KvRing(2, 1000, 2);
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
}
