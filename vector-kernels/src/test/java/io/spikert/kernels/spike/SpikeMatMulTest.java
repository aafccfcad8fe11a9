package io.spikert.kernels.spike;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.foreign.Arena;
import java.util.Arrays;
import java.util.Random;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The batched kernels (SpikeMatMul, Int8MatMul) against their scalar twins to 1e-6 of each row's
 * magnitude, and against the per-token kernels (SpikeMatVec.sparse, Int8MatVec.denseFloat) on the same
 * row ranges bit for bit: at block edges (blocks of one and two TILEs), group edges, with outliers,
 * silent and all-silent tokens, channels silent in a whole tile, T = 1, odd T and T past a tile. SpikeMatMul's
 * int16 path (ShortTile) also against its float path bit for bit, with chunks cut at the int16 edge and
 * checked against their definition, and counts past it sending the tile to the float path.
 */
class SpikeMatMulTest {

    private static final int TILE = Int8Weights.TILE;

    @ParameterizedTest(name = "rows={0} cols={1} tokens={2} silent={3} outliers={4}")
    @CsvSource({
            "1, 128, 1, 0.0, 0.0",
            "5, 256, 3, 0.184, 0.02",
            "130, 384, 9, 0.5, 0.01",
            "300, 256, 8, 0.69, 0.05",
            "257, 128, 17, 0.9, 0.02",
            "131, 256, 2, 0.184, 0.0",
            "64, 512, 5, 1.0, 0.02",
    })
    void batchesMatchTwinsAndPerTokenKernels(int rows, int cols, int tokens, double silent, double outliers) {
        Random rnd = new Random(rows * 31L + cols * 7L + tokens);
        float[] scales = SpikeTestData.scales(rnd, rows, cols);
        float[] w = SpikeTestData.weights(rnd, rows, cols, scales, outliers);
        int cOff = 3;
        int[] counts = new int[cOff + tokens * cols + 2];
        for (int t = 0; t < tokens; t++) {
            // token 1 all silent; the others at the case's silent share
            int[] s = SpikeTestData.counts(rnd, cols, t == 1 ? 1.0 : silent);
            System.arraycopy(s, 0, counts, cOff + t * cols, cols);
        }
        if (tokens > 2) {
            // realistic extremes on the last token: +-64 at the group edges
            int last = cOff + (tokens - 1) * cols;
            counts[last] = 64;
            counts[last + Int8Weights.GROUP - 1] = -64;
            counts[last + cols - 1] = 63;
        }
        float[] vth = new float[tokens];
        for (int t = 0; t < tokens; t++) {
            vth[t] = 0.01f + 0.05f * rnd.nextFloat();
        }
        float[] x = new float[5 + tokens * cols];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        int xOff = 5;
        int yOff = 2;
        int ySize = yOff + tokens * rows + 1;
        try (Arena arena = Arena.ofConfined()) {
            Int8Weights q = Int8Weights.quantize(arena, w, rows, cols, scales);
            float[] spikeMag = spikeMagnitudes(q, counts, cOff, tokens, vth);
            float[] floatMag = floatMagnitudes(q, x, xOff, tokens);
            int[] codes = new int[rows * cols];
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < cols; c++) {
                    codes[r * cols + c] = q.code(r, c);
                }
            }
            float[] spikeTwin = run(y -> SpikeMatMulScalar.sparse(q, counts, cOff, tokens, vth, y, yOff, 0, rows), ySize);
            float[] floatTwin = run(y -> Int8MatMulScalar.denseFloat(q, x, xOff, tokens, y, yOff, 0, rows), ySize);
            // the twin agrees with the per-token twin, which SpikeMatVecTest checks against the fake-quant reference
            for (int t = 0; t < tokens; t++) {
                int tt = t;
                float[] one = run(y -> SpikeMatVecScalar.sparse(q, counts, cOff + tt * cols, vth[tt], y, yOff + tt * rows, 0, rows), ySize);
                for (int r = 0; r < rows; r++) {
                    int i = yOff + t * rows + r;
                    assertEquals(one[i], spikeTwin[i], 1e-6f * spikeMag[t * rows + r] + 1e-30f, "token " + t + " row " + r);
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
                    String where = layout + " rows [" + from + ", " + to + ")";
                    float[] batch = run(y -> SpikeMatMul.sparse(blocks, counts, cOff, tokens, vth, y, yOff, from, to), ySize);
                    checkClose("SpikeMatMul vs twin" + where, spikeTwin, batch, yOff, rows, tokens, spikeMag, from, to, 1e-6);
                    float[] perToken = run(y -> {
                        for (int t = 0; t < tokens; t++) {
                            SpikeMatVec.sparse(blocks, counts, cOff + t * cols, vth[t], y, yOff + t * rows, from, to);
                        }
                    }, ySize);
                    checkSame("SpikeMatMul vs SpikeMatVec" + where, perToken, batch);
                    for (int tileTokens : new int[] {1, 3, 8}) {
                        SpikeTileList list = new SpikeTileList().list(counts, cOff, cols, tokens, tileTokens);
                        checkSame("SpikeMatMul, shared list of tiles of " + tileTokens + where, perToken,
                                run(y -> SpikeMatMul.sparse(blocks, list, vth, y, yOff, from, to), ySize));
                        checkSame("SpikeMatMul float path, tiles of " + tileTokens + where, perToken,
                                run(y -> SpikeMatMul.sparse(blocks, list, vth, y, yOff, from, to, true), ySize));
                    }

                    float[] floatBatch = run(y -> Int8MatMul.denseFloat(blocks, x, xOff, tokens, y, yOff, from, to), ySize);
                    checkClose("Int8MatMul vs twin" + where, floatTwin, floatBatch, yOff, rows, tokens, floatMag, from, to, 1e-6);
                    float[] floatPerToken = run(y -> {
                        for (int t = 0; t < tokens; t++) {
                            Int8MatVec.denseFloat(blocks, x, xOff + t * cols, y, yOff + t * rows, from, to);
                        }
                    }, ySize);
                    checkSame("Int8MatMul vs Int8MatVec.denseFloat" + where, floatPerToken, floatBatch);
                    for (int tileTokens : new int[] {1, 3, SpikeTileList.MAX_TILE_TOKENS}) {
                        checkSame("Int8MatMul, tiles of " + tileTokens + where, floatPerToken,
                                run(y -> Int8MatMul.denseFloat(blocks, x, xOff, tokens, y, yOff, from, to, tileTokens), ySize));
                    }
                }
            }
        }
    }

    @Test
    void tileListSkipsChannelsSilentInEveryTokenOfATile() {
        int cols = 256;
        int tokens = 5;
        int[] counts = new int[tokens * cols];
        counts[0 * cols + 7] = 3;     // tile 0 (tokens 0..1), group 0
        counts[1 * cols + 7] = -2;    // same channel, same tile: one entry
        counts[1 * cols + 200] = 1;   // tile 0, group 1
        counts[2 * cols + 128] = 5;   // tile 1 (tokens 2..3), group 1 edge
        // token 3 and the last tile (token 4) all silent
        SpikeTileList list = new SpikeTileList().list(counts, 0, cols, tokens, 2);
        assertEquals(3, list.tiles());
        assertEquals(2, list.unionSize(0));
        assertEquals(1, list.unionSize(1));
        assertEquals(0, list.unionSize(2));
        assertEquals(1, list.tileSize(2));
        assertEquals(4, list.tileStart(2));
        assertEquals(2, list.activeCount(1));
        assertEquals(0, list.activeCount(3));
        assertTrue(list.exactInFloat(0));
    }

    @Test
    void groupSumsAtFloatsExactLimitStayExactAndBeyondRunTokenByToken() {
        // Codes at +-127 with one sign per row and counts of one sign, so nothing cancels: a group's sum is
        // 127 * sum|s|. 128 counts of 1032 give 127 * 132096; 8 more in one channel give 127 * 132104 =
        // 16777208 <= 2^24 (the float path at the edge of exact integers); 9 more pass 2^24 (that tile runs
        // token by token); either way the batch equals the per-token kernel bit for bit. Token 1 is all silent.
        int rows = TILE + 5;
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
        float[] vth = {1f, 0.5f, 0.25f};
        try (Arena arena = Arena.ofConfined()) {
            Int8Weights q = Int8Weights.fromCodes(arena, codes, rows, cols, scales);
            for (int extra : new int[] {0, 8, 9, 2000}) {
                int[] s = new int[3 * cols];
                Arrays.fill(s, 0, cols, 1032);
                Arrays.fill(s, 2 * cols, 3 * cols, -1032);
                s[5] += extra;
                s[2 * cols + 130] = extra == 2000 ? -Int8Weights.MAX_ABS_COUNT : -1032;
                SpikeTileList list = new SpikeTileList().list(s, 0, cols, 3);
                assertEquals(extra <= 8, list.exactInFloat(0), "extra " + extra);
                float[] perToken = run(y -> {
                    for (int t = 0; t < 3; t++) {
                        SpikeMatVec.sparse(q, s, t * cols, vth[t], y, t * rows, 0, rows);
                    }
                }, 3 * rows);
                checkSame("counts near 2^24 / 127, extra " + extra, perToken,
                        run(y -> SpikeMatMul.sparse(q, s, 0, 3, vth, y, 0, 0, rows), 3 * rows));
                float[] twin = run(y -> SpikeMatMulScalar.sparse(q, s, 0, 3, vth, y, 0, 0, rows), 3 * rows);
                for (int i = 0; i < twin.length; i++) {
                    assertEquals(twin[i], perToken[i], 1e-6f * Math.abs(twin[i]), "twin, index " + i);
                }
            }
        }
    }

    @ParameterizedTest(name = "largest count {0}")
    @CsvSource({"258", "259", "-259", "64"})
    void int16ChunksAtTheBudgetEdgeMatchPerTokenFloatPathAndTwin(int extreme) {
        // Codes +-127 with one sign per row in group 0 (nothing cancels: a chunk's sum is 127 * sum|s|), random
        // codes with outliers elsewhere. Token 0: 200 + 58 = 258 in channels 0..1 (a chunk's sum 32766, the
        // int16 edge), then 1 more in channel 2 (must start a new chunk: 32893 would wrap). Token 9 (past the
        // first panel of eight): +-extreme in channels 5 and 6, each alone in a chunk when |extreme| is 258
        // (beyond 258 the tile takes the float path). Token 3: 64 on every channel of group 1 (chunks of four),
        // token 4: -64 on the same; token 12 alternates +-2. 13 tokens: a panel of eight, one of four, one of one.
        int rows = TILE + 5;
        int cols = 384;
        int tokens = 13;
        Random rnd = new Random(extreme);
        int[] codes = new int[rows * cols];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                codes[r * cols + c] = c < Int8Weights.GROUP ? (r % 3 == 0 ? -127 : 127)
                        : c % 41 == 0 ? 150 + rnd.nextInt(50) : rnd.nextInt(255) - 127;
            }
        }
        float[] scales = new float[rows * 3];
        for (int i = 0; i < scales.length; i++) {
            scales[i] = 0.001f + 0.01f * rnd.nextFloat();
        }
        int[] s = new int[tokens * cols];
        s[0] = 200;
        s[1] = 58;
        s[2] = 1;
        s[9 * cols + 5] = extreme;
        s[9 * cols + 6] = -extreme;
        for (int c = 128; c < 256; c++) {
            s[3 * cols + c] = 64;
            s[4 * cols + c] = -64;
            s[12 * cols + c] = c % 2 == 0 ? 2 : -2;
        }
        for (int t = 0; t < tokens; t++) {
            for (int c = 256; c < cols; c++) {
                s[t * cols + c] = rnd.nextInt(17) - 8;
            }
        }
        float[] vth = new float[tokens];
        for (int t = 0; t < tokens; t++) {
            vth[t] = 0.01f + 0.05f * rnd.nextFloat();
        }
        try (Arena arena = Arena.ofConfined()) {
            Int8Weights q = Int8Weights.fromCodes(arena, codes, rows, cols, scales);
            SpikeTileList list = new SpikeTileList().list(s, 0, cols, tokens);
            assertEquals(Math.abs(extreme) <= ShortTile.MAX_COUNT, list.shortFits[0], "int16 path for |count| " + extreme);
            assertTrue(list.exactInFloat(0));
            if (list.shortFits[0]) {
                // (a tile with a count past MAX_COUNT takes the float path: no chunk can hold that channel)
                checkChunks(list, 0);
            }
            float[] perToken = run(y -> {
                for (int t = 0; t < tokens; t++) {
                    SpikeMatVec.sparse(q, s, t * cols, vth[t], y, t * rows, 0, rows);
                }
            }, tokens * rows);
            float[] batch = run(y -> SpikeMatMul.sparse(q, list, vth, y, 0, 0, rows), tokens * rows);
            checkSame("int16 chunks, count " + extreme + " vs SpikeMatVec", perToken, batch);
            checkSame("int16 chunks, count " + extreme + " vs the float path", batch,
                    run(y -> SpikeMatMul.sparse(q, list, vth, y, 0, 0, rows, true), tokens * rows));
            float[] twin = run(y -> SpikeMatMulScalar.sparse(q, s, 0, tokens, vth, y, 0, 0, rows), tokens * rows);
            float[] mag = spikeMagnitudes(q, s, 0, tokens, vth);
            checkClose("int16 chunks, count " + extreme + " vs twin", twin, batch, 0, rows, tokens, mag, 0, rows, 1e-6);
        }
    }

    /**
     * Recomputes tile i's int16 chunks (ShortTile.chunks) and checks them against their definition: per
     * panel of eight tokens, each group's entries cut in order into chunks in which every token's sum of
     * |count| is at most MAX_COUNT, each chunk closed only where the next entry would break that.
     */
    private static void checkChunks(SpikeTileList list, int tile) {
        int groups = list.groups;
        int t0 = list.tileStart(tile);
        int tt = list.tileSize(tile);
        int geBase = tile * (groups + 1);
        int e0 = list.groupEnd[geBase];
        int vs = list.groupEnd[geBase + groups] - e0;
        int panels = (tt + 7) / 8;
        int[] first = new int[panels * (groups + 1)];
        int[] ends = new int[panels * (vs + 1)];
        ShortTile.chunks(list.shortValue, e0 * list.tileTokens, vs, list.groupEnd, geBase, groups, tt, first, ends);
        int cut = 0;
        for (int p = 0; p < panels; p++) {
            for (int g = 0; g < groups; g++) {
                int k0 = list.groupEnd[geBase + g];
                int k1 = list.groupEnd[geBase + g + 1];
                int from = k0;
                for (int c = first[p * (groups + 1) + g]; c < first[p * (groups + 1) + g + 1]; c++) {
                    int to = k0 + ends[c];
                    assertTrue(to > from && to <= k1, "panel " + p + " group " + g + ": chunk [" + from + ", " + to + ")");
                    boolean full = to == k1;
                    for (int t = p * 8; t < Math.min(tt, p * 8 + 8); t++) {
                        long sum = 0;
                        for (int k = from; k < to; k++) {
                            sum += Math.abs(list.counts[list.cOff + (t0 + t) * list.cols + list.channel[k]]);
                        }
                        assertTrue(sum <= ShortTile.MAX_COUNT, "token " + t + " chunk [" + from + ", " + to + ") sums " + sum);
                        if (to < k1 && sum + Math.abs(list.counts[list.cOff + (t0 + t) * list.cols + list.channel[to]]) > ShortTile.MAX_COUNT) {
                            full = true;
                        }
                    }
                    assertTrue(full, "panel " + p + " group " + g + ": chunk [" + from + ", " + to + ") closed early");
                    from = to;
                    cut++;
                }
                assertEquals(k1, from, "panel " + p + " group " + g + " chunks end at the group's end");
            }
        }
        assertTrue(cut > 0);
    }

    @Test
    void handBatch() {
        // One row, one group: codes 1, -2, 200 (an outlier); scale 0.5. Token 0: counts 3, 1, -1, vth 2;
        // token 1 silent; token 2: count 4 on the outlier only, vth 0.25.
        int[] codes = new int[128];
        codes[0] = 1;
        codes[1] = -2;
        codes[127] = 200;
        int[] s = new int[3 * 128];
        s[0] = 3;
        s[1] = 1;
        s[127] = -1;
        s[256 + 127] = 4;
        float[] x = new float[3 * 128];
        x[0] = 3f;
        x[1] = 1f;
        x[127] = -1f;
        x[256 + 127] = 4f;
        try (Arena arena = Arena.ofConfined()) {
            Int8Weights q = Int8Weights.fromCodes(arena, codes, 1, 128, new float[] {0.5f});
            float[] y = new float[3];
            SpikeMatMul.sparse(q, s, 0, 3, new float[] {2f, 1f, 0.25f}, y, 0, 0, 1);
            assertEquals(2f * 0.5f * (3 - 2 - 200), y[0]);
            assertEquals(0f, y[1]);
            assertEquals(0.25f * 0.5f * 800, y[2]);
            Int8MatMul.denseFloat(q, x, 0, 3, y, 0, 0, 1);
            assertEquals(0.5f * (3 - 2 - 200), y[0]);
            assertEquals(0f, y[1]);
            assertEquals(0.5f * 800, y[2]);
        }
    }

    @Test
    void rejectsBadArguments() {
        try (Arena arena = Arena.ofConfined()) {
            int rows = TILE + 3;
            float[] ones = new float[rows];
            Arrays.fill(ones, 1f);
            Int8Weights q = Int8Weights.fromCodes(arena, new int[rows * 128], rows, 128, ones);
            int[] s = new int[2 * 128];
            float[] vth = {1f, 1f};
            float[] y = new float[2 * rows];
            assertThrows(IllegalArgumentException.class, () -> SpikeMatMul.sparse(q, s, 0, 2, vth, y, 0, 1, rows));
            assertThrows(IllegalArgumentException.class, () -> SpikeMatMul.sparse(q, s, 0, 0, vth, y, 0, 0, rows));
            assertThrows(IndexOutOfBoundsException.class, () -> SpikeMatMul.sparse(q, s, 0, 2, vth, new float[2 * rows - 1], 0, 0, rows));
            assertThrows(IndexOutOfBoundsException.class, () -> SpikeMatMul.sparse(q, s, 1, 2, vth, y, 0, 0, rows));
            assertThrows(IndexOutOfBoundsException.class, () -> SpikeMatMul.sparse(q, s, 0, 2, new float[1], y, 0, 0, rows));
            assertThrows(IllegalArgumentException.class, () -> Int8MatMul.denseFloat(q, new float[256], 0, 2, y, 0, 0, TILE - 1));
            assertThrows(IndexOutOfBoundsException.class, () -> Int8MatMul.denseFloat(q, new float[255], 0, 2, y, 0, 0, rows));
            for (int tileTokens : new int[] {0, SpikeTileList.MAX_TILE_TOKENS + 1}) {
                IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                        () -> Int8MatMul.denseFloat(q, new float[256], 0, 2, y, 0, 0, rows, tileTokens));
                assertTrue(bad.getMessage().contains("tileTokens") && bad.getMessage().contains(Integer.toString(tileTokens)), bad.getMessage());
                bad = assertThrows(IllegalArgumentException.class, () -> new SpikeTileList().list(s, 0, 128, 2, tileTokens));
                assertTrue(bad.getMessage().contains("tileTokens"), bad.getMessage());
            }
            SpikeTileList other = new SpikeTileList().list(new int[256], 0, 256, 1);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SpikeMatMul.sparse(q, other, vth, y, 0, 0, rows));
            assertTrue(e.getMessage().contains("256"), e.getMessage());
            s[128 + 5] = Int8Weights.MAX_ABS_COUNT + 1;
            e = assertThrows(IllegalArgumentException.class, () -> SpikeMatMul.sparse(q, s, 0, 2, vth, y, 0, 0, rows));
            assertTrue(e.getMessage().contains("channel 5"), e.getMessage());
            assertFalse(e.getMessage().isEmpty());
        }
    }

    /** Per token and row, sum_i |vth * s_i * code * scale|: the scale of the product's rounding error. */
    private static float[] spikeMagnitudes(Int8Weights q, int[] counts, int cOff, int tokens, float[] vth) {
        float[] mag = new float[tokens * q.rows()];
        for (int t = 0; t < tokens; t++) {
            for (int r = 0; r < q.rows(); r++) {
                double m = 0;
                for (int c = 0; c < q.cols(); c++) {
                    m += Math.abs((double) vth[t] * counts[cOff + t * q.cols() + c] * q.code(r, c) * q.scale(r, c / Int8Weights.GROUP));
                }
                mag[t * q.rows() + r] = (float) m;
            }
        }
        return mag;
    }

    private static float[] floatMagnitudes(Int8Weights q, float[] x, int xOff, int tokens) {
        float[] mag = new float[tokens * q.rows()];
        for (int t = 0; t < tokens; t++) {
            for (int r = 0; r < q.rows(); r++) {
                double m = 0;
                for (int c = 0; c < q.cols(); c++) {
                    m += Math.abs((double) q.scale(r, c / Int8Weights.GROUP) * q.code(r, c) * x[xOff + t * q.cols() + c]);
                }
                mag[t * q.rows() + r] = (float) m;
            }
        }
        return mag;
    }

    /** Within rel * magnitude of the twin on rows [from, to) of every token; NaN (untouched) elsewhere. */
    private static void checkClose(String what, float[] twin, float[] actual, int yOff, int rows, int tokens, float[] mag,
            int from, int to, double rel) {
        for (int i = 0; i < actual.length; i++) {
            int t = Math.floorDiv(i - yOff, rows);
            int r = Math.floorMod(i - yOff, rows);
            boolean inside = i >= yOff && t < tokens && r >= from && r < to;
            if (!inside) {
                assertTrue(Float.isNaN(actual[i]), what + " wrote outside its rows at index " + i);
                continue;
            }
            double bound = rel * mag[t * rows + r] + 1e-30;
            if (!(Math.abs(actual[i] - twin[i]) <= bound)) {
                fail(what + ": token " + t + " row " + r + " expected " + twin[i] + " got " + actual[i] + " (bound " + bound + ")");
            }
        }
    }

    /** Bit for bit (NaN sentinels included). */
    private static void checkSame(String what, float[] expected, float[] actual) {
        for (int i = 0; i < expected.length; i++) {
            if (Float.floatToRawIntBits(expected[i]) != Float.floatToRawIntBits(actual[i])) {
                fail(what + ": index " + i + " expected " + expected[i] + " got " + actual[i]);
            }
        }
    }

    private static float[] run(Consumer<float[]> kernel, int n) {
        float[] y = new float[n];
        Arrays.fill(y, Float.NaN);
        kernel.accept(y);
        return y;
    }
}
