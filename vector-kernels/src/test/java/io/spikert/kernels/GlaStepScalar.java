package io.spikert.kernels;

/** Scalar reference twin of {@link GlaStep}. */
public final class GlaStepScalar {
    private GlaStepScalar() {}

    public static void update(float[] state, int sOff, int d, float[] k, int kOff, float[] v, int vOff, float[] g, int gOff) {
        for (int i = 0; i < d; i++) {
            float decay = (float) Math.exp(g[gOff + i]);
            float ki = k[kOff + i];
            for (int j = 0; j < d; j++) {
                int p = sOff + i * d + j;
                state[p] = decay * state[p] + ki * v[vOff + j];
            }
        }
    }

    public static void readout(float[] state, int sOff, int d, float[] q, int qOff, float scale, float[] out, int outOff) {
        for (int j = 0; j < d; j++) {
            double s = 0;
            for (int i = 0; i < d; i++) {
                s += (double) (q[qOff + i] * scale) * state[sOff + i * d + j];
            }
            out[outOff + j] = (float) s;
        }
    }
}
