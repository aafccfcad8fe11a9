package io.spikert.kernels.spike;

/**
 * Scalar reference twin of {@link SpikeMatVec}: one event per non-zero count, each adding count times
 * its weight column into per-(row, group) long sums; scales and the row sum in double.
 */
public final class SpikeMatVecScalar {
    private SpikeMatVecScalar() {}

    public static void sparse(Int8Weights w, int[] counts, int cOff, float vth, float[] y, int yOff, int rowStart, int rowEnd) {
        int groups = w.groups();
        long[][] sums = new long[rowEnd - rowStart][groups];
        for (int i = 0; i < w.cols(); i++) {
            int s = counts[cOff + i];
            if (s == 0) {
                continue;
            }
            for (int r = rowStart; r < rowEnd; r++) {
                sums[r - rowStart][i / Int8Weights.GROUP] += (long) w.code(r, i) * s;
            }
        }
        finish(w, sums, vth, y, yOff, rowStart, rowEnd);
    }

    /** y[yOff + r] = vth * sum_g scale[r, g] * sums[r - rowStart][g], in double. */
    static void finish(Int8Weights w, long[][] sums, float vth, float[] y, int yOff, int rowStart, int rowEnd) {
        for (int r = rowStart; r < rowEnd; r++) {
            double row = 0;
            for (int g = 0; g < w.groups(); g++) {
                row += (double) w.scale(r, g) * sums[r - rowStart][g];
            }
            y[yOff + r] = (float) (vth * row);
        }
    }
}
