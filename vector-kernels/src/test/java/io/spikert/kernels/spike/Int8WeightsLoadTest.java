package io.spikert.kernels.spike;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The load-time paths of {@link Int8Weights}: the vectorised quantiser and exactness check against the
 * scalar definition code = rint(W / s) (divided in float), and the channel-block layout written by
 * several threads (a shared arena) against the same weights written by one (a confined arena).
 */
class Int8WeightsLoadTest {
    private static final ValueLayout.OfFloat LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private static MemorySegment littleEndian(Arena arena, float[] w) {
        MemorySegment seg = arena.allocate(4L * w.length, 64);
        for (int i = 0; i < w.length; i++) {
            seg.setAtIndex(LE, i, w[i]);
        }
        return seg;
    }

    private static void assertSameAsScalarDefinition(Int8Weights q, float[] w, float[] scales, int rows, int cols) {
        int groups = cols / 128;
        int outliers = 0;
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                int expected = (int) Math.rint(w[r * cols + c] / scales[r * groups + c / 128]);
                assertEquals(expected, q.code(r, c), "code " + r + "," + c);
                assertEquals(Math.max(-127, Math.min(127, expected)), q.int8Code(r, c), "int8 code " + r + "," + c);
                outliers += Math.abs(expected) > 127 ? 1 : 0;
            }
        }
        assertEquals(outliers, q.outlierCount());
    }

    @Test
    void manyThreadsWriteTheCodesOneThreadWrites() {
        Random rnd = new Random(11);
        int rows = 333; // six passes of 64 rows, the last one short, two blocks of 256 and 128 rows below
        int cols = 384;
        float[] scales = SpikeTestData.scales(rnd, rows, cols);
        float[] w = SpikeTestData.weights(rnd, rows, cols, scales, 0.03);
        try (Arena shared = Arena.ofShared(); Arena confined = Arena.ofConfined()) {
            Int8Weights parallel = Int8Weights.quantize(shared, littleEndian(shared, w), rows, cols, scales);
            Int8Weights serial = Int8Weights.quantize(confined, w, rows, cols, scales);
            assertTrue(parallel.outlierCount() > 100, "test data must have outliers, has " + parallel.outlierCount());
            assertSameAsScalarDefinition(parallel, w, scales, rows, cols);
            assertSameAsScalarDefinition(serial, w, scales, rows, cols);
            assertEquals(serial.maxAbsCode(), parallel.maxAbsCode());
            assertEquals(serial.residentBytes(), parallel.residentBytes());
            int[] codes = parallel.codes();
            for (int i = 0; i < codes.length; i++) {
                assertEquals(parallel.code(i / cols, i % cols), codes[i], "exported code " + i / cols + "," + i % cols);
            }
            Int8Weights blocks = Int8Weights.fromCodes(shared, codes, rows, cols, scales, 2 * Int8Weights.TILE);
            assertSameAsScalarDefinition(blocks, w, scales, rows, cols);
            assertArrayEquals(codes, blocks.codes(), "codes exported from blocks of 256 rows");
            // The products see the same outliers in the same order: equal results, bit for bit.
            int[] counts = SpikeTestData.counts(rnd, cols, 0.3);
            float[] a = new float[rows];
            float[] b = new float[rows];
            float[] c = new float[rows];
            SpikeMatVec.sparse(parallel, counts, 0, 0.25f, a, 0, 0, rows);
            SpikeMatVec.sparse(serial, counts, 0, 0.25f, b, 0, 0, rows);
            SpikeMatVec.sparse(blocks, counts, 0, 0.25f, c, 0, 0, rows);
            for (int r = 0; r < rows; r++) {
                assertEquals(b[r], a[r], "row " + r);
                assertEquals(b[r], c[r], 1e-6f * Math.max(1f, Math.abs(b[r])), "row " + r);
            }
        }
    }

    @Test
    void aConfinedSourceIsQuantisedOnTheCallersThreadEvenIntoASharedArena() {
        Random rnd = new Random(23);
        int rows = 300;
        int cols = 256;
        float[] scales = SpikeTestData.scales(rnd, rows, cols);
        float[] w = SpikeTestData.weights(rnd, rows, cols, scales, 0.03);
        try (Arena shared = Arena.ofShared(); Arena confined = Arena.ofConfined()) {
            MemorySegment source = littleEndian(confined, w);
            assertSameAsScalarDefinition(Int8Weights.quantize(shared, source, rows, cols, scales), w, scales, rows, cols);
            assertFalse(Int8Weights.isExactlyCoded(source, rows, cols, scales));
        }
    }

    @Test
    void vectorRoundingIsRintAtTiesAndTheRangeEdges() {
        int cols = 128;
        float[] w = new float[cols];
        float[] ones = {1f};
        float[] probe = {0.5f, 1.5f, 2.5f, -0.5f, -2.5f, 32766.5f, -32766.5f, 32767f, -32767f, 32767.49f, 1e-30f, -0f,
                4096.5f, 4097.5f, 0.49999997f, 12345.5f, -12346.5f};
        System.arraycopy(probe, 0, w, 0, probe.length);
        try (Arena shared = Arena.ofShared()) {
            Int8Weights q = Int8Weights.quantize(shared, littleEndian(shared, w), 1, cols, ones);
            for (int c = 0; c < probe.length; c++) {
                assertEquals((int) Math.rint(probe[c]), q.code(0, c), "code of " + probe[c]);
            }
            for (float bad : new float[] {32767.5f, -32767.5f, 1e9f, Float.NaN, Float.POSITIVE_INFINITY}) {
                w[77] = bad;
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> Int8Weights.quantize(shared, littleEndian(shared, w), 1, cols, ones));
                assertTrue(e.getMessage().contains("weight " + bad + " at row 0, column 77"), e.getMessage());
            }
        }
    }

    @Test
    void theFirstBadCodeIsNamedWhenThreadsShareTheWork() {
        Random rnd = new Random(5);
        int rows = 640;
        int cols = 128;
        float[] scales = SpikeTestData.scales(rnd, rows, cols);
        float[] w = SpikeTestData.weights(rnd, rows, cols, scales, 0.01);
        w[250 * cols + 7] = 1e6f * scales[250];
        w[600 * cols + 3] = -1e6f * scales[600];
        try (Arena shared = Arena.ofShared()) {
            MemorySegment seg = littleEndian(shared, w);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Int8Weights.quantize(shared, seg, rows, cols, scales));
            assertTrue(e.getMessage().startsWith("Int8Weights.quantize: weight ") && e.getMessage().contains("at row 250, column 7"),
                    e.getMessage());
        }
    }

    @Test
    void exactlyCodedMeansEveryWeightIsItsCodeTimesItsScale() {
        Random rnd = new Random(17);
        int rows = 200;
        int cols = 256;
        float[] scales = SpikeTestData.scales(rnd, rows, cols);
        float[] w = SpikeTestData.weights(rnd, rows, cols, scales, 0.02);
        try (Arena shared = Arena.ofShared(); Arena confined = Arena.ofConfined()) {
            float[] exact = new float[w.length];
            for (int i = 0; i < w.length; i++) {
                float s = scales[(i / cols) * 2 + (i % cols) / 128];
                exact[i] = (float) Math.rint(w[i] / s) * s;
            }
            assertTrue(scalarExact(exact, scales, rows, cols), "the reference must find fake-quantised weights exact");
            assertTrue(Int8Weights.isExactlyCoded(littleEndian(shared, exact), rows, cols, scales));
            assertTrue(Int8Weights.isExactlyCoded(littleEndian(confined, exact), rows, cols, scales));
            assertFalse(Int8Weights.isExactlyCoded(littleEndian(shared, w), rows, cols, scales));
            for (int trial = 0; trial < 40; trial++) {
                float[] v = exact.clone();
                int at = rnd.nextInt(v.length);
                switch (trial % 4) {
                    case 0 -> v[at] = Math.nextUp(v[at]);
                    case 1 -> v[at] = Float.intBitsToFloat(Float.floatToRawIntBits(v[at]) ^ 1);
                    case 2 -> v[at] = 40000f * scales[(at / cols) * 2 + (at % cols) / 128];
                    default -> v[at] = Float.NaN;
                }
                assertEquals(scalarExact(v, scales, rows, cols), Int8Weights.isExactlyCoded(littleEndian(shared, v), rows, cols, scales),
                        "trial " + trial + " at " + at);
                assertFalse(Int8Weights.isExactlyCoded(littleEndian(confined, v), rows, cols, scales), "trial " + trial);
            }
        }
    }

    /** The definition, one element at a time. */
    private static boolean scalarExact(float[] w, float[] scales, int rows, int cols) {
        for (int i = 0; i < rows * cols; i++) {
            float s = scales[(i / cols) * (cols / 128) + (i % cols) / 128];
            float code = (float) Math.rint(w[i] / s);
            if (!(Math.abs(code) <= Int8Weights.MAX_CODE) || code * s != w[i]) {
                return false;
            }
        }
        return true;
    }
}
