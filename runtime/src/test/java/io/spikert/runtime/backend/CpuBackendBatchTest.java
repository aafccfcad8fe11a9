package io.spikert.runtime.backend;

import io.spikert.kernels.spike.Int8Weights;
import io.spikert.kernels.spike.SpikeTileList;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The batched products (spikeLinearBatch, int8LinearBatch) against the fake-quant sums computed here, and
 * against Backend's default (the per-token products, token by token): bit for bit on one thread, within
 * float rounding on two; the kernel reported per token and the weight bytes counted per tile.
 */
class CpuBackendBatchTest {
    private static final int ROWS = 520;
    private static final int COLS = 384;

    private record Fixture(int[] codes, float[] scales) {
        static Fixture make(long seed) {
            var r = new SplittableRandom(seed);
            int[] codes = new int[ROWS * COLS];
            for (int i = 0; i < codes.length; i++) {
                codes[i] = r.nextInt(-180, 181); // beyond int8 too: the outlier correction is exercised
            }
            float[] scales = new float[ROWS * COLS / 128];
            for (int i = 0; i < scales.length; i++) {
                scales[i] = 0.001f + r.nextFloat() * 0.01f;
            }
            return new Fixture(codes, scales);
        }

        double weight(int row, int c) {
            return codes[row * COLS + c] * (double) scales[row * (COLS / 128) + c / 128];
        }
    }

    /** Token by token through the one-token product. */
    private static SpikeKernel[] perToken(CpuBackend cpu, Int8Weights w, int[] counts, int cOff, float[] vth, int tokens, float[] y, int yOff) {
        SpikeKernel[] used = new SpikeKernel[tokens];
        for (int t = 0; t < tokens; t++) {
            used[t] = cpu.spikeLinear(w, counts, cOff + t * w.cols(), vth[t], y, yOff + t * w.rows());
        }
        return used;
    }

    @Test
    void spikeBatchEqualsTheFakeQuantSumsAndTheTokenByTokenProducts() {
        Fixture f = Fixture.make(11);
        var r = new SplittableRandom(12);
        int cOff = 7;
        int yOff = 2;
        for (int tokens : new int[] {2, 9}) {
            int[] counts = new int[cOff + tokens * COLS + 3];
            Arrays.fill(counts, 1000); // outside the input: must not be read
            for (int t = 0; t < tokens; t++) {
                for (int c = 0; c < COLS; c++) {
                    // token 1 all silent; channels 0..39 silent in every token
                    boolean silent = t == 1 || c < 40 || r.nextDouble() < 0.3;
                    counts[cOff + t * COLS + c] = silent ? 0 : r.nextInt(1, 12) * (r.nextBoolean() ? 1 : -1);
                }
            }
            float[] vth = new float[tokens];
            for (int t = 0; t < tokens; t++) {
                vth[t] = 0.05f + 0.1f * t;
            }
            for (int threads : new int[] {1, 2}) {
                try (var arena = Arena.ofShared(); var backend = VectorApiBackends.of(threads).spikeBatchFromTokens(2)) {
                    Int8Weights w = Int8Weights.fromCodes(arena, f.codes, ROWS, COLS, f.scales);
                    float[] y = nans(yOff + tokens * ROWS + 3);
                    long before = backend.weightBytesRead();
                    SpikeKernel[] used = backend.spikeLinearBatch(w, counts, cOff, vth, tokens, y, yOff);
                    long bytes = backend.weightBytesRead() - before;
                    float[] ref = nans(y.length);
                    SpikeKernel[] refUsed = perToken(backend, w, counts, cOff, vth, tokens, ref, yOff);
                    String what = tokens + " tokens, " + threads + " threads";
                    assertEquals(tokens, used.length);
                    SpikeTileList tiles = new SpikeTileList().list(counts, cOff, COLS, tokens);
                    long expectedBytes = 0;
                    for (int i = 0; i < tiles.tiles(); i++) {
                        expectedBytes += w.denseBytesPerProduct() * tiles.unionSize(i) / COLS;
                        for (int t = tiles.tileStart(i); t < tiles.tileStart(i) + tiles.tileSize(i); t++) {
                            // channels 0..39 are silent in every tile: never read, so the event kernel
                            assertEquals(SpikeKernel.SPARSE_EVENTS, used[t], what + " token " + t);
                        }
                    }
                    assertEquals(expectedBytes, bytes, what + ": bytes read, once per tile");
                    assertTrue(bytes < w.denseBytesPerProduct() * tiles.tiles(), what);
                    assertEquals(SpikeKernel.SPARSE_EVENTS, refUsed[0]);
                    for (int t = 0; t < tokens; t++) {
                        for (int row = 0; row < ROWS; row++) {
                            double expected = 0;
                            double mag = 0;
                            for (int c = 0; c < COLS; c++) {
                                double term = vth[t] * counts[cOff + t * COLS + c] * f.weight(row, c);
                                expected += term;
                                mag += Math.abs(term);
                            }
                            int i = yOff + t * ROWS + row;
                            assertEquals(expected, y[i], 1e-5 * (1 + Math.abs(expected)), what + " token " + t + " row " + row);
                            if (threads == 1) {
                                assertEquals(Float.floatToRawIntBits(ref[i]), Float.floatToRawIntBits(y[i]),
                                        what + " token " + t + " row " + row + ": " + ref[i] + " vs " + y[i]);
                            } else {
                                // per token the threads split the channels and their parts are summed: rounding of the parts' size
                                assertEquals(ref[i], y[i], 1e-6 * mag + 1e-30, what + " token " + t + " row " + row);
                            }
                        }
                    }
                    assertTrue(Float.isNaN(y[0]) && Float.isNaN(y[1]) && Float.isNaN(y[yOff + tokens * ROWS]), "wrote outside y");
                }
            }
        }
    }

    @Test
    void spikeBatchReportsDenseWhenATileReadsEveryWeight() {
        Fixture f = Fixture.make(13);
        int tokens = 3;
        int[] counts = new int[tokens * COLS];
        for (int c = 0; c < COLS; c++) {
            counts[c % tokens * COLS + c] = 1 + c % 5; // every channel active in exactly one token
        }
        try (var arena = Arena.ofShared(); var backend = VectorApiBackends.of(2)) {
            Int8Weights w = Int8Weights.fromCodes(arena, f.codes, ROWS, COLS, f.scales);
            backend.spikeBatchFromTokens(2);
            long before = backend.weightBytesRead();
            SpikeKernel[] used = backend.spikeLinearBatch(w, counts, 0, new float[] {1f, 1f, 1f}, tokens, new float[tokens * ROWS], 0);
            assertArrayEquals(new SpikeKernel[] {SpikeKernel.DENSE_INT8, SpikeKernel.DENSE_INT8, SpikeKernel.DENSE_INT8}, used);
            assertEquals(w.denseBytesPerProduct(), backend.weightBytesRead() - before, "one tile, the whole matrix once");
        }
    }

    @Test
    void int8BatchEqualsTheSumsAndTheTokenByTokenProducts() {
        Fixture f = Fixture.make(17);
        var r = new SplittableRandom(18);
        int xOff = 5;
        int yOff = 1;
        int tokens = 11;
        float[] x = new float[xOff + tokens * COLS];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        for (int threads : new int[] {1, 2}) {
            try (var arena = Arena.ofShared(); var backend = VectorApiBackends.of(threads).spikeBatchFromTokens(2)) {
                Int8Weights w = Int8Weights.fromCodes(arena, f.codes, ROWS, COLS, f.scales);
                float[] y = nans(yOff + tokens * ROWS + 1);
                long before = backend.weightBytesRead();
                backend.int8LinearBatch(w, x, xOff, tokens, y, yOff);
                int tiles = (tokens + SpikeTileList.DEFAULT_TILE_TOKENS - 1) / SpikeTileList.DEFAULT_TILE_TOKENS;
                assertEquals(w.denseBytesPerProduct() * tiles, backend.weightBytesRead() - before, "once per tile");
                float[] ref = nans(y.length);
                for (int t = 0; t < tokens; t++) {
                    backend.int8Linear(w, x, xOff + t * COLS, ref, yOff + t * ROWS);
                }
                for (int t = 0; t < tokens; t++) {
                    for (int row = 0; row < ROWS; row++) {
                        double expected = 0;
                        for (int c = 0; c < COLS; c++) {
                            expected += x[xOff + t * COLS + c] * f.weight(row, c);
                        }
                        int i = yOff + t * ROWS + row;
                        assertEquals(expected, y[i], 1e-5 * (1 + Math.abs(expected)), threads + " threads, token " + t + " row " + row);
                        if (threads == 1) {
                            // one thread: each row's arithmetic is the per-token product's
                            assertEquals(Float.floatToRawIntBits(ref[i]), Float.floatToRawIntBits(y[i]), "token " + t + " row " + row);
                        } else {
                            // two: the per-token product splits the channels between the threads and sums their parts
                            assertEquals(ref[i], y[i], 1e-5 * (1 + Math.abs(expected)), threads + " threads, token " + t + " row " + row);
                        }
                    }
                }
                assertTrue(Float.isNaN(y[0]) && Float.isNaN(y[y.length - 1]), "wrote outside y");
            }
        }
    }

    @Test
    void spikeBatchesBelowTheTokenThresholdGoTokenByToken() {
        Fixture f = Fixture.make(23);
        int tokens = 3;
        int[] counts = new int[tokens * COLS];
        for (int i = 0; i < counts.length; i++) {
            // each channel silent in one of the three tokens
            counts[i] = (i / COLS + i % COLS) % 3 == 0 ? 0 : 1 + i % 4;
        }
        float[] vth = {0.5f, 0.25f, 1f};
        try (var arena = Arena.ofShared(); var backend = VectorApiBackends.of(1)) {
            Int8Weights w = Int8Weights.fromCodes(arena, f.codes, ROWS, COLS, f.scales);
            assertTrue(tokens < io.spikert.runtime.Tuning.DEFAULT_SPIKE_BATCH_FROM_TOKENS);
            long before = backend.weightBytesRead();
            backend.spikeLinearBatch(w, counts, 0, vth, tokens, new float[tokens * ROWS], 0);
            long batch = backend.weightBytesRead() - before;
            before = backend.weightBytesRead();
            for (int t = 0; t < tokens; t++) {
                backend.spikeLinear(w, counts, t * COLS, vth[t], new float[ROWS], 0);
            }
            assertEquals(backend.weightBytesRead() - before, batch, "each token's active channels, as token by token");
            backend.spikeBatchFromTokens(tokens);
            before = backend.weightBytesRead();
            backend.spikeLinearBatch(w, counts, 0, vth, tokens, new float[tokens * ROWS], 0);
            // every channel is active in one of the three tokens: the tile reads the matrix once
            assertEquals(w.denseBytesPerProduct(), backend.weightBytesRead() - before, "at the threshold: batched");
        }
    }

    @Test
    void batchesRejectBadTokenCountsAndShortArrays() {
        Fixture f = Fixture.make(19);
        try (var arena = Arena.ofShared(); var backend = VectorApiBackends.of(1)) {
            Int8Weights w = Int8Weights.fromCodes(arena, f.codes, ROWS, COLS, f.scales);
            var e = assertThrows(IllegalArgumentException.class,
                    () -> backend.spikeLinearBatch(w, new int[2 * COLS], 0, new float[1], 2, new float[2 * ROWS], 0));
            assertTrue(e.getMessage().contains("vth"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> backend.int8LinearBatch(w, new float[COLS], 0, 0, new float[ROWS], 0));
            assertThrows(IndexOutOfBoundsException.class,
                    () -> backend.spikeLinearBatch(w, new int[2 * COLS], 0, new float[2], 2, new float[2 * ROWS - 1], 0));
            assertThrows(IndexOutOfBoundsException.class, () -> backend.int8LinearBatch(w, new float[2 * COLS - 1], 0, 2, new float[2 * ROWS], 0));
        }
    }

    private static float[] nans(int n) {
        float[] a = new float[n];
        Arrays.fill(a, Float.NaN);
        return a;
    }
}
