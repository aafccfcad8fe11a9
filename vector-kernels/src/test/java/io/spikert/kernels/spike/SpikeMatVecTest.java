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
 * The kernels against their scalar twins, the twins against the float fake-quant reference, and the
 * spike codings' train products against the integer product, exactly. The bench-only spike-train kernel
 * (SpikeTrainMatVec) is tested in bench, beside it.
 */
class SpikeMatVecTest {

    private static final int TILE = Int8Weights.TILE;

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
    void kernelsMatchTwinsAndReference(int rows, int cols, double silent, double outliers, boolean big) {
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
        float[] ref = SpikeTestData.fakeQuant(w, scales, rows, cols, counts, cOff, vth, mag);
        int yOff = 2;
        try (Arena arena = Arena.ofConfined()) {
            Int8Weights q = Int8Weights.quantize(arena, w, rows, cols, scales);
            float[] twin = run(y -> Int8MatVecScalar.dense(q, counts, cOff, vth, y, yOff, 0, rows), yOff + rows + 1);
            SpikeTestData.assertClose("twin vs fake-quant", ref, twin, yOff, mag, 0, rows, 1e-6, 1e-30);
            float[] twinSparse = run(y -> SpikeMatVecScalar.sparse(q, counts, cOff, vth, y, yOff, 0, rows), yOff + rows + 1);
            assertArrayEquals(twin, twinSparse, "event twin equals dense twin exactly");

            // The default blocks, and blocks of one and two TILEs so that rows, thread ranges and the last
            // (shorter) block cross block edges. Whole range, then tile-aligned pieces as threads would take
            // them; NaN sentinels must survive.
            int[] codes = new int[rows * cols];
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < cols; c++) {
                    codes[r * cols + c] = q.code(r, c);
                }
            }
            float[] x = new float[cols + 5];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) rnd.nextGaussian();
            }
            int xOff = 5;
            float[] floatTwin = run(y -> Int8MatVecScalar.denseFloat(q, x, xOff, y, yOff, 0, rows), yOff + rows + 1);
            float[] floatMag = floatMagnitudes(q, x, xOff);
            int[][] ranges = {{0, rows}, {0, Math.min(rows, TILE)}, {Math.min(rows, TILE), rows}, {rows - rows % TILE, rows},
                    {Math.min(rows, TILE), Math.min(rows, 3 * TILE)}, {0, 0}};
            ChannelList active = new ChannelList().listActive(counts, cOff, cols);
            ChannelList all = new ChannelList().listAll(counts, cOff, cols);
            for (Int8Weights blocks : new Int8Weights[] {q, Int8Weights.fromCodes(arena, codes, rows, cols, scales, TILE),
                    Int8Weights.fromCodes(arena, codes, rows, cols, scales, 2 * TILE)}) {
                String layout = " (blockRows " + blocks.blockRows() + ")";
                for (int[] range : ranges) {
                    int from = range[0];
                    int to = range[1];
                    float[] expected = run(y -> Int8MatVecScalar.dense(q, counts, cOff, vth, y, yOff, from, to), yOff + rows + 1);
                    check("dense" + layout, expected, run(y -> Int8MatVec.dense(blocks, counts, cOff, vth, y, yOff, from, to), yOff + rows + 1),
                            yOff, mag, from, to);
                    check("sparse" + layout, expected,
                            run(y -> SpikeMatVec.sparse(blocks, counts, cOff, vth, y, yOff, from, to), yOff + rows + 1), yOff, mag, from, to);
                    // one list shared by every range, as CpuBackend shares it between threads
                    check("sparse, shared active list" + layout, expected,
                            run(y -> SpikeMatVec.sparse(blocks, active, vth, y, yOff, from, to), yOff + rows + 1), yOff, mag, from, to);
                    check("sparse, shared list of all channels" + layout, expected,
                            run(y -> SpikeMatVec.sparse(blocks, all, vth, y, yOff, from, to), yOff + rows + 1), yOff, mag, from, to);
                    if (from == 0 && to == rows) {
                        // the product split by channels: parts of the groups, summed, as CpuBackend's threads take them
                        for (int parts = 1; parts <= cols / Int8Weights.GROUP + 1; parts++) {
                            float[] sum = run(y -> Arrays.fill(y, yOff, yOff + rows, 0f), yOff + rows + 1);
                            float[] denseSum = sum.clone();
                            float[] floatSum = sum.clone();
                            for (int p = 0; p < parts; p++) {
                                int g0 = active.splitGroup(parts, p);
                                int g1 = active.splitGroup(parts, p + 1);
                                float[] part = run(y -> SpikeMatVec.sparseGroups(blocks, active, vth, y, yOff, g0, g1), yOff + rows + 1);
                                int a0 = all.splitGroup(parts, p);
                                int a1 = all.splitGroup(parts, p + 1);
                                float[] densePart = run(y -> Int8MatVec.denseGroups(blocks, all, vth, y, yOff, a0, a1), yOff + rows + 1);
                                assertTrue(Float.isNaN(part[yOff - 1]) && Float.isNaN(part[yOff + rows]), "sparseGroups wrote outside y");
                                assertTrue(Float.isNaN(densePart[yOff - 1]) && Float.isNaN(densePart[yOff + rows]), "denseGroups wrote outside y");
                                int groups = cols / Int8Weights.GROUP;
                                int f0 = groups * p / parts;
                                int f1 = groups * (p + 1) / parts;
                                float[] floatPart = run(y -> Int8MatVec.denseFloatGroups(blocks, x, xOff, y, yOff, f0, f1), yOff + rows + 1);
                                assertTrue(Float.isNaN(floatPart[yOff - 1]) && Float.isNaN(floatPart[yOff + rows]), "denseFloatGroups wrote outside y");
                                for (int r = 0; r < rows; r++) {
                                    sum[yOff + r] += part[yOff + r];
                                    denseSum[yOff + r] += densePart[yOff + r];
                                    floatSum[yOff + r] += floatPart[yOff + r];
                                }
                            }
                            check("sparseGroups in " + parts + " parts" + layout, expected, sum, yOff, mag, 0, rows, 4e-6);
                            check("denseGroups in " + parts + " parts" + layout, expected, denseSum, yOff, mag, 0, rows, 4e-6);
                            check("denseFloatGroups in " + parts + " parts" + layout, floatTwin, floatSum, yOff, floatMag, 0, rows, 1e-5);
                        }
                    }
                    check("dense, shared list" + layout, expected,
                            run(y -> Int8MatVec.dense(blocks, all, vth, y, yOff, from, to), yOff + rows + 1), yOff, mag, from, to);
                    check("denseFloat" + layout, floatTwin,
                            run(y -> Int8MatVec.denseFloat(blocks, x, xOff, y, yOff, from, to), yOff + rows + 1), yOff, floatMag, from, to, 1e-5);
                }
            }
        }
    }

    /** Per row, sum_c |scale * code * x_c|: the scale of the float-input product's rounding error. */
    private static float[] floatMagnitudes(Int8Weights q, float[] x, int xOff) {
        float[] mag = new float[q.rows()];
        for (int r = 0; r < q.rows(); r++) {
            double m = 0;
            for (int c = 0; c < q.cols(); c++) {
                m += Math.abs((double) q.scale(r, c / Int8Weights.GROUP) * q.code(r, c) * x[xOff + c]);
            }
            mag[r] = (float) m;
        }
        return mag;
    }

    private static void check(String what, float[] twin, float[] actual, int yOff, float[] mag, int from, int to) {
        check(what, twin, actual, yOff, mag, from, to, 2e-6);
    }

    private static void check(String what, float[] twin, float[] actual, int yOff, float[] mag, int from, int to, double rel) {
        for (int i = 0; i < twin.length; i++) {
            int r = i - yOff;
            if (r < from || r >= to) {
                assertTrue(Float.isNaN(actual[i]), what + " wrote outside its rows at index " + i);
            }
        }
        float[] expected = Arrays.copyOfRange(twin, yOff, yOff + mag.length);
        SpikeTestData.assertClose(what, expected, actual, yOff, mag, from, to, rel, 1e-30);
    }

    private static float[] run(java.util.function.Consumer<float[]> kernel, int n) {
        float[] y = new float[n];
        Arrays.fill(y, Float.NaN);
        kernel.accept(y);
        return y;
    }

    @Test
    void everyCodingsTrainProductEqualsIntegerProduct() {
        // With the plain byte trains of SpikeCoding: sum_t weight(t) sum_i train[t][i] * code[r][i] == sum_i code[r][i] * s_i.
        Random rnd = new Random(8);
        int rows = 9;
        int cols = 256;
        int[] codes = new int[rows * cols];
        for (int i = 0; i < codes.length; i++) {
            codes[i] = rnd.nextInt(401) - 200;
        }
        for (SpikeCoding coding : SpikeCoding.values()) {
            int[] s = SpikeTestData.counts(rnd, cols, 0.3);
            if (coding == SpikeCoding.BINARY) {
                for (int i = 0; i < cols; i++) {
                    s[i] = Math.abs(s[i]);
                }
            }
            int T = coding.steps(s, 0, cols);
            byte[] train = new byte[T * cols];
            coding.encode(s, 0, cols, T, train);
            for (int r = 0; r < rows; r++) {
                long integer = 0;
                long spiking = 0;
                for (int i = 0; i < cols; i++) {
                    integer += (long) codes[r * cols + i] * s[i];
                }
                for (int t = 0; t < T; t++) {
                    long step = 0;
                    for (int i = 0; i < cols; i++) {
                        step += (long) train[t * cols + i] * codes[r * cols + i];
                    }
                    spiking += coding.weight(t, T) * step;
                }
                assertEquals(integer, spiking, coding + " row " + r);
            }
        }
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
            Int8MatVec.dense(q, s, 0, 2f, y, 0, 0, 1);
            assertEquals(expected, y[0]);
            SpikeMatVec.sparse(q, s, 0, 2f, y, 0, 0, 1);
            assertEquals(expected, y[0]);
            // Float input 3, 1, -1 as above: 0.5 * (3 - 2 - 200), the outlier exact.
            float[] x = new float[128];
            x[0] = 3f;
            x[1] = 1f;
            x[127] = -1f;
            Int8MatVec.denseFloat(q, x, 0, y, 0, 0, 1);
            assertEquals(0.5f * (3 - 2 - 200), y[0]);
        }
    }

    @Test
    void int16LanesAtTheirLimitAndJustBeyond() {
        // Four channels are summed in int16 lanes while every |count| <= 64: 4 * 127 * 64 = 32512 fits, 65
        // must take the int path. Codes at the int8 limit (and outliers clamped to it) with one sign per row,
        // counts with one sign, so nothing cancels: each group sum is 128 * 127 * |s| for every row.
        int rows = Int8Weights.TILE + 5;
        int cols = 256;
        int[] codes = new int[rows * cols];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                int mag = c % 17 == 0 ? 200 : 127;
                codes[r * cols + c] = r % 2 == 0 ? mag : -mag;
            }
        }
        float[] scales = new float[rows * 2];
        Arrays.fill(scales, 1f);
        try (Arena arena = Arena.ofConfined()) {
            Int8Weights q = Int8Weights.fromCodes(arena, codes, rows, cols, scales);
            for (int count : new int[] {64, -64, 65, -65, 63}) {
                int[] s = new int[cols];
                Arrays.fill(s, count);
                s[3] = 0; // a silent channel, so the event kernel's quads shift
                float[] expected = run(y -> Int8MatVecScalar.dense(q, s, 0, 1f, y, 0, 0, rows), rows);
                assertArrayEquals(expected, run(y -> Int8MatVec.dense(q, s, 0, 1f, y, 0, 0, rows), rows), "dense, counts " + count);
                assertArrayEquals(expected, run(y -> SpikeMatVec.sparse(q, s, 0, 1f, y, 0, 0, rows), rows), "sparse, counts " + count);
            }
        }
    }

    @Test
    void rejectsMisalignedRangesAndHugeCounts() {
        try (Arena arena = Arena.ofConfined()) {
            int rows = TILE + 3;
            float[] ones = new float[rows];
            Arrays.fill(ones, 1f);
            Int8Weights q = Int8Weights.fromCodes(arena, new int[rows * 128], rows, 128, ones);
            int[] s = new int[128];
            float[] y = new float[rows];
            assertThrows(IllegalArgumentException.class, () -> SpikeMatVec.sparse(q, s, 0, 1f, y, 0, 1, rows));
            assertThrows(IllegalArgumentException.class, () -> SpikeMatVec.sparse(q, s, 0, 1f, y, 0, 0, TILE - 1));
            assertThrows(IllegalArgumentException.class, () -> Int8MatVec.dense(q, s, 0, 1f, y, 0, 0, rows + 1));
            assertThrows(IllegalArgumentException.class, () -> Int8MatVec.dense(q, s, 0, 1f, y, 0, 1, rows));
            assertThrows(IllegalArgumentException.class, () -> Int8MatVec.dense(q, s, 0, 1f, y, 0, 0, TILE - 1));
            assertThrows(IllegalArgumentException.class, () -> Int8MatVec.denseFloat(q, new float[128], 0, y, 0, 1, rows));
            assertThrows(IndexOutOfBoundsException.class, () -> Int8MatVec.denseFloat(q, new float[127], 0, y, 0, 0, rows));
            s[5] = Int8Weights.MAX_ABS_COUNT + 1;
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Int8MatVec.dense(q, s, 0, 1f, y, 0, 0, rows));
            assertTrue(e.getMessage().contains("channel 5"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> SpikeMatVec.sparse(q, s, 0, 1f, y, 0, 0, rows));
        }
    }
}
