package io.spikert.kernels.spike;

/**
 * Scalar reference twin of {@link Int8MatMul}, from the math: for each token and row, per group the
 * sum of exact code times input, then the scales and the row sum, all in double.
 */
public final class Int8MatMulScalar {
    private Int8MatMulScalar() {}

    /** y[yOff + t * rows + r] = sum_g scale(r, g) * sum_{c in g} code(r, c) * x[xOff + t * cols + c]. */
    public static void denseFloat(Int8Weights w, float[] x, int xOff, int tokens, float[] y, int yOff, int rowStart, int rowEnd) {
        int rows = w.rows();
        int cols = w.cols();
        for (int t = 0; t < tokens; t++) {
            int xt = xOff + t * cols;
            for (int r = rowStart; r < rowEnd; r++) {
                double row = 0;
                for (int g = 0; g < w.groups(); g++) {
                    double sum = 0;
                    for (int c = g * Int8Weights.GROUP; c < (g + 1) * Int8Weights.GROUP; c++) {
                        sum += (double) w.code(r, c) * x[xt + c];
                    }
                    row += (double) w.scale(r, g) * sum;
                }
                y[yOff + t * rows + r] = (float) row;
            }
        }
    }
}
