package io.spikert.model.layers;

import io.spikert.runtime.backend.Backend;
import io.spikert.runtime.backend.WeightVector;

/**
 * One pre-norm residual block (MODEL.md section 3):
 * <pre>
 * r = x + attn(rmsnorm(x, attn_norm))
 * x = r + mlp(rmsnorm(r, mlp_norm))
 * </pre>
 */
public record DecoderLayer(int index, WeightVector attnNorm, AttentionMixer attention, WeightVector mlpNorm,
                           FeedForward mlp, float eps) {

    public void forward(Backend ops, Workspace ws, Batch batch) {
        int hidden = attnNorm.size();
        int rows = batch.rows();
        ops.rmsnorm(ws.x, attnNorm, ws.h, hidden, rows, eps);
        attention.forward(ops, ws, batch, index);
        ops.add(ws.x, ws.out, rows * hidden);
        ops.rmsnorm(ws.x, mlpNorm, ws.h, hidden, rows, eps);
        mlp.forward(ops, ws, rows);
        ops.add(ws.x, ws.out, rows * hidden);
    }
}
