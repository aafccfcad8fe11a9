package io.spikert.model.device;

import io.spikert.model.ModelConfig;
import io.spikert.runtime.gpu.DeviceArena;
import io.spikert.runtime.gpu.DeviceOps;
import io.spikert.runtime.gpu.DeviceOps.Activation;

/**
 * GLA on the device (MODEL.md section 3, as {@code layers.GatedLinearAttention}): q = relu(Wq h + bq),
 * k = relu(Wk h + bk), v = Wv h + bv, g = logsigmoid(W1 (W0 h) + b1) / 16 (W8ASpike: one full-rank
 * gk_proj), the recurrent step for one token or the token-by-token chunk kernel for several, g_norm per
 * head, o_proj.
 */
record DeviceGla(ModelConfig config, DeviceProjection q, DeviceProjection k, DeviceProjection v, DeviceProjection gate,
                 DeviceProjection o, long gNorm) implements DeviceMixer {

    @Override
    public DeviceLayerState newState(DeviceArena arena, int chunk) {
        long bytes = 4L * config.numKvHeads() * config.headDim() * config.headDim();
        return new DeviceLayerState.Gla(arena.zeros(bytes, "GLA state"));
    }

    @Override
    public void forward(DeviceOps ops, DeviceWorkspace ws, DeviceLayerState state, int tokens, long pos0) {
        long s = ((DeviceLayerState.Gla) state).state().pointer();
        int hidden = config.hiddenSize();
        int kvDim = config.kvDim();
        int d = config.headDim();
        int group = config.groupSize();
        float scale = (float) (1.0 / Math.sqrt(d));

        var h = new DeviceInput(ws, ws.h, hidden, tokens);
        q.forward(ops, h, tokens, ws.q, Activation.RELU);
        k.forward(ops, h, tokens, ws.k, Activation.RELU);
        v.forward(ops, h, tokens, ws.v);
        gate.forward(ops, h, tokens, ws.g, Activation.LOG_SIGMOID);
        if (tokens == 1) {
            ops.glaStep(s, ws.q, ws.k, ws.v, ws.g, ws.o, d, group, scale, config.numKvHeads());
        } else {
            ops.glaChunk(s, ws.q, ws.k, ws.v, ws.g, ws.o, d, group, tokens, scale, config.numKvHeads(),
                    hidden, kvDim, hidden);
        }
        // The queries are spent: the normalised heads go there, since rmsnorm may not work in place.
        ops.rmsnorm(ws.o, gNorm, ws.q, d, tokens * config.numHeads(), config.normEps());
        o.forward(ops, new DeviceInput(ws, ws.q, hidden, tokens), tokens, ws.out);
    }
}
