package io.spikert.kernels;

/** Scalar reference twin of {@link Activations}. */
public final class ActivationsScalar {
    private ActivationsScalar() {}

    public static void relu(float[] x, int off, int n) {
        for (int i = 0; i < n; i++) {
            x[off + i] = Math.max(x[off + i], 0f);
        }
    }

    public static void logSigmoid(float[] x, int off, int n, float divisor) {
        for (int i = 0; i < n; i++) {
            double v = x[off + i];
            x[off + i] = (float) ((Math.min(v, 0) - Math.log1p(Math.exp(-Math.abs(v)))) / divisor);
        }
    }

    public static void addBias(float[] x, int off, float[] bias, int bOff, int n) {
        for (int i = 0; i < n; i++) {
            x[off + i] += bias[bOff + i];
        }
    }
}
