package io.spikert.kernels;

/**
 * Scalar reference twin of {@link Rope#rotateHalf}. {@link Rope#angles} has no twin: it is scalar by
 * definition (exact Math.pow/cos/sin per frequency) and is tested against double-precision values.
 */
public final class RopeScalar {
    private RopeScalar() {}

    public static void rotateHalf(float[] x, int off, int numHeads, int headDim, float[] cos, float[] sin) {
        int half = headDim / 2;
        for (int h = 0; h < numHeads; h++) {
            int base = off + h * headDim;
            for (int i = 0; i < half; i++) {
                float a = x[base + i];
                float b = x[base + i + half];
                x[base + i] = a * cos[i] - b * sin[i];
                x[base + i + half] = b * cos[i] + a * sin[i];
            }
        }
    }
}
