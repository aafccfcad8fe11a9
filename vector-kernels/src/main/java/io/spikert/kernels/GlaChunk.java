package io.spikert.kernels;

/** Chunked GLA prefill for one kv head and its query heads (MODEL.md section 3, chunked form). */
public final class GlaChunk {
    private GlaChunk() {}

    public static void prefill(float[] state, int sOff, int d, int group, int tokens, float scale,
                               float[] q, int qOff, int ldq, float[] k, int kOff, int ldk, float[] v, int vOff, int ldv,
                               float[] g, int gOff, int ldg, float[] out, int oOff, int ldo) {
        GlaChunkScalar.prefill(state, sOff, d, group, tokens, scale, q, qOff, ldq, k, kOff, ldk, v, vOff, ldv, g, gOff, ldg, out, oOff, ldo);
    }
}
