package io.spikert.model.layers;

import io.spikert.kernels.RmsNorm;
import io.spikert.runtime.backend.Backend;

/**
 * One pre-norm residual block (MODEL.md section 3):
 * <pre>
 * r = x + attn(rmsnorm(x, attn_norm))
 * x = r + mlp(rmsnorm(r, mlp_norm))
 * </pre>
 */
public record DecoderLayer(int index, float[] attnNorm, AttentionMixer attention, float[] mlpNorm, FeedForward mlp, float eps) {

    public void forward(Backend backend, Workspace ws, LayerState state, int tokens, long pos0) {
        int hidden = attnNorm.length;
        normRows(ws.x, attnNorm, ws.h, tokens, hidden);
        attention.forward(backend, ws, state, tokens, pos0);
        addInPlace(ws.x, ws.out, tokens * hidden);
        normRows(ws.x, mlpNorm, ws.h, tokens, hidden);
        mlp.forward(backend, ws, tokens);
        addInPlace(ws.x, ws.out, tokens * hidden);
    }

    private void normRows(float[] x, float[] w, float[] out, int tokens, int hidden) {
        for (int t = 0; t < tokens; t++) {
            RmsNorm.apply(x, t * hidden, w, 0, out, t * hidden, hidden, eps);
        }
    }

    private static void addInPlace(float[] x, float[] y, int n) {
        for (int i = 0; i < n; i++) {
            x[i] += y[i];
        }
    }
}
