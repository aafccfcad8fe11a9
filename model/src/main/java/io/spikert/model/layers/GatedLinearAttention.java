package io.spikert.model.layers;

import io.spikert.model.ModelConfig;
import io.spikert.runtime.backend.Activation;
import io.spikert.runtime.backend.Backend;
import io.spikert.runtime.backend.GlaState;
import io.spikert.runtime.backend.Memory;
import io.spikert.runtime.backend.RecurrentState;
import io.spikert.runtime.backend.WeightVector;

/**
 * GLA (MODEL.md section 3):
 * <pre>
 * q = relu(Wq h + bq)   k = relu(Wk h + bk)   v = Wv h + bv
 * g = logsigmoid(W1 (W0 h) + b1) / 16     (W8ASpike: one full-rank gk_proj)
 * S_j = diag(exp(g_j)) S_j + k_j^T v_j ;  o_n = rmsnorm((q_n D^-0.5) S_j, g_norm) ;  out = Wo o
 * </pre>
 * One decode token takes the recurrent step, a prefill chunk the chunked form (the backend picks).
 */
public record GatedLinearAttention(ModelConfig config, Projection q, Projection k, Projection v,
                                   Projection gate, Projection o, WeightVector gNorm) implements AttentionMixer {

    @Override
    public RecurrentState newState(Memory memory, int chunk) {
        return memory.glaState(config.numKvHeads(), config.headDim());
    }

    @Override
    public void forward(Backend ops, Workspace ws, Batch batch, int layer) {
        int hidden = config.hiddenSize();
        int kvDim = config.kvDim();
        int d = config.headDim();
        int rows = batch.rows();
        float scale = (float) (1.0 / Math.sqrt(d));

        var h = new LayerInput(ws, ws.h, hidden, rows);
        q.forward(ops, h, rows, ws.q, Activation.RELU);
        k.forward(ops, h, rows, ws.k, Activation.RELU);
        v.forward(ops, h, rows, ws.v);
        gate.forward(ops, h, rows, ws.g, Activation.LOG_SIGMOID);
        for (Batch.Sequence s : batch.sequences()) {
            int r = s.firstRow();
            ops.gla((GlaState) s.state().layer(layer), ws.q.at((long) r * hidden), ws.k.at((long) r * kvDim),
                    ws.v.at((long) r * kvDim), ws.g.at((long) r * kvDim), ws.o.at((long) r * hidden), s.rows(),
                    config.groupSize(), scale);
        }
        // The queries are spent: the normalised heads go there (rmsnorm does not work in place on every backend).
        ops.rmsnorm(ws.o, gNorm, ws.q, d, rows * config.numHeads(), config.normEps());
        o.forward(ops, new LayerInput(ws, ws.q, hidden, rows), rows, ws.out);
    }
}
