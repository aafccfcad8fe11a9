package io.spikert.kernels;

import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The tiled prefill attention against {@link SlidingWindowAttention#attend} (itself checked against a float64
 * softmax) for every query of a chunk: windows shorter and longer than the chunk, chunks that start mid-sequence,
 * partial tiles and key blocks, head dimensions that are not a multiple of the vector length, odd group sizes.
 */
class AttentionTilesTest {

    @ParameterizedTest(name = "heads={0} d={1} tokens={2} pos0={3} window={4}")
    @CsvSource({"1, 16, 1, 0, 100", "2, 16, 5, 0, 100", "3, 20, 17, 40, 9", "6, 128, 70, 130, 4096", "7, 128, 9, 300, 63",
            "4, 7, 33, 64, 64", "5, 32, 130, 0, 10", "6, 128, 24, 0, 0",
            // blocks inside every window of a tile (taken by all its rows at once) beside partial ones, odd row counts
            "7, 128, 40, 700, 100000", "6, 40, 37, 500, 300", "1, 24, 3, 200, 150", "3, 16, 64, 1000, 5000"})
    void everyQueryMatchesTheSingleQueryKernel(int heads, int d, int tokens, long pos0, long window) {
        Random rnd = new Random(heads * 101L + d + tokens + pos0);
        int positions = (int) (pos0 + tokens);
        float[] keys = TestData.randoms(rnd, positions * d);
        float[] values = TestData.randoms(rnd, positions * d);
        int qStride = heads * d + 3;
        float[] q = TestData.randoms(rnd, 2 + tokens * qStride);
        for (int i = 0; i < q.length; i++) {
            q[i] *= 3; // sharper softmax
        }
        float scale = (float) (1 / Math.sqrt(d));
        int outStride = heads * d + 1;
        float[] out = TestData.filled(1 + tokens * outStride, Float.NaN);
        AttentionTiles.attend(q, 2, qStride, heads, d, scale, tokens, pos0, window, (first, count, kt, v) -> {
            for (int i = 0; i < count; i++) {
                for (int c = 0; c < d; c++) {
                    kt[c * AttentionTiles.KEYS + i] = keys[(int) (first + i) * d + c];
                    v[i * d + c] = values[(int) (first + i) * d + c];
                }
            }
        }, out, 1, outStride);
        float[] expected = new float[d];
        float[] actual = new float[d];
        float[] scratch = new float[positions];
        for (int t = 0; t < tokens; t++) {
            long p = pos0 + t;
            for (int h = 0; h < heads; h++) {
                SlidingWindowAttention.attend(q, 2 + t * qStride + h * d, d, scale, keys, values, 0, positions,
                        Math.max(0, p - window), p, scratch, expected, 0);
                System.arraycopy(out, 1 + t * outStride + h * d, actual, 0, d);
                TestData.assertClose("token " + t + " head " + h, expected, actual, 1e-5, 1e-6);
            }
        }
    }

    /** A later position's key or value (NaN here) never reaches an earlier query, though it sits in the same block. */
    @Test
    void aQueryReadsNothingPastItsPosition() {
        int heads = 3, d = 16, tokens = 20;
        Random rnd = new Random(7);
        float[] keys = TestData.randoms(rnd, tokens * d);
        float[] values = TestData.randoms(rnd, tokens * d);
        keys[10 * d + 3] = Float.NaN;
        values[10 * d + 5] = Float.NaN;
        float[] q = TestData.randoms(rnd, tokens * heads * d);
        float[] out = new float[tokens * heads * d];
        AttentionTiles.attend(q, 0, heads * d, heads, d, 0.25f, tokens, 0, 100, (first, count, kt, v) -> {
            for (int i = 0; i < count; i++) {
                for (int c = 0; c < d; c++) {
                    kt[c * AttentionTiles.KEYS + i] = keys[(int) (first + i) * d + c];
                    v[i * d + c] = values[(int) (first + i) * d + c];
                }
            }
        }, out, 0, heads * d);
        float[] expected = new float[d];
        float[] actual = new float[d];
        for (int t = 0; t < tokens; t++) {
            for (int h = 0; h < heads; h++) {
                System.arraycopy(out, (t * heads + h) * d, actual, 0, d);
                if (t >= 10) {
                    org.junit.jupiter.api.Assertions.assertTrue(Float.isNaN(actual[5]), "token " + t + " sees the NaN");
                    continue;
                }
                SlidingWindowAttention.attend(q, (t * heads + h) * d, d, 0.25f, keys, values, 0, tokens, 0, t,
                        new float[tokens], expected, 0);
                TestData.assertClose("token " + t + " head " + h, expected, actual, 1e-5, 1e-6);
            }
        }
    }

    @Test
    void refusesNonsense() {
        AttentionTiles.KeyBlocks none = (first, count, kt, v) -> { };
        assertThrows(IllegalArgumentException.class, () -> AttentionTiles.attend(new float[16], 0, 16, 0, 16, 1f, 1, 0, 4,
                none, new float[16], 0, 16));
        assertThrows(IllegalArgumentException.class, () -> AttentionTiles.attend(new float[16], 0, 16, 1, 16, 1f, 1, -1, 4,
                none, new float[16], 0, 16));
    }
}
