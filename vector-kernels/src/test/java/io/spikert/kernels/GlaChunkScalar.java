package io.spikert.kernels;

/**
 * Scalar reference twin of {@link GlaChunk}: the definition itself, one {@link GlaStepScalar#update}
 * per token followed by a readout for each of the group's query heads.
 */
public final class GlaChunkScalar {
    private GlaChunkScalar() {}

    public static void prefill(float[] state, int sOff, int d, int group, int tokens, float scale,
                               float[] q, int qOff, int ldq, float[] k, int kOff, int ldk, float[] v, int vOff, int ldv,
                               float[] g, int gOff, int ldg, float[] out, int oOff, int ldo) {
        for (int t = 0; t < tokens; t++) {
            GlaStepScalar.update(state, sOff, d, k, kOff + t * ldk, v, vOff + t * ldv, g, gOff + t * ldg);
            for (int n = 0; n < group; n++) {
                GlaStepScalar.readout(state, sOff, d, q, qOff + t * ldq + n * d, scale, out, oOff + t * ldo + n * d);
            }
        }
    }
}
