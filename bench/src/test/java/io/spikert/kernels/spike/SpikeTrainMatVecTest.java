package io.spikert.kernels.spike;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The bench-only spike-train kernel ({@link SpikeTrainMatVec}, which lives in bench beside the benchmarks
 * that compare it) against its scalar twin and the integer product, exactly; split from vector-kernels'
 * SpikeMatVecTest when the kernel moved here, with the same cases and tolerances.
 */
class SpikeTrainMatVecTest {

    private static final int TILE = Int8Weights.TILE;
    private static final SpikeCoding[] BITWISE = {SpikeCoding.BITWISE_BIDIRECTIONAL, SpikeCoding.BITWISE_TWOS_COMPLEMENT};

    @ParameterizedTest(name = "rows={0} cols={1} silent={2} outliers={3} big={4}")
    @CsvSource({
            "1, 128, 0.0, 0.0, false",
            "5, 256, 0.184, 0.02, false",
            "130, 384, 0.5, 0.01, false",
            "300, 256, 0.69, 0.05, true",
            "257, 128, 0.9, 0.02, false",
            "64, 512, 1.0, 0.02, false",
            "131, 256, 0.184, 0.0, true",
    })
    void trainKernelMatchesTwinAndIntegerProduct(int rows, int cols, double silent, double outliers, boolean big) {
        Random rnd = new Random(rows * 977L + cols);
        float[] scales = SpikeTestData.scales(rnd, rows, cols);
        float[] w = SpikeTestData.weights(rnd, rows, cols, scales, outliers);
        int cOff = 3;
        int[] counts = new int[cOff + cols + 2];
        System.arraycopy(SpikeTestData.counts(rnd, cols, silent), 0, counts, cOff, cols);
        if (big) {
            // Counts far beyond the realistic range, near where a lane's float conversion stops being exact.
            counts[cOff] = 16000;
            counts[cOff + cols - 1] = -9000;
        }
        float vth = 0.0371f;
        float[] mag = new float[rows];
        SpikeTestData.fakeQuant(w, scales, rows, cols, counts, cOff, vth, mag);
        int yOff = 2;
        try (Arena arena = Arena.ofConfined()) {
            Int8Weights q = Int8Weights.quantize(arena, w, rows, cols, scales);
            float[] twin = run(y -> Int8MatVecScalar.dense(q, counts, cOff, vth, y, yOff, 0, rows), yOff + rows + 1);
            int[] plain = Arrays.copyOfRange(counts, cOff, cOff + cols);
            for (SpikeCoding coding : BITWISE) {
                SpikeBitPlanes planes = SpikeBitPlanes.encode(coding, plain, 0, cols);
                float[] twinTrain = run(y -> SpikeTrainMatVecScalar.bitwise(q, planes, vth, y, yOff, 0, rows), yOff + rows + 1);
                assertArrayEquals(twin, twinTrain, coding + " train twin equals the integer product exactly");
            }

            // The default blocks, and blocks of one and two TILEs so that rows, thread ranges and the last
            // (shorter) block cross block edges. Whole range, then tile-aligned pieces as threads would take
            // them; NaN sentinels must survive.
            int[] codes = new int[rows * cols];
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < cols; c++) {
                    codes[r * cols + c] = q.code(r, c);
                }
            }
            int[][] ranges = {{0, rows}, {0, Math.min(rows, TILE)}, {Math.min(rows, TILE), rows}, {rows - rows % TILE, rows},
                    {Math.min(rows, TILE), Math.min(rows, 3 * TILE)}, {0, 0}};
            for (Int8Weights blocks : new Int8Weights[] {q, Int8Weights.fromCodes(arena, codes, rows, cols, scales, TILE),
                    Int8Weights.fromCodes(arena, codes, rows, cols, scales, 2 * TILE)}) {
                String layout = " (blockRows " + blocks.blockRows() + ")";
                for (int[] range : ranges) {
                    int from = range[0];
                    int to = range[1];
                    float[] expected = run(y -> Int8MatVecScalar.dense(q, counts, cOff, vth, y, yOff, from, to), yOff + rows + 1);
                    for (SpikeCoding coding : BITWISE) {
                        SpikeBitPlanes planes = SpikeBitPlanes.encode(coding, plain, 0, cols);
                        check(coding + " train" + layout, expected,
                                run(y -> SpikeTrainMatVec.bitwise(blocks, planes, vth, y, yOff, from, to), yOff + rows + 1), yOff, mag, from, to);
                    }
                }
            }
        }
    }

    private static void check(String what, float[] twin, float[] actual, int yOff, float[] mag, int from, int to) {
        for (int i = 0; i < twin.length; i++) {
            int r = i - yOff;
            if (r < from || r >= to) {
                assertTrue(Float.isNaN(actual[i]), what + " wrote outside its rows at index " + i);
            }
        }
        float[] expected = Arrays.copyOfRange(twin, yOff, yOff + mag.length);
        SpikeTestData.assertClose(what, expected, actual, yOff, mag, from, to, 2e-6, 1e-30);
    }

    private static float[] run(java.util.function.Consumer<float[]> kernel, int n) {
        float[] y = new float[n];
        Arrays.fill(y, Float.NaN);
        kernel.accept(y);
        return y;
    }

    @Test
    void handProduct() {
        // One row, one group: codes 1, -2, 200 (an outlier), rest 0; scale 0.5; counts 3, 1, -1; vth 2.
        int[] codes = new int[128];
        codes[0] = 1;
        codes[1] = -2;
        codes[127] = 200;
        int[] s = new int[128];
        s[0] = 3;
        s[1] = 1;
        s[127] = -1;
        float expected = 2f * 0.5f * (3 - 2 - 200);
        try (Arena arena = Arena.ofConfined()) {
            Int8Weights q = Int8Weights.fromCodes(arena, codes, 1, 128, new float[] {0.5f});
            float[] y = new float[1];
            SpikeTrainMatVec.bitwise(q, SpikeBitPlanes.encode(SpikeCoding.BITWISE_BIDIRECTIONAL, s, 0, 128), 2f, y, 0, 0, 1);
            assertEquals(expected, y[0]);
        }
    }

    @Test
    void rejectsHugeCountsAndWrongTrains() {
        try (Arena arena = Arena.ofConfined()) {
            int rows = TILE + 3;
            float[] ones = new float[rows];
            Arrays.fill(ones, 1f);
            Int8Weights q = Int8Weights.fromCodes(arena, new int[rows * 128], rows, 128, ones);
            int[] s = new int[128];
            float[] y = new float[rows];
            s[5] = Int8Weights.MAX_ABS_COUNT + 1;
            assertThrows(IllegalArgumentException.class, () -> SpikeTrainMatVec.bitwise(q,
                    SpikeBitPlanes.encode(SpikeCoding.BITWISE_BIDIRECTIONAL, s, 0, 128), 1f, y, 0, 0, rows));
            assertThrows(IllegalArgumentException.class, () -> SpikeTrainMatVec.bitwise(q,
                    SpikeBitPlanes.encode(SpikeCoding.BITWISE_BIDIRECTIONAL, new int[64], 0, 64), 1f, y, 0, 0, rows));
        }
    }
}
