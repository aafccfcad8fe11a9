package io.spikert.kernels.spike;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The outlier corrections of a batch of spiking tokens ({@link GroupSumProduct#addOutliers}) with the tokens as vector
 * lanes: for a tile of {@code L} tokens, their outputs are transposed to {@code [rows][L]}, and each outlier
 * {@code (r, c)} of the list then adds {@code (vth[t] * s[t][c]) * scaled} to row r of all L tokens with one vector
 * multiply and one masked add (lanes whose count is 0 add nothing, as the per-token loop skips silent columns).
 * Every output gets the same adds in the same order as {@link Int8Weights#addOutliers(int[], int, float, float[], int, int, int)}
 * (columns ascending), so the same bits; the list (about 5 MB for a 7B projection) is read once per tile instead of
 * once per token, and the scattered adds go to a vector's row instead of one float each.
 */
final class OutlierLanes {
    private OutlierLanes() {}

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();

    /** Per thread: the transposed outputs [rows][L], then v [cols][L] and the counts as floats [cols][L]. */
    private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[3][0]);

    private static float[] scratch(int slot, int n) {
        float[][] s = SCRATCH.get();
        if (s[slot].length < n) {
            s[slot] = new float[n];
        }
        return s[slot];
    }

    /** y[yOff + t * rows + r] += the corrections of token t's counts, for tokens [0, tokens) and rows [rowStart, rowEnd). */
    static void add(Int8Weights w, int[] counts, int cOff, float[] vth, int tokens, float[] y, int yOff, int rowStart, int rowEnd) {
        int rows = w.rows;
        int cols = w.cols;
        int n = rowEnd - rowStart;
        if (n == 0 || w.outlierRow.length == 0) {
            return;
        }
        float[] yt = scratch(0, n * L);
        float[] v = scratch(1, cols * L);
        float[] active = scratch(2, cols * L);
        int[] start = w.outlierStart;
        int[] row = w.outlierRow;
        float[] scaled = w.outlierScaled;
        for (int t0 = 0; t0 < tokens; t0 += L) {
            int tt = Math.min(L, tokens - t0);
            for (int t = 0; t < L; t++) {
                int at = cOff + (t0 + t) * cols;
                for (int c = 0; c < cols; c++) {
                    int s = t < tt ? counts[at + c] : 0;
                    v[c * L + t] = t < tt ? vth[t0 + t] * s : 0f;
                    active[c * L + t] = s;
                }
            }
            for (int t = 0; t < tt; t++) {
                int o = yOff + (t0 + t) * rows + rowStart;
                for (int r = 0; r < n; r++) {
                    yt[r * L + t] = y[o + r];
                }
            }
            for (int c = 0; c < cols; c++) {
                if (start[c] == start[c + 1]) {
                    continue;
                }
                VectorMask<Float> nonZero = FloatVector.fromArray(F, active, c * L).compare(VectorOperators.NE, 0f);
                if (!nonZero.anyTrue()) {
                    continue;
                }
                FloatVector vc = FloatVector.fromArray(F, v, c * L);
                for (int k = Int8Weights.firstAtOrAfter(row, start[c], start[c + 1], rowStart); k < start[c + 1]; k++) {
                    int r = row[k];
                    if (r >= rowEnd) {
                        break;
                    }
                    int o = (r - rowStart) * L;
                    FloatVector.fromArray(F, yt, o).add(vc.mul(scaled[k]), nonZero).intoArray(yt, o);
                }
            }
            for (int t = 0; t < tt; t++) {
                int o = yOff + (t0 + t) * rows + rowStart;
                for (int r = 0; r < n; r++) {
                    y[o + r] = yt[r * L + t];
                }
            }
        }
    }
}
