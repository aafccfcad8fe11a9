package io.spikert.model.layers;

import io.spikert.kernels.Activations;
import io.spikert.kernels.GlaChunk;
import io.spikert.kernels.GlaStep;
import io.spikert.kernels.RmsNorm;
import io.spikert.model.ModelConfig;
import io.spikert.runtime.backend.Backend;

/**
 * GLA (MODEL.md section 3):
 * <pre>
 * q = relu(Wq h + bq)   k = relu(Wk h + bk)   v = Wv h + bv
 * g = logsigmoid(W1 (W0 h) + b1) / 16     (W8ASpike: one full-rank gk_proj)
 * S_j = diag(exp(g_j)) S_j + k_j^T v_j ;  o_n = rmsnorm((q_n D^-0.5) S_j, g_norm) ;  out = Wo o
 * </pre>
 * One decode token uses the recurrent step; a prefill chunk uses the chunked form.
 */
public record GatedLinearAttention(ModelConfig config, Projection q, Projection k, Projection v,
                                   Projection gate, Projection o, float[] gNorm) implements AttentionMixer {

    @Override
    public LayerState newState() {
        return new GlaState(config.numKvHeads(), config.headDim());
    }

    @Override
    public void forward(Backend backend, Workspace ws, LayerState state, int tokens, long pos0) {
        float[] s = ((GlaState) state).s();
        int hidden = config.hiddenSize();
        int kvDim = config.kvDim();
        int d = config.headDim();
        int group = config.groupSize();
        float scale = (float) (1.0 / Math.sqrt(d));

        q.forward(backend, ws.h, tokens, ws.q);
        Activations.relu(ws.q, 0, tokens * hidden);
        k.forward(backend, ws.h, tokens, ws.k);
        Activations.relu(ws.k, 0, tokens * kvDim);
        v.forward(backend, ws.h, tokens, ws.v);
        gate.forward(backend, ws.h, tokens, ws.g);
        Activations.logSigmoid(ws.g, 0, tokens * kvDim, ModelConfig.GATE_NORMALIZER);

        backend.pool().parallelFor(config.numKvHeads(), (first, end) -> {
            for (int j = first; j < end; j++) {
                int sOff = j * d * d;
                int qOff = j * group * d;
                if (tokens == 1) {
                    GlaStep.update(s, sOff, d, ws.k, j * d, ws.v, j * d, ws.g, j * d);
                    for (int n = 0; n < group; n++) {
                        GlaStep.readout(s, sOff, d, ws.q, qOff + n * d, scale, ws.o, qOff + n * d);
                    }
                } else {
                    GlaChunk.prefill(s, sOff, d, group, tokens, scale,
                            ws.q, qOff, hidden, ws.k, j * d, kvDim, ws.v, j * d, kvDim,
                            ws.g, j * d, kvDim, ws.o, qOff, hidden);
                }
            }
        });
        for (int head = 0; head < tokens * config.numHeads(); head++) {
            RmsNorm.apply(ws.o, head * d, gNorm, 0, ws.o, head * d, d, config.normEps());
        }
        o.forward(backend, ws.o, tokens, ws.out);
    }
}
