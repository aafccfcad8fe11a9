package io.spikert.kernels.spike;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.util.Arrays;
import java.util.Random;
import java.util.function.Consumer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The channel-major experiment's products against the scalar twin, over one and several row blocks and thread-like row pieces. */
class ChannelRunsProbeTest {

    private static final int TILE = Int8Weights.TILE;

    @ParameterizedTest(name = "rows={0} cols={1} silent={2} blockTiles={3}")
    @CsvSource({
            "1, 128, 0.0, 1",
            "130, 384, 0.5, 1",
            "300, 256, 0.69, 2",
            "300, 256, 0.184, 3",
            "257, 128, 0.9, 1",
            "64, 512, 1.0, 1",
    })
    void matchesTwin(int rows, int cols, double silent, int blockTiles) {
        Random rnd = new Random(rows * 31L + cols);
        float[] scales = SpikeTestData.scales(rnd, rows, cols);
        float[] w = SpikeTestData.weights(rnd, rows, cols, scales, 0.02);
        int cOff = 1;
        int[] counts = new int[cOff + cols];
        System.arraycopy(SpikeTestData.counts(rnd, cols, silent), 0, counts, cOff, cols);
        float vth = 0.0371f;
        float[] mag = new float[rows];
        SpikeTestData.fakeQuant(w, scales, rows, cols, counts, cOff, vth, mag);
        int yOff = 2;
        try (Arena arena = Arena.ofConfined()) {
            Int8Weights q = Int8Weights.quantize(arena, w, rows, cols, scales);
            ChannelRunsProbe p = new ChannelRunsProbe(arena, q, blockTiles * TILE);
            int[][] ranges = {{0, rows}, {0, Math.min(rows, TILE)}, {Math.min(rows, TILE), rows}, {rows - rows % TILE, rows}};
            for (int[] range : ranges) {
                int from = range[0];
                int to = range[1];
                float[] expected = run(y -> Int8MatVecScalar.dense(q, counts, cOff, vth, y, yOff, from, to), yOff + rows + 1);
                check("probe dense", expected, run(y -> ChannelRunsProbe.dense(p, counts, cOff, vth, y, yOff, from, to), yOff + rows + 1), yOff, mag, from, to);
                check("probe sparse", expected, run(y -> ChannelRunsProbe.sparse(p, counts, cOff, vth, y, yOff, from, to), yOff + rows + 1), yOff, mag, from, to);
            }
            assertThrows(IllegalArgumentException.class, () -> new ChannelRunsProbe(arena, q, TILE + 1));
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

    private static float[] run(Consumer<float[]> kernel, int n) {
        float[] y = new float[n];
        Arrays.fill(y, Float.NaN);
        kernel.accept(y);
        return y;
    }
}
