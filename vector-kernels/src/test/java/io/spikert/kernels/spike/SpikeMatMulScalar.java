package io.spikert.kernels.spike;

/**
 * Scalar reference twin of {@link SpikeMatMul}, from the math: for each token and row, per group the
 * long sum of exact code times count, then the scales, the row sum and vth in double.
 */
public final class SpikeMatMulScalar {
    private SpikeMatMulScalar() {}

    /** y[yOff + t * rows + r] = vth[t] * sum_g scale(r, g) * sum_{i in g} code(r, i) * counts[cOff + t * cols + i]. */
    public static void sparse(Int8Weights w, int[] counts, int cOff, int tokens, float[] vth, float[] y, int yOff, int rowStart, int rowEnd) {
        int rows = w.rows();
        int cols = w.cols();
        for (int t = 0; t < tokens; t++) {
            int c = cOff + t * cols;
            for (int r = rowStart; r < rowEnd; r++) {
                double row = 0;
                for (int g = 0; g < w.groups(); g++) {
                    long sum = 0;
                    for (int i = g * Int8Weights.GROUP; i < (g + 1) * Int8Weights.GROUP; i++) {
                        sum += (long) w.code(r, i) * counts[c + i];
                    }
                    row += (double) w.scale(r, g) * sum;
                }
                y[yOff + t * rows + r] = (float) (vth[t] * row);
            }
        }
    }
}
