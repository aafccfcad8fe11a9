package io.spikert.kernels.spike;

/**
 * Scalar reference twin of {@link Int8MatVec}: plain loops over the exact codes, each group's sum
 * in long, scales and the row sum in double.
 */
public final class Int8MatVecScalar {
    private Int8MatVecScalar() {}

    public static void dense(Int8Weights w, int[] counts, int cOff, float vth, float[] y, int yOff, int rowStart, int rowEnd) {
        for (int r = rowStart; r < rowEnd; r++) {
            double row = 0;
            for (int g = 0; g < w.groups(); g++) {
                long sum = 0;
                for (int i = g * Int8Weights.GROUP; i < (g + 1) * Int8Weights.GROUP; i++) {
                    sum += (long) w.code(r, i) * counts[cOff + i];
                }
                row += (double) w.scale(r, g) * sum;
            }
            y[yOff + r] = (float) (vth * row);
        }
    }

    /** y[r] = sum_g scale(r, g) * sum_{c in g} code(r, c) * x[c], each group's sum and the row sum in double. */
    public static void denseFloat(Int8Weights w, float[] x, int xOff, float[] y, int yOff, int rowStart, int rowEnd) {
        for (int r = rowStart; r < rowEnd; r++) {
            double row = 0;
            for (int g = 0; g < w.groups(); g++) {
                double sum = 0;
                for (int i = g * Int8Weights.GROUP; i < (g + 1) * Int8Weights.GROUP; i++) {
                    sum += (double) w.code(r, i) * x[xOff + i];
                }
                row += (double) w.scale(r, g) * sum;
            }
            y[yOff + r] = (float) row;
        }
    }
}
