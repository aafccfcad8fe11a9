package io.spikert.kernels;

/** Scalar reference twin of {@link SwiGlu}. */
public final class SwiGluScalar {
    private SwiGluScalar() {}

    public static void siluMul(float[] gate, int gOff, float[] up, int uOff, float[] out, int oOff, int n) {
        for (int i = 0; i < n; i++) {
            double g = gate[gOff + i];
            out[oOff + i] = (float) (g / (1.0 + Math.exp(-g)) * up[uOff + i]);
        }
    }
}
