package io.spikert.kernels;

/** Scalar reference twin of {@link RmsNorm}. */
public final class RmsNormScalar {
    private RmsNormScalar() {}

    public static void apply(float[] x, int xOff, float[] weight, int wOff, float[] out, int outOff, int n, float eps) {
        double ss = 0;
        for (int i = 0; i < n; i++) {
            ss += (double) x[xOff + i] * x[xOff + i];
        }
        float inv = (float) (1.0 / Math.sqrt(ss / n + eps));
        for (int i = 0; i < n; i++) {
            out[outOff + i] = x[xOff + i] * inv * weight[wOff + i];
        }
    }
}
