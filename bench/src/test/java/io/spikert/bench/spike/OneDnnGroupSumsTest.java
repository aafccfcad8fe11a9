package io.spikert.bench.spike;

import io.spikert.ffm.ClasspathNatives;
import io.spikert.ffm.LibraryLoader;
import io.spikert.ffm.LibrarySearch;
import io.spikert.ffm.NativeLibrary;
import io.spikert.ffm.onednn.OneDnnGemm;
import io.spikert.kernels.spike.Int8Weights;
import io.spikert.runtime.backend.CpuBackend;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The experiment OneDnnGroupSums: the batched spiking product with its group sums from oneDNN's INT8 GEMM (the copy the test class path
 * carries, extracted and bound here) against the Vector API kernels, bit for bit: several channel blocks (the
 * last one short, and row chunks within blocks), codes beyond +-127 with exact residuals, silent channels,
 * two to forty tokens.
 */
class OneDnnGroupSumsTest {
    @TempDir
    static Path cache;
    static OneDnnGemm gemm;

    static final int ROWS = 300;
    static final int COLS = 384;

    @BeforeAll
    static void bindTheCarriedLibrary() throws IOException {
        Path folder = ClasspathNatives.extract(NativeLibrary.ONEDNN, cache, OneDnnGroupSumsTest.class.getClassLoader())
                .orElseThrow(() -> new AssertionError("the test class path carries oneDNN for linux-x86_64"));
        LibraryLoader.bind(LibraryLoader.load(LibrarySearch.only(NativeLibrary.ONEDNN, List.of(folder.toString()), List.of())));
        gemm = OneDnnGemm.open();
        gemm.setThreads(2);
    }

    private static Int8Weights weights(Arena arena, SplittableRandom r) {
        return weights(arena, r, Int8Weights.TILE);
    }

    private static Int8Weights weights(Arena arena, SplittableRandom r, int blockRows) {
        int[] codes = new int[ROWS * COLS];
        for (int i = 0; i < codes.length; i++) {
            codes[i] = r.nextInt(-127, 128);
        }
        for (int k = 0; k < 200; k++) {
            codes[r.nextInt(codes.length)] = r.nextBoolean() ? r.nextInt(128, 400) : -r.nextInt(129, 400); // outliers
        }
        float[] scales = new float[ROWS * (COLS / Int8Weights.GROUP)];
        for (int i = 0; i < scales.length; i++) {
            scales[i] = 0.0005f + (float) r.nextDouble() * 0.01f;
        }
        // blocks of blockRows rows: several blocks, the last one short
        return Int8Weights.fromCodes(arena, codes, ROWS, COLS, scales, blockRows);
    }

    private static int[] counts(SplittableRandom r, int tokens, int maxAbs) {
        int[] c = new int[3 + tokens * COLS];
        for (int t = 0; t < tokens; t++) {
            for (int i = 0; i < COLS; i++) {
                boolean silent = i % 7 == 0 || r.nextDouble() < 0.3;
                c[3 + t * COLS + i] = silent ? 0 : r.nextInt(-maxAbs, maxAbs + 1);
            }
        }
        return c;
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 17, 40})
    void groupSumsFromTheGemmGiveTheVectorKernelsResultBitForBit(int tokens) {
        SplittableRandom r = new SplittableRandom(tokens);
        try (Arena arena = Arena.ofShared();
             var plain = new CpuBackend(1).spikeBatchFromTokens(1)) {
            Int8Weights w = weights(arena, r);
            assertTrue(w.outlierCount() > 0 && ROWS > w.blockRows(), "outliers and several blocks");
            int[] counts = counts(r, tokens, 127);
            float[] vth = new float[tokens];
            for (int t = 0; t < tokens; t++) {
                vth[t] = 0.01f + (float) r.nextDouble();
            }
            float[] expected = new float[2 + tokens * ROWS];
            float[] actual = new float[2 + tokens * ROWS];
            Arrays.fill(expected, Float.NaN);
            Arrays.fill(actual, Float.NaN);
            plain.spikeLinearBatch(w, counts, 3, vth, tokens, expected, 2);
            assertTrue(OneDnnGroupSums.fits(counts, 3, tokens * COLS));
            new OneDnnGroupSums(gemm).run(w, counts, 3, vth, tokens, actual, 2);
            for (int i = 0; i < actual.length; i++) {
                assertEquals(Float.floatToRawIntBits(expected[i]), Float.floatToRawIntBits(actual[i]),
                        "y[" + i + "]: " + expected[i] + " vs " + actual[i]);
            }
        }
    }

    /** Chunks of one TILE of rows in blocks of two: chunk edges inside blocks, the last block and chunk short. */
    @ParameterizedTest
    @ValueSource(ints = {3, 33})
    void rowChunksGiveTheSameResult(int tokens) {
        SplittableRandom r = new SplittableRandom(100 + tokens);
        try (Arena arena = Arena.ofShared(); var plain = new CpuBackend(1).spikeBatchFromTokens(1)) {
            Int8Weights w = weights(arena, r, 2 * Int8Weights.TILE);
            assertTrue(ROWS > w.blockRows() && ROWS % Int8Weights.TILE != 0);
            int[] counts = counts(r, tokens, 127);
            float[] vth = new float[tokens];
            for (int t = 0; t < tokens; t++) {
                vth[t] = 0.02f + (float) r.nextDouble();
            }
            float[] expected = new float[tokens * ROWS];
            float[] actual = new float[tokens * ROWS];
            plain.spikeLinearBatch(w, counts, 3, vth, tokens, expected, 0);
            new OneDnnGroupSums(gemm, Int8Weights.TILE).run(w, counts, 3, vth, tokens, actual, 0);
            for (int i = 0; i < actual.length; i++) {
                assertEquals(Float.floatToRawIntBits(expected[i]), Float.floatToRawIntBits(actual[i]), "y[" + i + "]");
            }
        }
    }

    @org.junit.jupiter.api.Test
    void aCountBeyondInt8DoesNotFit() {
        int[] counts = counts(new SplittableRandom(3), 2, 127);
        assertTrue(OneDnnGroupSums.fits(counts, 3, 2 * COLS));
        counts[3 + COLS + 11] = 128;
        assertFalse(OneDnnGroupSums.fits(counts, 3, 2 * COLS));
        counts[3 + COLS + 11] = -128;
        assertTrue(OneDnnGroupSums.fits(counts, 3, 2 * COLS));
    }
}
